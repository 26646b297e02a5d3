package dev.berth.tests.system;

import dev.berth.tests.ApiResult;
import dev.berth.tests.BerthdFixture;
import dev.berth.tests.CommandResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/** /_ping, /version, /info and API versioning, through the real docker CLI and raw requests. */
class SystemApiTest {
    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture();

    @Test
    void pingCarriesTheHeadersClientsNegotiateWith() throws Exception {
        ApiResult r = berthd.api("GET", "/_ping", null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("OK");
        assertThat(r.headers()).containsEntry("api-version", "1.50").containsEntry("ostype", "linux");
        assertThat(r.headers().get("server")).startsWith("Berth/");
        assertThat(r.headers()).containsEntry("builder-version", "1").containsEntry("cache-control", "no-cache, no-store, must-revalidate");
        assertThat(berthd.api("HEAD", "/_ping", null).status()).isEqualTo(200);
    }

    @Test
    void dockerVersionShowsTheServer() {
        CommandResult r = berthd.docker("version", "--format", "{{.Server.APIVersion}} {{.Server.MinAPIVersion}} {{.Server.Os}}");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).isEqualTo("1.50 1.24 linux");
        assertThat(berthd.docker("version").out()).containsPattern("Go version: +java25").containsPattern("Experimental: +false");
    }

    @Test
    void dockerInfoReportsTrueHostValues() throws Exception {
        CommandResult r = berthd.docker("info", "--format", "{{.OSType}}|{{.Driver}}|{{.DockerRootDir}}|{{.NCPU}}|{{.CgroupDriver}}");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).isEqualTo("linux|overlay2|" + berthd.dataRoot() + "|" + Runtime.getRuntime().availableProcessors() + "|cgroupfs");
        String kernel = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/sys/kernel/osrelease")).trim();
        assertThat(berthd.docker("info", "--format", "{{.KernelVersion}}").out()).isEqualTo(kernel);
        String fs = java.nio.file.Files.getFileStore(berthd.dataRoot()).type();
        assertThat(berthd.docker("info", "--format", "{{index .DriverStatus 0}} {{.Swarm.LocalNodeState}}").out())
                .isEqualTo("[Backing Filesystem " + (fs.startsWith("ext") ? "extfs" : fs) + "] inactive");
        assertThat(berthd.docker("info").out()).contains("Swarm: inactive").containsPattern("runc version: \\S+");
    }

    @Test
    void everyRouteAnswersWithAndWithoutAVersionPrefix() throws Exception {
        assertThat(berthd.api("GET", "/v1.24/version", null).status()).isEqualTo(200);
        assertThat(berthd.api("GET", "/v1.50/info", null).status()).isEqualTo(200);
        assertThat(berthd.api("GET", "/info", null).status()).isEqualTo(200);
    }

    @Test
    void versionsOutsideTheRangeAreRefusedAsDockerDoes() throws Exception {
        ApiResult tooNew = berthd.api("GET", "/v1.99/version", null);
        assertThat(tooNew.status()).isEqualTo(400);
        assertThat(tooNew.body()).contains("client version 1.99 is too new. Maximum supported API version is 1.50");
        ApiResult tooOld = berthd.api("GET", "/v1.12/version", null);
        assertThat(tooOld.status()).isEqualTo(400);
        assertThat(tooOld.body()).contains("client version 1.12 is too old. Minimum supported API version is 1.24");
    }

    @Test
    void unknownRoutesAre404WithAJsonMessage() throws Exception {
        ApiResult r = berthd.api("GET", "/v1.50/no/such/route", null);
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.headers().get("content-type")).startsWith("application/json");
        assertThat(r.body()).isEqualTo("{\"message\":\"page not found\"}");
    }
}
