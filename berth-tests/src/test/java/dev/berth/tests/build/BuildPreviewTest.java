package dev.berth.tests.build;

import dev.berth.tests.BerthdFixture;
import dev.berth.tests.CommandResult;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.regex.Pattern;

import static dev.berth.tests.build.ClassicBuildTest.builtId;
import static dev.berth.tests.build.ClassicBuildTest.dockerBuild;
import static dev.berth.tests.build.ClassicBuildTest.write;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A context sent again unchanged is built from the cache while it is still arriving (berthd's build
 * preview), and the answer is exactly the cached build's; a context that differs only after the preview
 * started, or whose steps left the cache, is built from its own bytes as usual. Through the docker CLI.
 */
class BuildPreviewTest {
    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture();

    private static final Pattern PREVIEWED = Pattern.compile("build steps done in ms \\d+ \\(previewed\\)");

    @BeforeAll
    static void base() {
        berthd.importBusybox("busybox:latest");
    }

    /** Two files of 2 MiB: the body spans several of the spool's 1 MiB pieces, and {@code b} is its second half. */
    private static void context(Path ctx, int seed) throws IOException {
        write(ctx, "Dockerfile", """
                FROM busybox
                COPY a /a
                COPY b /b
                RUN cat /a /b | md5sum > /ab.md5
                LABEL kind=preview
                CMD ["cat", "/ab.md5"]
                """);
        Random rnd = new Random(seed);
        for (String f : new String[] {"a", "b"}) {
            byte[] data = new byte[2 << 20];
            rnd.nextBytes(data);
            Files.write(ctx.resolve(f), data);
        }
    }

    private static long previewed() {
        return PREVIEWED.matcher(berthd.log()).results().count();
    }

    private static CommandResult build(Path ctx, String... args) {
        CommandResult r = dockerBuild(berthd, ctx, args);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        return r;
    }

    private static String md5(Path... files) throws Exception {
        java.security.MessageDigest md = java.security.MessageDigest.getInstance("MD5");
        for (Path f : files) {
            md.update(Files.readAllBytes(f));
        }
        return java.util.HexFormat.of().formatHex(md.digest());
    }

    @Test
    void aRepeatedContextGetsTheCachedBuildsAnswerTagsIncluded(@TempDir Path ctx) throws Exception {
        context(ctx, 1);
        CommandResult first = build(ctx, "-t", "preview:one");
        String id = builtId(first);
        // the second body is the first one's, byte for byte: the memo retained it
        long before = previewed();
        CommandResult again = build(ctx, "-t", "preview:two");
        assertThat(previewed()).as("the repeat was answered by the preview").isEqualTo(before + 1);
        assertThat(builtId(again)).isEqualTo(id);
        assertThat(again.stdout()).containsSubsequence("Step 1/6 : FROM busybox", "Step 2/6 : COPY a /a", " ---> Using cache",
                "Step 3/6 : COPY b /b", " ---> Using cache", "Step 4/6 : RUN cat /a /b | md5sum > /ab.md5", " ---> Using cache",
                "Step 5/6 : LABEL kind=preview", " ---> Using cache", "Step 6/6 : CMD [\"cat\", \"/ab.md5\"]", " ---> Using cache",
                "Successfully built " + id, "Successfully tagged preview:two");
        assertThat(again.stdout()).doesNotContain("Running in");
        assertThat(berthd.dockerOk("image", "inspect", "--format", "{{.Id}}", "preview:two").out())
                .as("the new tag is given though no step ran").startsWith("sha256:" + id);
        assertThat(berthd.dockerOk("run", "--rm", "preview:two").out()).startsWith(md5(ctx.resolve("a"), ctx.resolve("b")));

        // a quiet repeat prints the ID alone, as a quiet cached build does
        CommandResult quiet = build(ctx, "-q", "-t", "preview:three");
        assertThat(previewed()).isEqualTo(before + 2);
        assertThat(quiet.stdout().strip()).startsWith("sha256:" + id).doesNotContain("Step");
    }

    @Test
    void aContextThatDiffersOnlyAfterThePreviewStartedIsBuiltFromItsOwnBytes(@TempDir Path ctx) throws Exception {
        context(ctx, 2);
        String id = builtId(build(ctx, "-t", "preview:orig"));
        build(ctx); // retained again, so the next body is compared with this one
        // the last byte of b, the tar's last file: the first half matches, so the preview starts with b's old checksum
        byte[] b = Files.readAllBytes(ctx.resolve("b"));
        b[b.length - 1] ^= 1;
        Files.write(ctx.resolve("b"), b);
        long before = previewed();
        CommandResult changed = build(ctx, "-t", "preview:changed");
        assertThat(previewed()).as("a body that differs is not answered by the preview").isEqualTo(before);
        assertThat(changed.stdout()).containsSubsequence("Step 2/6 : COPY a /a", " ---> Using cache", "Step 3/6 : COPY b /b",
                "Step 4/6 : RUN", "Running in");
        assertThat(builtId(changed)).isNotEqualTo(id);
        assertThat(berthd.dockerOk("run", "--rm", "preview:changed").out()).startsWith(md5(ctx.resolve("a"), ctx.resolve("b")));

        // and the original again: no longer the retained body, it is parsed, and its steps are all in the cache
        b[b.length - 1] ^= 1;
        Files.write(ctx.resolve("b"), b);
        CommandResult back = build(ctx);
        assertThat(builtId(back)).isEqualTo(id);
        assertThat(back.stdout()).doesNotContain("Running in");
    }

    @Test
    void aRepeatWhoseStepsLeftTheCacheRunsThemOnce(@TempDir Path ctx) throws Exception {
        context(ctx, 3);
        build(ctx, "-t", "preview:pruned");
        berthd.dockerOk("builder", "prune", "-a", "-f");
        long before = previewed();
        CommandResult r = build(ctx, "-t", "preview:pruned");
        assertThat(previewed()).isEqualTo(before);
        assertThat(r.stdout()).doesNotContain("Using cache");
        assertThat(Pattern.compile("Running in ").matcher(r.stdout()).results().count()).as(r.toString()).isEqualTo(1);
        assertThat(berthd.dockerOk("ps", "-aq").out()).as("the RUN's container is removed, and the preview made none").isEmpty();
        assertThat(berthd.dockerOk("run", "--rm", "preview:pruned").out()).startsWith(md5(ctx.resolve("a"), ctx.resolve("b")));
    }
}
