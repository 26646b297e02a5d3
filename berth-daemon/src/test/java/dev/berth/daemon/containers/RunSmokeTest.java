package dev.berth.daemon.containers;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** docker run end to end against an in-process berthd with a plain busybox rootfs as its only image. */
class RunSmokeTest {
    static LocalDaemon d;

    @BeforeAll
    static void up() throws Exception {
        d = new LocalDaemon();
    }

    @AfterAll
    static void down() throws Exception {
        if (d != null) {
            d.close();
        }
    }

    @Test
    void runEchoPrintsAndExitsZero() throws Exception {
        LocalDaemon.Result r = d.docker("run", "--rm", "busybox", "echo", "hello");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).isEqualTo("hello\n");
    }

    @Test
    void exitCodesPropagate() throws Exception {
        assertThat(d.docker("run", "--rm", "busybox", "sh", "-c", "exit 3").code()).isEqualTo(3);
        LocalDaemon.Result missing = d.docker("run", "--rm", "busybox", "nosuch");
        assertThat(missing.code()).as(missing.toString()).isEqualTo(127);
        assertThat(missing.err()).contains("executable file not found");
    }

    @Test
    void stdinIsPassedThrough() throws Exception {
        // the end of input reaches the container, and its output goes on after it
        LocalDaemon.Result r = d.dockerIn("abc\n".getBytes(), "run", "--rm", "-i", "busybox", "sh", "-c", "cat; echo end");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).isEqualTo("abc\nend\n");
    }

    @Test
    void manyLayersAreMountedThroughShortLinks() throws Exception {
        LocalDaemon.Result r = d.docker("run", "--rm", "many", "cat", "/layers/0", "/layers/59");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).isEqualTo("layer0\nlayer59\n");
    }

    @Test
    void stderrIsSeparate() throws Exception {
        LocalDaemon.Result r = d.docker("run", "--rm", "busybox", "sh", "-c", "echo out; echo err >&2");
        assertThat(r.out()).isEqualTo("out\n");
        assertThat(r.err()).isEqualTo("err\n");
    }
}
