package dev.berth.daemon.build;

import dev.berth.oci.ContainerConfig;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A mutable copy of an image's run config ({@link ContainerConfig}) that build steps change. */
final class ImageConfigBuilder {
    String user;
    Map<String, Object> exposedPorts;
    List<String> env;
    List<String> entrypoint;
    List<String> cmd;
    Map<String, Object> volumes;
    String workingDir;
    Map<String, String> labels;
    String stopSignal;
    Boolean argsEscaped;
    Map<String, Object> healthcheck;
    List<String> onBuild;
    List<String> shell;

    ImageConfigBuilder(ContainerConfig c) {
        ContainerConfig s = c == null ? ContainerConfig.EMPTY : c;
        user = s.user();
        exposedPorts = s.exposedPorts() == null ? null : new TreeMap<>(s.exposedPorts());
        env = s.env() == null ? null : new ArrayList<>(s.env());
        entrypoint = s.entrypoint();
        cmd = s.cmd();
        volumes = s.volumes() == null ? null : new TreeMap<>(s.volumes());
        workingDir = s.workingDir();
        labels = s.labels() == null ? null : new LinkedHashMap<>(s.labels());
        stopSignal = s.stopSignal();
        argsEscaped = s.argsEscaped();
        healthcheck = s.healthcheck();
        onBuild = s.onBuild() == null ? null : new ArrayList<>(s.onBuild());
        shell = s.shell();
    }

    /** The shell for shell-form commands: SHELL's, else {@code /bin/sh -c}. */
    List<String> shellOrDefault() {
        return shell == null || shell.isEmpty() ? List.of("/bin/sh", "-c") : shell;
    }

    ContainerConfig build() {
        return new ContainerConfig(user, exposedPorts, env, entrypoint, cmd, volumes, workingDir, labels, stopSignal, argsEscaped,
                healthcheck, onBuild, shell);
    }
}
