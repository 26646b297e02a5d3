package dev.berth.registry;

import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Auth inputs {@link RegistryAuthFuzzTest} found mishandled, pinned: htpasswd entries bcrypt cannot read, and
 * token times that are not whole seconds. No external tools: keys come from keytool, hashes from BouncyCastle.
 */
class AuthInputsTest {
    @TempDir
    Path tmp;

    private Path htpasswd(String content) throws Exception {
        Path p = tmp.resolve("users.htpasswd");
        Files.writeString(p, content);
        return p;
    }

    @Test
    void htpasswdEntriesBcryptCannotReadAreRefusedAtLoad() throws Exception {
        String good = OpenBSDBCrypt.generate("2y", "pw".toCharArray(), new byte[16], 4);
        HtpasswdFile users = new HtpasswdFile(htpasswd("alice:" + good + "\n"));
        assertThat(users.check("alice", "pw")).isTrue();
        assertThat(users.check("alice", "x".repeat(100))).isFalse();
        // These loaded, and each login of that user then threw IllegalArgumentException inside bcrypt: a 500.
        // And costs htpasswd -C does not write: each wrong password at cost 31 was 2^31 rounds of CPU.
        for (String bad : List.of(good.replace("$04$", "$99$"), good.replace("$04$", "$03$"),
                good.substring(0, 7) + "!".repeat(53), good.replace("$04$", "$18$"), good.replace("$04$", "$31$"))) {
            assertThatThrownBy(() -> new HtpasswdFile(htpasswd("alice:" + bad + "\n")))
                    .as(bad).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("line 1");
        }
    }

    @Test
    void htpasswdThatIsNotUtf8IsAClearErrorAndABadEditKeepsTheUsers() throws Exception {
        Path p = tmp.resolve("latin1.htpasswd");
        Files.write(p, new byte[] {'a', (byte) 0xe9, ':', 'x', '\n'});
        // Files.readAllLines threw MalformedInputException, "Input length = 1", naming no file
        assertThatThrownBy(() -> new HtpasswdFile(p)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(p.toString()).hasMessageContaining("not UTF-8");

        String good = OpenBSDBCrypt.generate("2y", "pw".toCharArray(), new byte[16], 4);
        HtpasswdFile users = new HtpasswdFile(htpasswd("alice:" + good + "\n"));
        Path file = tmp.resolve("users.htpasswd");
        Files.writeString(file, "alice:{SHA}not-bcrypt\n");
        Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.from(Instant.now().plusSeconds(5)));
        // The reload threw IllegalArgumentException out of every login: a 500 until the file was fixed.
        assertThat(users.check("alice", "pw")).isTrue();
        assertThat(users.check("alice", "wrong")).isFalse();
    }

    @Test
    void tokenTimesMustBeWholeSeconds() throws Exception {
        TestKeys keys = TestKeys.make(tmp, "token");
        var verifier = new TokenVerifier(List.of(keys.certificate()), "i", "s", Clock.systemUTC());
        long exp = Instant.now().plusSeconds(300).getEpochSecond();
        Map<String, Object> claims = new LinkedHashMap<>(Map.of("iss", "i", "aud", "s", "sub", "u", "exp", exp,
                "access", List.of()));
        assertThat(verifier.verify(Jwt.sign(keys.key(), claims)).subject()).isEqualTo("u");
        // A fractional exp was accepted (asLong truncates); distribution reads exp and nbf as int64.
        for (Object badExp : List.of(exp + 0.5, String.valueOf(exp),
                new java.math.BigInteger("99999999999999999999"))) {
            claims.put("exp", badExp);
            String token = Jwt.sign(keys.key(), claims);
            assertThatThrownBy(() -> verifier.verify(token)).as("exp %s", badExp)
                    .isInstanceOf(GeneralSecurityException.class);
        }
        claims.put("exp", exp);
        claims.put("nbf", "soon");
        String notANumber = Jwt.sign(keys.key(), claims);
        assertThatThrownBy(() -> verifier.verify(notANumber)).isInstanceOf(GeneralSecurityException.class);
    }
}
