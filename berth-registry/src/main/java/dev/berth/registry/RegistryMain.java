package dev.berth.registry;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

/** The {@code berth-registry} command line. */
@Command(name = "berth-registry", mixinStandardHelpOptions = true, subcommands = RegistryMain.Serve.class,
        description = "An OCI distribution registry.")
public final class RegistryMain {
    /** {@code berth-registry serve}: runs the registry until killed. */
    @Command(name = "serve", mixinStandardHelpOptions = true, description = "Serve a registry root over HTTP.")
    static final class Serve implements Callable<Integer> {
        @Option(names = "--root", required = true, description = "Storage root directory.")
        Path root;

        @Option(names = "--listen", defaultValue = "127.0.0.1:5000", description = "host:port (loopback only).")
        String listen;

        @Option(names = "--upload-ttl", defaultValue = "PT24H",
                description = "How long an idle upload session lives (ISO-8601 duration, default ${DEFAULT-VALUE}).")
        Duration uploadTtl;

        @Override
        public Integer call() throws Exception {
            int colon = listen.lastIndexOf(':');
            if (colon < 0) {
                throw new CommandLine.ParameterException(new CommandLine(this), "--listen must be host:port");
            }
            String host = listen.substring(0, colon).replaceAll("^\\[|]$", "");
            int port = Integer.parseInt(listen.substring(colon + 1));
            try (RegistryServer server = RegistryServer.start(root, host, port, uploadTtl)) {
                Runtime.getRuntime().addShutdownHook(new Thread(server::close));
                server.awaitClose();
            }
            return 0;
        }
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new RegistryMain()).execute(args));
    }
}
