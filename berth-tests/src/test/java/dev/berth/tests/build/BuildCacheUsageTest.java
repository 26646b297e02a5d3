package dev.berth.tests.build;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.berth.tests.build.ClassicBuildTest.builtId;
import static dev.berth.tests.build.ClassicBuildTest.dockerBuild;
import static dev.berth.tests.build.ClassicBuildTest.write;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The build cache in {@code docker system df} (and {@code -v}) and {@code docker builder prune}
 * through the real docker CLI: what a prune reports as reclaimed is what df showed as the build
 * cache's size, what a tagged image or a container still holds is neither counted nor removed.
 */
class BuildCacheUsageTest {
    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture();
    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void base() {
        berthd.importBusybox("busybox:latest");
    }

    private static CommandResult build(Path ctx, String tag) {
        CommandResult r = dockerBuild(berthd, ctx, "-t", tag);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        return r;
    }

    private JsonNode buildCache() throws IOException {
        var r = berthd.api("GET", "/system/df?type=build-cache", null);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return JSON.readTree(r.body()).get("BuildCache");
    }

    /** The SIZE column of the "Build Cache" row of {@code docker system df}. */
    private static String dfBuildCacheSize() {
        CommandResult df = berthd.dockerOk("system", "df");
        Matcher m = Pattern.compile("(?m)^Build Cache\\s+(\\d+)\\s+(\\d+)\\s+(\\S+)\\s+(\\S+)").matcher(df.stdout());
        assertThat(m.find()).as(df.stdout()).isTrue();
        return m.group(3);
    }

    private static String reclaimed(CommandResult prune) {
        Matcher m = Pattern.compile("Total reclaimed space: (\\S+)").matcher(prune.stdout());
        assertThat(m.find()).as(prune.toString()).isTrue();
        return m.group(1);
    }

    @Test
    void dfShowsWhatPruneReclaims(@TempDir Path ctx) throws IOException {
        byte[] data = new byte[1 << 20];
        new Random(1).nextBytes(data);
        Files.write(ctx.resolve("blob"), data);
        write(ctx, "Dockerfile", """
                FROM busybox
                COPY blob /blob
                RUN --mount=type=cache,target=/cache,id=dfcache head -c 100000 /blob > /cache/part && echo done > /done
                LABEL step=last
                """);
        String first = builtId(build(ctx, "usage:1"));
        // every layer of the first build belongs to the tagged image: nothing to reclaim but the cache mount
        JsonNode records = buildCache();
        assertThat(records.size()).as(records.toString()).isEqualTo(4); // COPY, RUN, LABEL and the cache mount
        long unshared = 0;
        for (JsonNode r : records) {
            assertThat(r.get("ID").asText()).isNotEmpty();
            assertThat(r.get("CreatedAt").asText()).isNotEmpty();
            if (!r.get("Shared").asBoolean()) {
                unshared += r.get("Size").asLong();
            }
            if (r.get("Type").asText().equals("exec.cachemount")) {
                assertThat(r.get("Size").asLong()).isEqualTo(100000);
                assertThat(r.get("Description").asText()).contains("dfcache");
            } else {
                assertThat(r.get("Type").asText()).isEqualTo("regular");
                assertThat(r.get("Size").asLong()).as(r.toString()).isZero();
            }
        }
        assertThat(unshared).isEqualTo(100000);
        assertThat(dfBuildCacheSize()).isEqualTo("100kB");

        // a second build with another blob: the first image is untagged, its COPY layer only the cache holds
        new Random(2).nextBytes(data);
        Files.write(ctx.resolve("blob"), data);
        build(ctx, "usage:1");
        String cachedRun = build(ctx, "usage:1").stdout();
        assertThat(cachedRun).contains("Using cache");
        records = buildCache();
        unshared = 0;
        boolean used = false;
        for (JsonNode r : records) {
            if (!r.get("Shared").asBoolean()) {
                unshared += r.get("Size").asLong();
            }
            used |= r.get("UsageCount").asInt() > 0 && !r.get("LastUsedAt").isNull();
        }
        assertThat(used).as("a cached build counts its uses").isTrue();
        assertThat(unshared).as(records.toString()).isGreaterThanOrEqualTo(100000 + (1 << 20)).isLessThan(100000 + 2 * (1 << 20));
        String shown = dfBuildCacheSize();
        CommandResult verbose = berthd.dockerOk("system", "df", "-v");
        assertThat(verbose.stdout()).contains("Build cache usage: " + shown).contains("exec.cachemount").contains("regular");
        assertThat(berthd.dockerOk("images", "-aq").out()).contains(first);

        // prune only the cache mount: exactly its bytes
        CommandResult mounts = berthd.dockerOk("builder", "prune", "-f", "--filter", "type=exec.cachemount");
        assertThat(reclaimed(mounts)).isEqualTo("100kB");

        // a container keeps the old image: its records stay, in use
        berthd.dockerOk("create", "--name", "keeper", first, "true");
        String withoutKeeper = dfBuildCacheSize();
        CommandResult prune = berthd.dockerOk("builder", "prune", "-f");
        assertThat(reclaimed(prune)).isEqualTo(withoutKeeper);
        assertThat(berthd.dockerOk("images", "-aq").out()).contains(first);
        records = buildCache();
        assertThat(records.size()).as(records.toString()).isPositive();
        for (JsonNode r : records) {
            assertThat(r.get("InUse").asBoolean()).as(r.toString()).isTrue();
        }

        berthd.dockerOk("rm", "keeper");
        String rest = dfBuildCacheSize();
        CommandResult all = berthd.dockerOk("builder", "prune", "-f");
        assertThat(reclaimed(all)).isEqualTo(rest);
        assertThat(buildCache().size()).isZero();
        assertThat(dfBuildCacheSize()).isEqualTo("0B");
        assertThat(berthd.dockerOk("images", "-aq").out()).doesNotContain(first);
        assertThat(berthd.dockerOk("images", "-q", "usage:1").out()).isNotBlank();
    }

    @Test
    void olderApiVersionsGetBuilderSize() throws IOException {
        var old = berthd.api("GET", "/v1.41/system/df", null);
        assertThat(JSON.readTree(old.body()).has("BuilderSize")).as(old.toString()).isTrue();
        var current = berthd.api("GET", "/v1.50/system/df", null);
        assertThat(JSON.readTree(current.body()).has("BuilderSize")).isFalse();
        var bad = berthd.api("POST", "/build/prune?filters=%7B%22nope%22%3A%5B%22x%22%5D%7D", null);
        assertThat(bad.status()).isEqualTo(400);
    }
}
