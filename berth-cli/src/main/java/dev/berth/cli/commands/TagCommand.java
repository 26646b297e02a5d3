package dev.berth.cli.commands;

import dev.berth.cli.Cli;
import dev.berth.cli.client.Query;

import java.util.List;

/** berth tag SOURCE TARGET: POST /images/{source}/tag with the target's normalized name and tag. */
public final class TagCommand extends BaseCommand {
    public TagCommand(Cli cli) {
        super(cli);
    }

    @Override
    public Spec spec() {
        return Spec.of("tag", "SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]", "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE", 2, 2);
    }

    @Override
    public int run(List<String> args) {
        String[] nt = References.nameAndTag(args.get(1));
        client().send("POST", Query.of().add("repo", References.normalizedName(nt[0])).add("tag", nt[1] == null ? "latest" : nt[1])
                .on("/images/" + seg(args.get(0)) + "/tag"));
        return 0;
    }
}
