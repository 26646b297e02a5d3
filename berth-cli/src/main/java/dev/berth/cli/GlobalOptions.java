package dev.berth.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;

/** The top-level command: docker's global options. */
@Command(name = "berth", customSynopsis = "[OPTIONS] COMMAND", description = "A self-sufficient runtime for containers")
public final class GlobalOptions {
    @Option(names = "--config", paramLabel = "string", description = "Location of client config files (default \"~/.docker\")")
    String config;

    @Option(names = {"-c", "--context"}, paramLabel = "string",
            description = "Name of the context to use to connect to the daemon (overrides DOCKER_HOST env var and default context set with \"docker context use\")")
    String context;

    @Option(names = {"-D", "--debug"}, description = "Enable debug mode")
    boolean debug;

    @Option(names = {"-H", "--host"}, paramLabel = "list", description = "Daemon socket to connect to")
    List<String> hosts = new ArrayList<>();

    @Option(names = {"-l", "--log-level"}, paramLabel = "string",
            description = "Set the logging level (\"debug\", \"info\", \"warn\", \"error\", \"fatal\") (default \"info\")")
    String logLevel = "info";

    @Option(names = "--tls", description = "Use TLS; implied by --tlsverify")
    boolean tls;

    @Option(names = "--tlscacert", paramLabel = "string", description = "Trust certs signed only by this CA")
    String tlsCaCert;

    @Option(names = "--tlscert", paramLabel = "string", description = "Path to TLS certificate file")
    String tlsCert;

    @Option(names = "--tlskey", paramLabel = "string", description = "Path to TLS key file")
    String tlsKey;

    @Option(names = "--tlsverify", description = "Use TLS and verify the remote")
    boolean tlsVerify;

    @Option(names = {"-v", "--version"}, description = "Print version information and quit")
    boolean version;

    @Option(names = {"-h", "--help"}, usageHelp = true, hidden = true, description = "Print usage")
    boolean help;

    public boolean debug() {
        return debug;
    }

    public List<String> hosts() {
        return hosts;
    }

    public String context() {
        return context;
    }

    public boolean tlsRequested() {
        return tls || tlsVerify || tlsCaCert != null || tlsCert != null || tlsKey != null;
    }
}
