package dev.berth.daemon.runtime;

import dev.berth.daemon.api.ApiException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class UserResolverTest {
    @TempDir
    Path root;

    private void db() throws Exception {
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/passwd"), "root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n");
        Files.writeString(root.resolve("etc/group"), "root:x:0:\napp:x:1000:\nwheel:x:10:app,other\n");
    }

    @Test
    void namesAndNumbers() throws Exception {
        db();
        assertThat(UserResolver.resolve(root, "app")).isEqualTo(new UserResolver.User(1000, 1000, List.of(1000, 10)));
        assertThat(UserResolver.resolve(root, "app:wheel")).isEqualTo(new UserResolver.User(1000, 10, List.of(10)));
        assertThat(UserResolver.resolve(root, "1000")).isEqualTo(new UserResolver.User(1000, 1000, List.of(1000, 10)));
        assertThat(UserResolver.resolve(root, "4242:77")).isEqualTo(new UserResolver.User(4242, 77, List.of(77)));
        assertThat(UserResolver.resolve(root, "")).isEqualTo(new UserResolver.User(0, 0, List.of(0)));
        assertThatThrownBy(() -> UserResolver.resolve(root, "ghost")).isInstanceOf(ApiException.class)
                .hasMessageContaining("unable to find user ghost");
    }

    @Test
    void symlinkedPasswdIsIgnored() throws Exception {
        Files.createDirectories(root.resolve("etc"));
        Files.createSymbolicLink(root.resolve("etc/passwd"), Path.of("/etc/passwd"));
        assertThatThrownBy(() -> UserResolver.resolve(root, "root")).isInstanceOf(ApiException.class);
    }
}
