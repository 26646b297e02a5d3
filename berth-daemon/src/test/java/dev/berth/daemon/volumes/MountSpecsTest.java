package dev.berth.daemon.volumes;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.daemon.api.ApiException;
import dev.berth.daemon.api.Json;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MountSpecsTest {
    private final Json json = new Json();

    private JsonNode hc(String s) throws Exception {
        return json.mapper().readTree(s);
    }

    private List<MountSpecs.Planned> plan(String hostConfig, Set<String> volumes) throws Exception {
        return MountSpecs.plan(json.mapper(), hc(hostConfig), volumes, ref -> {
            throw ApiException.notFound("No such container: " + ref);
        });
    }

    @Test
    void dashVSyntaxAsDockerParsesIt() {
        MountPoint named = MountSpecs.parseBind("data:/srv/../data").point();
        assertThat(named.type()).isEqualTo("volume");
        assertThat(named.name()).isEqualTo("data");
        assertThat(named.destination()).isEqualTo("/data");
        assertThat(named.mode()).isEqualTo("z");
        assertThat(named.copyData()).isTrue();

        MountPoint ro = MountSpecs.parseBind("data:/d:ro,nocopy").point();
        assertThat(ro.rw()).isFalse();
        assertThat(ro.mode()).isEqualTo("ro,nocopy");
        assertThat(ro.copyData()).isFalse();

        MountPoint bind = MountSpecs.parseBind("/host/./x:/d:rshared").point();
        assertThat(bind.type()).isEqualTo("bind");
        assertThat(bind.source()).isEqualTo("/host/x");
        assertThat(bind.propagation()).isEqualTo("rshared");
        assertThat(bind.createSource()).isTrue();

        assertThat(MountSpecs.parseBind("/anon").point().anonymous()).isTrue();
    }

    @Test
    void badDashVSpecsAreRefusedWithDockersMessages() {
        assertThatThrownBy(() -> MountSpecs.parseBind("/d:rw")).hasMessage("invalid volume specification: '/d:rw'");
        assertThatThrownBy(() -> MountSpecs.parseBind(":/d")).hasMessage("invalid volume specification: ':/d'");
        assertThatThrownBy(() -> MountSpecs.parseBind("v:/d:ro,rw")).hasMessage("invalid mode: ro,rw");
        assertThatThrownBy(() -> MountSpecs.parseBind("v:relative")).hasMessageContaining("mount path must be absolute");
        assertThatThrownBy(() -> MountSpecs.parseBind("../x:/d")).hasMessageContaining("includes invalid characters");
        assertThatThrownBy(() -> MountSpecs.parseBind("v:/d:rprivate")).hasMessageContaining("only be set for bind mounts");
        assertThatThrownBy(() -> MountSpecs.parseBind("a:b:c:d:e")).hasMessage("invalid volume specification: 'a:b:c:d:e'");
    }

    @Test
    void precedenceDuplicatesAndImageVolumes(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        List<MountSpecs.Planned> p = plan("{\"Binds\":[\"vol:/data\"],\"Tmpfs\":{\"/run\":\"size=1m\"}}",
                new java.util.LinkedHashSet<>(List.of("/data", "/logs", "/run")));
        assertThat(p).extracting(x -> x.point().destination() + " " + x.point().type() + " " + x.point().name())
                .containsExactly("/data volume vol", "/run tmpfs ", "/logs volume ");
        assertThatThrownBy(() -> plan("{\"Binds\":[\"ab:/x\"],\"Tmpfs\":{\"/x\":\"\"}}", Set.of()))
                .hasMessage("Duplicate mount point: /x");
        assertThatThrownBy(() -> plan("{\"VolumesFrom\":[\"gone\"]}", Set.of()))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(400))
                .hasMessage("No such container: gone");
        Path missing = tmp.resolve("missing");
        assertThatThrownBy(() -> plan("{\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"" + missing + "\",\"Target\":\"/x\"}]}", Set.of()))
                .hasMessage("invalid mount config for type \"bind\": bind source path does not exist: " + missing);
        assertThat(Files.exists(missing)).isFalse();
        assertThatThrownBy(() -> plan("{\"Mounts\":[{\"Type\":\"volume\",\"Target\":\"/x\",\"ReadOnly\":true}]}", Set.of()))
                .hasMessage("invalid mount config for type \"volume\": must not set ReadOnly mode when using anonymous volumes");
        assertThatThrownBy(() -> plan("{\"Mounts\":[{\"Type\":\"nfs\",\"Target\":\"/x\"}]}", Set.of()))
                .hasMessage("invalid mount config for type \"nfs\": mount type unknown");
    }

    @Test
    void tmpfsOptionsFollowDocker() {
        assertThat(MountSpecs.tmpfsData(new MountSpecs.TmpfsOptions(3 << 20, 01777, null), true)).isEqualTo("ro,mode=1777,size=3m");
        assertThat(MountSpecs.tmpfsData(new MountSpecs.TmpfsOptions(1000, 0, List.of(List.of("exec"))), false)).isEqualTo("size=1000,exec");
        assertThat(MountSpecs.tmpfsMountOptions("")).containsExactly("noexec", "nosuid", "nodev");
        assertThat(MountSpecs.tmpfsMountOptions("exec,size=1m,size=2m,mode=700"))
                .containsExactly("nosuid", "nodev", "exec", "size=2m", "mode=700");
    }

    @Test
    void localDriverOptions() {
        LocalDriver.validateOptions(Map.of("type", "tmpfs", "device", "tmpfs", "o", "size=1m,uid=1000"));
        assertThatThrownBy(() -> LocalDriver.validateOptions(Map.of("foo", "bar"))).hasMessage("invalid option key: \"foo\"");
        assertThatThrownBy(() -> LocalDriver.validateOptions(Map.of("type", "none", "device", "rel", "o", "bind")))
                .hasMessageContaining("absolute path");
        assertThatThrownBy(() -> LocalDriver.validateOptions(Map.of("device", "/x"))).hasMessage("missing required option: \"type\"");
        LocalDriver.MountOptions mo = LocalDriver.parse("ro,nosuid,size=1m,uid=5");
        assertThat(mo.flags()).isEqualTo(dev.berth.sys.Libc.MS_RDONLY | dev.berth.sys.Libc.MS_NOSUID);
        assertThat(mo.data()).isEqualTo("size=1m,uid=5");
    }

    @Test
    void volumeNames() {
        VolumeNames.validate("ok_name.1-2");
        assertThat(VolumeNames.random()).matches("[0-9a-f]{64}");
        for (String bad : List.of("..", "../x", "a/b", "-x", "x", "a b", "")) {
            assertThatThrownBy(() -> VolumeNames.validate(bad)).as(bad).isInstanceOf(ApiException.class);
        }
    }
}
