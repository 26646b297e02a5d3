package dev.berth.cli.commands;

import dev.berth.cli.Cli;
import dev.berth.cli.FlagSet;
import dev.berth.cli.client.Query;

import java.util.ArrayList;
import java.util.List;

/** berth commit: a new image from a container's changes. */
public final class CommitCommand extends BaseCommand {
    private String author;
    private String message;
    private boolean pause = true;
    private final List<String> changes = new ArrayList<>();

    public CommitCommand(Cli cli) {
        super(cli);
    }

    @Override
    public Spec spec() {
        return Spec.of("commit", "[OPTIONS] CONTAINER [REPOSITORY[:TAG]]", "Create a new image from a container's changes", 1, 2);
    }

    @Override
    public void define(FlagSet f) {
        f.string("a,author", "string", "Author (e.g., \"John Hannibal Smith <hannibal@a-team.com>\")", v -> author = v);
        f.list("c,change", "list", "Apply Dockerfile instruction to the created image", changes);
        f.string("m,message", "string", "Commit message", v -> message = v);
        f.bool("p,pause", "Pause container during commit (default true)", v -> pause = v);
    }

    @Override
    public int run(List<String> args) {
        Query q = Query.of().add("container", args.getFirst());
        if (args.size() == 2) {
            String ref = args.get(1);
            int slash = ref.lastIndexOf('/');
            int colon = ref.lastIndexOf(':');
            boolean hasTag = colon > slash && !ref.contains("@");
            q.add("repo", hasTag ? ref.substring(0, colon) : ref);
            if (hasTag) {
                q.add("tag", ref.substring(colon + 1));
            }
        }
        q.add("comment", message).add("author", author).bool("pause", pause);
        for (String c : changes) {
            q.add("changes", c);
        }
        cli.out().println(client().postJson(q.on("/commit"), null).path("Id").asText());
        cli.out().flush();
        return 0;
    }
}
