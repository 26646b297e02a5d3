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

/** berth push: uploads an image to its registry with docker's progress output. */
public final class PushCommand extends BaseCommand {
    private boolean all;
    private boolean quiet;
    private String platform;

    public PushCommand(Cli cli) {
        super(cli);
    }

    @Override
    public Spec spec() {
        return Spec.of("push", "[OPTIONS] NAME[:TAG]", "Upload an image to a registry", 1, 1);
    }

    @Override
    public void define(FlagSet f) {
        f.bool("a,all-tags", "Push all tags of an image to the repository", v -> all = v);
        f.bool("q,quiet", "Suppress verbose output", v -> quiet = v);
        f.string("platform", "string", "Push a platform-specific manifest as a single-platform image", v -> platform = v);
        f.bool("disable-content-trust", "Skip image signing (default true)", v -> { });
    }

    @Override
    public int run(List<String> args) throws IOException {
        String image = args.getFirst();
        String[] nt = References.nameAndTag(image);
        if (image.contains("@")) {
            throw new dev.berth.cli.ExitException(1, "invalid reference format: digests are not allowed in push");
        }
        if (all && nt[1] != null) {
            throw new dev.berth.cli.ExitException(1, "tag can't be used with --all-tags/-a");
        }
        String tag = nt[1];
        if (!all && tag == null) {
            tag = "latest";
            cli.out().println("Using default tag: latest");
        }
        PrintStream out = quiet ? new PrintStream(java.io.OutputStream.nullOutputStream()) : cli.out();
        Query q = Query.of().add("tag", tag == null ? "" : tag).add("platform", platform);
        String auth = new Registries(cli).headerFor(image);
        try (Response r = client().call("POST", q.on("/images/" + seg(nt[0]) + "/push"), null, Map.of("X-Registry-Auth", auth))) {
            JsonMessages.display(r.body(), out, !quiet && Terminal.isTerminal(1), aux -> { });
        }
        if (quiet) {
            cli.out().println(PullCommand.fullReference(tag == null ? nt[0] : nt[0] + ":" + tag));
        }
        return 0;
    }
}
