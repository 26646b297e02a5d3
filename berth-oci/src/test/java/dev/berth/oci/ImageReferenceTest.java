package dev.berth.oci;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ImageReferenceTest {
    private static final String HEX = "a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4";

    @ParameterizedTest
    @CsvSource({
            "busybox, docker.io/library/busybox, busybox",
            "busybox:latest, docker.io/library/busybox:latest, busybox:latest",
            "busybox:1.36, docker.io/library/busybox:1.36, busybox:1.36",
            "user/app, docker.io/user/app, user/app",
            "docker.io/user/app:v1, docker.io/user/app:v1, user/app:v1",
            "index.docker.io/library/busybox, docker.io/library/busybox, busybox",
            "library/busybox, docker.io/library/busybox, busybox",
            "docker.io/library/a/b, docker.io/library/a/b, library/a/b",
            "localhost:5000/a/b:tag, localhost:5000/a/b:tag, localhost:5000/a/b:tag",
            "localhost/app, localhost/app, localhost/app",
            "quay.io/org/app:1.0, quay.io/org/app:1.0, quay.io/org/app:1.0",
            "[::1]:5000/app, [::1]:5000/app, [::1]:5000/app",
            "my-app__x/sub.y-1, docker.io/my-app__x/sub.y-1, my-app__x/sub.y-1",
    })
    void normalisesLikeDocker(String in, String full, String familiar) {
        ImageReference r = ImageReference.parse(in);
        assertThat(r.toString()).isEqualTo(full);
        assertThat(r.familiar()).isEqualTo(familiar);
    }

    @Test
    void digestReferences() {
        ImageReference r = ImageReference.parse("busybox@sha256:" + HEX);
        assertThat(r.digest()).isEqualTo(new Digest("sha256", HEX));
        assertThat(r.tag()).isNull();
        assertThat(r.toString()).isEqualTo("docker.io/library/busybox@sha256:" + HEX);
        assertThat(r.familiar()).isEqualTo("busybox@sha256:" + HEX);
        assertThat(r.withDefaultTag()).isEqualTo(r);
        ImageReference both = ImageReference.parse("reg:5000/x:1@sha256:" + HEX);
        assertThat(both.tag()).isEqualTo("1");
        assertThat(both.domain()).isEqualTo("reg:5000");
    }

    @Test
    void defaultTagAndNames() {
        ImageReference r = ImageReference.parse("busybox");
        assertThat(r.tag()).isNull();
        assertThat(r.withDefaultTag().familiar()).isEqualTo("busybox:latest");
        assertThat(r.name()).isEqualTo("docker.io/library/busybox");
        assertThat(r.familiarName()).isEqualTo("busybox");
        assertThat(r.withTag("v2").toString()).isEqualTo("docker.io/library/busybox:v2");
        assertThatThrownBy(() -> r.withTag("-bad")).hasMessage("invalid tag format");
    }

    @Test
    void uppercaseRepositoryIsRefusedWithDockersMessage() {
        assertThatThrownBy(() -> ImageReference.parse("Busybox"))
                .isInstanceOf(ImageReference.InvalidReferenceException.class)
                .hasMessage("invalid reference format: repository name (library/Busybox) must be lowercase");
        assertThatThrownBy(() -> ImageReference.parse("user/App:v1"))
                .hasMessage("invalid reference format: repository name (user/App) must be lowercase");
        // Docker takes an uppercase first component for a registry host.
        assertThat(ImageReference.parse("User/app").domain()).isEqualTo("User");
        // Uppercase registry hosts are fine.
        assertThat(ImageReference.parse("Registry.Example.com/app").domain()).isEqualTo("Registry.Example.com");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "busy box", "busybox:", "busybox::1", ":tag", "a//b", "-abc", "abc-", "a/b/", "busybox@sha256:abc",
            "busybox:-x", "busybox:" + "t234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890"})
    void malformedReferencesAreInvalidFormat(String in) {
        assertThatThrownBy(() -> ImageReference.parse(in))
                .isInstanceOf(ImageReference.InvalidReferenceException.class)
                .hasMessage("invalid reference format");
    }

    @Test
    void hexNamesAndLongNamesAreRefused() {
        assertThatThrownBy(() -> ImageReference.parse(HEX))
                .hasMessage("invalid repository name (" + HEX + "), cannot specify 64-byte hexadecimal strings");
        assertThatThrownBy(() -> ImageReference.parse("a/" + "b".repeat(260)))
                .hasMessage("repository name must not be more than 255 characters");
    }

    @Test
    void idsAreRecognised() {
        assertThat(ImageReference.looksLikeId(HEX)).isTrue();
        assertThat(ImageReference.looksLikeId("sha256:" + HEX.substring(0, 12))).isTrue();
        assertThat(ImageReference.looksLikeId("abc")).isTrue();
        assertThat(ImageReference.looksLikeId("busybox")).isFalse();
        assertThat(ImageReference.looksLikeId("sha256:")).isFalse();
    }

    @Test
    void familiarMatchUsesShellPatternsOnNameAndTag() {
        ImageReference r = ImageReference.parse("busybox:1.36");
        assertThat(r.familiarMatch("busybox")).isTrue();
        assertThat(r.familiarMatch("busybox:1.36")).isTrue();
        assertThat(r.familiarMatch("busy*")).isTrue();
        assertThat(r.familiarMatch("busybox:1.*")).isTrue();
        assertThat(r.familiarMatch("busybox:2*")).isFalse();
        assertThat(r.familiarMatch("*box:1.3?")).isTrue();
        assertThat(r.familiarMatch("[ab]usybox")).isTrue();
        assertThat(r.familiarMatch("alpine")).isFalse();
        ImageReference u = ImageReference.parse("user/app:v1");
        assertThat(u.familiarMatch("*")).isFalse();
        assertThat(u.familiarMatch("*/*")).isTrue();
        assertThat(u.familiarMatch("user/*")).isTrue();
    }

    @Test
    void familiarMatchTreatsPatternTextAsGoDoesNotAsRegex() {
        // Found by ImageInputsFuzzTest: these used to reach Pattern.compile as regex syntax.
        ImageReference r = ImageReference.parse("busybox:1.36");
        assertThat(r.familiarMatch("[\\b]usybox")).isTrue();
        assertThat(r.familiarMatch("[a-c]usy(box)")).isFalse();
        assertThat(r.familiarMatch("busybox:1.3[0-9]")).isTrue();
        assertThatThrownBy(() -> r.familiarMatch("[]")).isInstanceOf(ImageReference.InvalidReferenceException.class)
                .hasMessage("syntax error in pattern: []");
        assertThat(r.familiarMatch("[z-a]usybox")).isFalse(); // a reversed range is valid in Go and matches nothing
        assertThatThrownBy(() -> r.familiarMatch("busy\\")).isInstanceOf(ImageReference.InvalidReferenceException.class);
    }

    @Test
    void manyStarsDoNotBacktrackExponentially() {
        // ImageInputsFuzzTest hung the CI here while this was a java.util.regex pattern
        ImageReference r = ImageReference.parse("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:latest");
        assertThat(r.familiarMatch("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b")).isFalse();
    }
}
