package dev.berth.cli;

import dev.berth.cli.client.DaemonAddress;
import dev.berth.cli.client.TlsClient;
import dev.berth.cli.client.DockerClient;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * What every command needs: the standard streams, the environment, the global options and a
 * daemon client made on first use (so commands that never talk to the daemon never pay for it).
 */
public final class Cli {
    /** berth's own version. */
    public static final String VERSION = "0.1.0";

    private final PrintStream out;
    private final PrintStream err;
    private final InputStream in;
    private final Map<String, String> env;
    private final GlobalOptions globals = new GlobalOptions();
    private DockerClient client;

    public Cli(PrintStream out, PrintStream err, InputStream in, Map<String, String> env) {
        this.out = out;
        this.err = err;
        this.in = in;
        this.env = env;
    }

    /** The process's own streams, unbuffered input and UTF-8 output. */
    public static Cli system() {
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
        return new Cli(out, err, new FileInputStream(FileDescriptor.in), System.getenv());
    }

    public PrintStream out() {
        return out;
    }

    public PrintStream err() {
        return err;
    }

    public InputStream in() {
        return in;
    }

    public String env(String name) {
        return env.get(name);
    }

    public GlobalOptions globals() {
        return globals;
    }

    /** The daemon address from -H, BERTH_HOST, DOCKER_HOST, or the default socket, in that order. */
    public String hostUri() {
        if (globals.hosts().size() > 1) {
            throw new ExitException(1, "Specify only one -H");
        }
        if (!globals.hosts().isEmpty()) {
            return globals.hosts().getFirst();
        }
        for (String var : new String[] {"BERTH_HOST", "DOCKER_HOST"}) {
            String v = env.get(var);
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        return DaemonAddress.DEFAULT;
    }

    public DockerClient client() {
        if (client == null) {
            String ctx = globals.context();
            if (ctx != null && !ctx.equals("default")) {
                throw new ExitException(1, "context \"" + ctx + "\" does not exist");
            }
            DaemonAddress address;
            try {
                address = DaemonAddress.parse(hostUri());
            } catch (IllegalArgumentException e) {
                throw new ExitException(1, e.getMessage());
            }
            try {
                TlsClient tls = TlsClient.resolve(globals.tls, globals.tlsVerify, globals.tlsCaCert, globals.tlsCert,
                        globals.tlsKey, env.get("DOCKER_TLS_VERIFY"), env.get("DOCKER_TLS"), env.get("DOCKER_CERT_PATH"),
                        System.getProperty("user.home"));
                if (tls != null) {
                    address = address.withTls(tls);
                }
            } catch (java.io.IOException e) {
                throw new ExitException(1, "failed to set up TLS: " + e.getMessage());
            }
            client = new DockerClient(address, "Berth-Client/" + VERSION + " (linux)");
        }
        return client;
    }
}
