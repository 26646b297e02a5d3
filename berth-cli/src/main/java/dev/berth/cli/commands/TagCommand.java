package dev.berth.cli.commands;

import dev.berth.cli.Cli;
import dev.berth.cli.client.Query;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** berth tag SOURCE TARGET: POST /images/{source}/tag with the target's normalized name and tag. */
@Command(name = "tag", customSynopsis = "SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]", description = "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE")
public final class TagCommand extends BaseCommand {
    @Parameters(index = "0", paramLabel = "SOURCE_IMAGE[:TAG]")
    String source;

    @Parameters(index = "1", paramLabel = "TARGET_IMAGE[:TAG]")
    String target;

    TagCommand(Cli cli) {
        super(cli);
    }

    @Override
    public Integer call() {
        String[] nt = References.nameAndTag(target);
        client().send("POST", Query.of().add("repo", References.normalizedName(nt[0])).add("tag", nt[1] == null ? "latest" : nt[1])
                .on("/images/" + seg(source) + "/tag"));
        return 0;
    }
}
