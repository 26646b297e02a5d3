package dev.berth.daemon.containers;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

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
}
