package dev.berth.registry;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

/** The {@code berth-registry} command line. */
@Command(name = "berth-registry", mixinStandardHelpOptions = true,
        subcommands = {RegistryMain.Serve.class, GcCommand.class},
        description = "An OCI distribution registry.")
public final class RegistryMain {
    /** {@code berth-registry serve}: runs the registry until killed. */
    @Command(name = "serve", mixinStandardHelpOptions = true,
            description = "Serve a registry root over HTTP or HTTPS.")
    static final class Serve implements Callable<Integer> {
        @Option(names = "--config", description = "registry.yaml (TLS, auth, limits, log); flags override it.")
        Path config;

        @Option(names = "--root", description = "Storage root directory (storage.filesystem.rootdirectory).")
        Path root;

        @Option(names = "--listen", description = "host:port (http.addr; default 127.0.0.1:5000).")
        String listen;

        @Option(names = "--upload-ttl", converter = DurationConverter.class,
                description = "How long an idle upload session lives: 24h, 30m, PT24H (default 24h).")
        Duration uploadTtl;

        @Option(names = "--insecure",
                description = "Allow plain HTTP on a non-loopback address (http.insecure).")
        boolean insecure;

        @Override
        public Integer call() throws Exception {
            if (config == null && root == null) {
                throw new CommandLine.ParameterException(new CommandLine(this), "--root or --config is required");
            }
            RegistryConfig c = config != null ? RegistryConfigFile.load(config)
                    : RegistryConfig.local(root, "127.0.0.1", 5000, RegistryConfig.DEFAULT_UPLOAD_TTL);
            if (root != null) {
                c = c.withRoot(root);
            }
            if (listen != null) {
                c = c.withListen(listen);
            }
            if (uploadTtl != null) {
                c = c.withUploadTtl(uploadTtl);
            }
            if (insecure) {
                c = c.withInsecure(true);
            }
            try (RegistryServer server = RegistryServer.start(c)) {
                Runtime.getRuntime().addShutdownHook(new Thread(server::close));
                server.awaitClose();
            }
            return 0;
        }
    }

    /** Reads Go-style ({@code 24h}) or ISO-8601 ({@code PT24H}) durations. */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return GoDuration.parse(value);
        }
    }

    public static void main(String[] args) {
        CommandLine cli = new CommandLine(new RegistryMain());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof IllegalArgumentException || e instanceof java.io.IOException) {
                cmd.getErr().println("berth-registry: " + e.getMessage());
                return 2;
            }
            throw e;
        });
        System.exit(cli.execute(args));
    }
}
