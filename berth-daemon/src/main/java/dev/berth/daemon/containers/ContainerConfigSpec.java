package dev.berth.daemon.containers;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

import dev.berth.daemon.volumes.ContainerMounts;
import dev.berth.oci.ContainerConfig;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The container's {@code Config} as the Engine API carries it in create and inspect; what the
 * client sent, with the image's defaults merged in at create.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ContainerConfigSpec(
        String hostname,
        String domainname,
        String user,
        boolean attachStdin,
        boolean attachStdout,
        boolean attachStderr,
        Map<String, Object> exposedPorts,
        boolean tty,
        boolean openStdin,
        boolean stdinOnce,
        List<String> env,
        @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) List<String> cmd,
        Map<String, Object> healthcheck,
        Boolean argsEscaped,
        String image,
        Map<String, Object> volumes,
        String workingDir,
        @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) List<String> entrypoint,
        Boolean networkDisabled,
        String macAddress,
        List<String> onBuild,
        Map<String, String> labels,
        String stopSignal,
        Integer stopTimeout,
        List<String> shell) {

    /** Docker's merge of the client's config over the image's: entrypoint, cmd, env, labels, and the rest. */
    static ContainerConfigSpec merge(ContainerConfigSpec u, ContainerConfig img) {
        List<String> entrypoint = u.entrypoint();
        List<String> cmd = u.cmd();
        if (entrypoint == null || entrypoint.isEmpty()) {
            if (cmd == null || cmd.isEmpty()) {
                cmd = img.cmd();
            }
            if (entrypoint == null) {
                entrypoint = img.entrypoint();
            }
        }
        if (entrypoint != null && entrypoint.size() == 1 && entrypoint.getFirst().isEmpty()) {
            entrypoint = null; // --entrypoint "" resets the image's entrypoint
        }
        List<String> env = new ArrayList<>();
        if (img.env() != null) {
            env.addAll(img.env());
        }
        if (u.env() != null) {
            for (String e : u.env()) {
                String key = e.contains("=") ? e.substring(0, e.indexOf('=')) : e;
                env.removeIf(x -> x.equals(key) || x.startsWith(key + "="));
                env.add(e);
            }
        }
        Map<String, String> labels = new LinkedHashMap<>();
        if (img.labels() != null) {
            labels.putAll(img.labels());
        }
        if (u.labels() != null) {
            labels.putAll(u.labels());
        }
        return new ContainerConfigSpec(u.hostname(), u.domainname() == null ? "" : u.domainname(),
                empty(u.user()) ? (img.user() == null ? "" : img.user()) : u.user(),
                u.attachStdin(), u.attachStdout(), u.attachStderr(),
                u.exposedPorts() != null ? u.exposedPorts() : img.exposedPorts(), u.tty(), u.openStdin(), u.stdinOnce(),
                env, cmd, HealthService.merge(u.healthcheck(), img.healthcheck()), u.argsEscaped(), u.image(),
                u.volumes() == null || u.volumes().isEmpty() ? img.volumes() : ContainerMounts.union(u.volumes(), img.volumes()),
                empty(u.workingDir()) ? (img.workingDir() == null ? "" : img.workingDir()) : u.workingDir(),
                entrypoint, u.networkDisabled(), u.macAddress(), u.onBuild() != null ? u.onBuild() : img.onBuild(),
                labels, empty(u.stopSignal()) ? img.stopSignal() : u.stopSignal(), u.stopTimeout(), u.shell());
    }

    ContainerConfigSpec withHostname(String hostname) {
        return new ContainerConfigSpec(hostname, domainname, user, attachStdin, attachStdout,
                attachStderr, exposedPorts, tty, openStdin, stdinOnce, env, cmd,
                healthcheck, argsEscaped, image, volumes, workingDir, entrypoint,
                networkDisabled, macAddress, onBuild, labels, stopSignal, stopTimeout, shell);
    }

    private static boolean empty(String s) {
        return s == null || s.isEmpty();
    }
}
