package dev.berth.cli.commands;

import dev.berth.cli.Cli;
import dev.berth.cli.FlagSet;
import dev.berth.cli.client.Query;
import dev.berth.cli.client.Response;
import dev.berth.sys.Terminal;

import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/** berth pull: downloads an image from a registry, drawing docker's progress bars. */
public final class PullCommand extends BaseCommand {
    private boolean all;
    private boolean quiet;
    private String platform;

    public PullCommand(Cli cli) {
        super(cli);
    }

    @Override
    public Spec spec() {
        return Spec.of("pull", "[OPTIONS] NAME[:TAG|@DIGEST]", "Download an image from a registry", 1, 1);
    }

    @Override
    public void define(FlagSet f) {
        f.bool("a,all-tags", "Download all tagged images in the repository", v -> all = v);
        f.bool("q,quiet", "Suppress verbose output", v -> quiet = v);
        f.string("platform", "string", "Set platform if server is multi-platform capable", v -> platform = v);
        f.bool("disable-content-trust", "Skip image verification (default true)", v -> { });
    }

    @Override
    public int run(List<String> args) throws IOException {
        String image = args.getFirst();
        String[] nt = References.nameAndTag(image);
        boolean digest = image.contains("@");
        if (all && (nt[1] != null || digest)) {
            throw new dev.berth.cli.ExitException(1, "tag can't be used with --all-tags/-a");
        }
        if (!all && nt[1] == null && !digest) {
            cli.out().println("Using default tag: latest");
        }
        PrintStream out = quiet ? new PrintStream(java.io.OutputStream.nullOutputStream()) : cli.out();
        pull(cli, all ? nt[0] : References.withDefaultTag(image), platform, out, !quiet && Terminal.isTerminal(1));
        cli.out().println(fullReference(all ? nt[0] : References.withDefaultTag(image)));
        return 0;
    }

    /** Pulls {@code image} through the daemon, printing its progress to {@code out}. */
    static void pull(Cli cli, String image, String platform, PrintStream out, boolean terminal) throws IOException {
        String[] nt = References.nameAndTag(image);
        String name = nt[0];
        String tag = nt[1];
        int at = image.indexOf('@');
        if (at >= 0) {
            tag = image.substring(at + 1);
        }
        Query q = Query.of().add("fromImage", References.normalizedName(name)).add("tag", tag == null ? "" : tag)
                .add("platform", platform);
        String auth = new Registries(cli).headerFor(image);
        try (Response r = cli.client().call("POST", q.on("/images/create"), null, Map.of("X-Registry-Auth", auth))) {
            JsonMessages.display(r.body(), out, terminal, aux -> { });
        }
    }

    /** docker.io/library/busybox:latest for busybox:latest. */
    static String fullReference(String image) {
        String[] nt = References.nameAndTag(image);
        int at = image.indexOf('@');
        String suffix = at >= 0 ? image.substring(at) : nt[1] == null ? "" : ":" + nt[1];
        String name = at >= 0 ? References.nameAndTag(image.substring(0, at))[0] : nt[0];
        if (at >= 0 && References.nameAndTag(image.substring(0, at))[1] != null) {
            suffix = ":" + References.nameAndTag(image.substring(0, at))[1] + suffix;
        }
        return References.normalizedName(name) + suffix;
    }
}
