package dev.berth.daemon.security;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.daemon.api.ApiException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfinementTest {
    private static final ObjectMapper M = new ObjectMapper();

    private static JsonNode hc(String json) throws Exception {
        return M.readTree(json);
    }

    private static void assert400(String hostConfig) {
        assertThatThrownBy(() -> Confinement.of(hc(hostConfig))).as(hostConfig).isInstanceOf(ApiException.class)
                .satisfies(e -> assertThat(((ApiException) e).status()).isEqualTo(400));
    }

    @Test
    void nothingAskedIsDockersDefault() throws Exception {
        Confinement c = Confinement.of(hc("{}"));
        assertThat(c.opts().seccomp()).isSameAs(SeccompProfile.builtin());
        assertThat(c.opts().noNewPrivileges()).isFalse();
        assertThat(c.maskedPaths()).contains("/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug",
                "/sys/firmware", "/sys/devices/virtual/powercap", "/proc/acpi", "/proc/scsi");
        assertThat(c.readonlyPaths()).containsExactlyInAnyOrder("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                "/proc/sysrq-trigger");
        assertThat(c.devices()).isEmpty();
    }

    @Test
    void securityOptions() throws Exception {
        Confinement c = Confinement.of(hc("""
                {"SecurityOpt":["seccomp=unconfined","no-new-privileges","apparmor=my-profile","label=type:svirt_t",
                 "label=level:s0:c1,c2"]}"""));
        assertThat(c.opts().seccomp()).isNull();
        assertThat(c.opts().noNewPrivileges()).isTrue();
        assertThat(c.opts().apparmorProfile()).isEqualTo("my-profile");
        assertThat(c.opts().selinuxProcessLabel()).isEqualTo("system_u:system_r:svirt_t:s0:c1,c2");
        assertThat(Confinement.of(hc("{\"SecurityOpt\":[\"no-new-privileges:false\"]}")).opts().noNewPrivileges()).isFalse();
        assertThat(Confinement.of(hc("{\"SecurityOpt\":[\"no-new-privileges=true\"]}")).opts().noNewPrivileges()).isTrue();
        assertThat(Confinement.of(hc("{\"SecurityOpt\":[\"label=disable\"]}")).opts().selinuxProcessLabel()).isNull();
        Confinement custom = Confinement.of(M.createObjectNode().set("SecurityOpt", M.createArrayNode()
                .add("seccomp={\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[]}")));
        assertThat(custom.opts().seccomp().toOci(List.of())).containsEntry("defaultAction", "SCMP_ACT_ALLOW");
        assertThat(Confinement.of(hc("{\"SecurityOpt\":[\"systempaths=unconfined\"]}")).maskedPaths()).isEmpty();
    }

    @Test
    void privilegedAndExplicitPaths() throws Exception {
        Confinement p = Confinement.of(hc("{\"Privileged\":true}"));
        assertThat(p.maskedPaths()).isEmpty();
        assertThat(p.readonlyPaths()).isEmpty();
        Confinement own = Confinement.of(hc("{\"MaskedPaths\":[\"/proc/version\"],\"ReadonlyPaths\":[]}"));
        assertThat(own.maskedPaths()).containsExactly("/proc/version");
        assertThat(own.readonlyPaths()).isEmpty();
    }

    @Test
    void devicesAndRules() throws Exception {
        Confinement c = Confinement.of(hc("""
                {"Devices":[{"PathOnHost":"/dev/null","PathInContainer":"/dev/mynull","CgroupPermissions":"rw"},
                            {"PathOnHost":"/dev/zero","PathInContainer":"","CgroupPermissions":""}],
                 "DeviceCgroupRules":["c 42:* rmw","b *:* m"]}"""));
        assertThat(c.devices()).hasSize(2);
        Devices.Mapping n = c.devices().getFirst();
        assertThat(n.node()).isEqualTo(new Devices.Node("/dev/mynull", "c", 1, 3, n.node().fileMode(), 0, 0));
        assertThat(n.rule()).isEqualTo(new Devices.Rule(true, "c", 1, 3, "rw"));
        assertThat(c.devices().get(1).node().path()).isEqualTo("/dev/zero");
        assertThat(c.devices().get(1).rule().access()).isEqualTo("rwm");
        assertThat(c.deviceRules()).containsExactly(new Devices.Rule(true, "c", 42, -1, "rmw"),
                new Devices.Rule(true, "b", -1, -1, "m"));
    }

    @Test
    void badInputIs400() {
        assert400("{\"SecurityOpt\":[\"bogus=1\"]}");
        assert400("{\"SecurityOpt\":[\"nonsense\"]}");
        assert400("{\"SecurityOpt\":[\"no-new-privileges=maybe\"]}");
        assert400("{\"SecurityOpt\":[\"label=colour:red\"]}");
        assert400("{\"SecurityOpt\":[\"systempaths=open\"]}");
        assert400("{\"SecurityOpt\":[\"seccomp={not json\"]}");
        assert400("{\"Devices\":[{\"PathOnHost\":\"/dev/does-not-exist-berth\"}]}");
        assert400("{\"Devices\":[{\"PathOnHost\":\"/etc/hostname\"}]}"); // a file, not a device
        assert400("{\"Devices\":[{\"PathOnHost\":\"dev/null\"}]}");
        assert400("{\"Devices\":[{\"PathOnHost\":\"/dev/null\",\"CgroupPermissions\":\"rwx\"}]}");
        assert400("{\"DeviceCgroupRules\":[\"c 1:3\"]}");
        assert400("{\"DeviceCgroupRules\":[\"x 1:3 rwm\"]}");
        assert400("{\"DeviceCgroupRules\":[\"c 99999999999999999999:3 rwm\"]}");
    }
}
