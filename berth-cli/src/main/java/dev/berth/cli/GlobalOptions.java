package dev.berth.cli;

import java.util.ArrayList;
import java.util.List;

/** docker's global options (before the command name). */
public final class GlobalOptions {
    String config;
    String context;
    boolean debug;
    final List<String> hosts = new ArrayList<>();
    String logLevel = "info";
    boolean tls;
    String tlsCaCert;
    String tlsCert;
    String tlsKey;
    boolean tlsVerify;
    boolean version;

    /** Registers the options, described as docker describes them. */
    void define(FlagSet f) {
        f.string("config", "string", "Location of client config files (default \"~/.docker\")", v -> config = v);
        f.string("c,context", "string", "Name of the context to use to connect to the daemon (overrides DOCKER_HOST env var and default context set with \"docker context use\")", v -> context = v);
        f.bool("D,debug", "Enable debug mode", v -> debug = v);
        f.list("H,host", "list", "Daemon socket to connect to", hosts);
        f.string("l,log-level", "string", "Set the logging level (\"debug\", \"info\", \"warn\", \"error\", \"fatal\") (default \"info\")", v -> logLevel = v);
        f.bool("tls", "Use TLS; implied by --tlsverify", v -> tls = v);
        f.string("tlscacert", "string", "Trust certs signed only by this CA", v -> tlsCaCert = v);
        f.string("tlscert", "string", "Path to TLS certificate file", v -> tlsCert = v);
        f.string("tlskey", "string", "Path to TLS key file", v -> tlsKey = v);
        f.bool("tlsverify", "Use TLS and verify the remote", v -> tlsVerify = v);
        f.bool("v,version", "Print version information and quit", v -> version = v);
    }

    public boolean debug() {
        return debug;
    }

    public List<String> hosts() {
        return hosts;
    }

    public String context() {
        return context;
    }
}
