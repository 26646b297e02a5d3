package dev.berth.daemon.distribution;

import dev.berth.daemon.images.ImageService.Platform;
import dev.berth.oci.ImageReference;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Reference normalisation, endpoints, auth headers, challenges, platform choice and progress text. */
class DistributionUnitTest {
    private final RegistryEndpoints endpoints = new RegistryEndpoints(
            new RegistryOptions(List.of("https://mirror.example"), List.of("10.1.0.0/16", "reg.example:5000"), 3, 5, Path.of("/nonexistent")));

    @Test
    void dockerHubReferencesNormaliseToTheRegistryEndpoint() {
        ImageReference r = ImageReference.parse("busybox");
        assertThat(r.toString()).isEqualTo("docker.io/library/busybox");
        assertThat(r.withDefaultTag().toString()).isEqualTo("docker.io/library/busybox:latest");
        assertThat(ImageReference.parse("index.docker.io/user/app:1").toString()).isEqualTo("docker.io/user/app:1");
        assertThat(RegistryEndpoints.apiHost(r.domain())).isEqualTo("registry-1.docker.io");
        assertThat(RegistryEndpoints.apiHost("127.0.0.1:5000")).isEqualTo("127.0.0.1:5000");
        var eps = endpoints.endpoints("docker.io", false);
        assertThat(eps).extracting(e -> e.base().toString())
                .containsExactly("https://mirror.example", "https://registry-1.docker.io");
        assertThat(endpoints.endpoints("docker.io", true)).extracting(e -> e.base().toString())
                .containsExactly("https://registry-1.docker.io");
        ImageReference d = ImageReference.parse("localhost:5000/a/b:t@sha256:" + "a".repeat(64));
        assertThat(d.domain()).isEqualTo("localhost:5000");
        assertThat(d.tag()).isEqualTo("t");
        assertThat(d.digest().hex()).isEqualTo("a".repeat(64));
    }

    @Test
    void loopbackAndConfiguredRegistriesAreInsecureOthersHttpsOnly() {
        assertThat(endpoints.isInsecure("127.0.0.1:5000")).isTrue();
        assertThat(endpoints.isInsecure("localhost:5000")).isTrue();
        assertThat(endpoints.isInsecure("[::1]:5000")).isTrue();
        assertThat(endpoints.isInsecure("10.1.2.3:5000")).isTrue();
        assertThat(endpoints.isInsecure("10.2.2.3:5000")).isFalse();
        assertThat(endpoints.isInsecure("reg.example:5000")).isTrue();
        assertThat(endpoints.endpoints("127.0.0.1:5000", false)).extracting(e -> e.base().getScheme())
                .containsExactly("https", "http");
        assertThat(endpoints.endpoints("10.9.9.9:443", false)).extracting(e -> e.base().getScheme()).containsExactly("https");
    }

    @Test
    void registryAuthHeaderDecodesUrlAndStdBase64AndTheAuthField() {
        String json = "{\"username\":\"u\",\"password\":\"p?>\",\"serveraddress\":\"r\"}";
        String url = Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
        String std = Base64.getEncoder().encodeToString(json.getBytes(StandardCharsets.UTF_8));
        assertThat(AuthConfig.fromHeader(url).password()).isEqualTo("p?>");
        assertThat(AuthConfig.fromHeader(std).username()).isEqualTo("u");
        assertThat(AuthConfig.fromHeader(null).anonymous()).isTrue();
        assertThat(AuthConfig.fromHeader("e30=").anonymous()).isTrue();
        String auth = Base64.getEncoder().encodeToString("bob:pw:x".getBytes());
        AuthConfig a = AuthConfig.fromHeader(Base64.getUrlEncoder().encodeToString(("{\"auth\":\"" + auth + "\"}").getBytes()));
        assertThat(a.username()).isEqualTo("bob");
        assertThat(a.password()).isEqualTo("pw:x");
        assertThatThrownBy(() -> AuthConfig.fromHeader("!!!")).isInstanceOf(IllegalArgumentException.class);
        assertThat(AuthConfig.fromHeader(a.toHeader()).username()).isEqualTo("bob");
        assertThat(a.toString()).doesNotContain("pw");
    }

    @Test
    void challengesParseQuotedParameters() {
        Challenge c = Challenge.parse("Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\",scope=\"repository:library/busybox:pull,push\"");
        assertThat(c.scheme()).isEqualTo("bearer");
        assertThat(c.param("realm")).isEqualTo("https://auth.docker.io/token");
        assertThat(c.param("service")).isEqualTo("registry.docker.io");
        assertThat(c.param("scope")).isEqualTo("repository:library/busybox:pull,push");
        assertThat(Challenge.parse("Basic realm=\"x\"").scheme()).isEqualTo("basic");
        assertThat(Challenge.parse("")).isNull();
    }

    @Test
    void theHostPlatformIsChosenFromAnIndex() throws Exception {
        String index = """
                {"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[
                 {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":1,"platform":{"os":"linux","architecture":"arm","variant":"v7"}},
                 {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":1,"platform":{"os":"linux","architecture":"arm64","variant":"v8"}},
                 {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":1,"platform":{"os":"linux","architecture":"amd64"}},
                 {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":1,"platform":{"os":"unknown","architecture":"unknown"}}]}
                """.formatted("1".repeat(64), "2".repeat(64), "3".repeat(64), "4".repeat(64));
        var idx = Manifests.index(index.getBytes(), Manifests.mediaType(index.getBytes(), null));
        assertThat(Manifests.select(idx, new Platform("linux", "amd64", null)).digest().hex()).isEqualTo("3".repeat(64));
        assertThat(Manifests.select(idx, new Platform("linux", "arm64", null)).digest().hex()).isEqualTo("2".repeat(64));
        assertThat(Manifests.select(idx, new Platform("linux", "arm", "v7")).digest().hex()).isEqualTo("1".repeat(64));
        assertThat(Manifests.select(idx, new Platform("linux", "arm", "v6"))).isNull();
        assertThat(Manifests.select(idx, new Platform("linux", "s390x", null))).isNull();
    }

    @Test
    void schemaOneAndUnknownLayersAreRefused() {
        assertThatThrownBy(() -> Manifests.image("{\"schemaVersion\":1}".getBytes(), "x"))
                .hasMessageContaining("schema 1");
        String bad = "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"digest\":\"sha256:" + "1".repeat(64)
                + "\",\"size\":1},\"layers\":[{\"mediaType\":\"text/plain\",\"digest\":\"sha256:" + "2".repeat(64) + "\",\"size\":1}]}";
        assertThatThrownBy(() -> Manifests.image(bad.getBytes(), "x")).hasMessageContaining("unsupported layer media type");
        assertThatThrownBy(() -> Manifests.image("[]".getBytes(), "x")).hasMessageContaining("invalid manifest");
    }

    @Test
    void progressTextIsDockers() {
        assertThat(Progress.humanSize(527)).isEqualTo("527B");
        assertThat(Progress.humanSize(1234567)).isEqualTo("1.235MB");
        assertThat(Progress.humanSize(2_150)).isEqualTo("2.15kB");
        assertThat(Progress.bar(50, 100)).isEqualTo("[=========================>                         ] " + "     50B/100B");
        assertThat(Progress.bar(0, 0)).isEmpty();
        assertThat(DistributionRoutes.registryDomain("https://index.docker.io/v1/")).isEqualTo("docker.io");
        assertThat(DistributionRoutes.registryDomain("http://127.0.0.1:5000")).isEqualTo("127.0.0.1:5000");
        assertThat(DistributionRoutes.registryDomain("reg.example:5000/v2/")).isEqualTo("reg.example:5000");
    }
}
