package dev.berth.oci;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;
import java.util.Map;

/** The run defaults an image carries (its config's {@code config} member). */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ContainerConfig(
        @JsonProperty("User") String user,
        @JsonProperty("ExposedPorts") Map<String, Object> exposedPorts,
        @JsonProperty("Env") List<String> env,
        @JsonProperty("Entrypoint") List<String> entrypoint,
        @JsonProperty("Cmd") List<String> cmd,
        @JsonProperty("Volumes") Map<String, Object> volumes,
        @JsonProperty("WorkingDir") String workingDir,
        @JsonProperty("Labels") Map<String, String> labels,
        @JsonProperty("StopSignal") String stopSignal,
        @JsonProperty("ArgsEscaped") Boolean argsEscaped,
        @JsonProperty("Healthcheck") Map<String, Object> healthcheck,
        @JsonProperty("OnBuild") List<String> onBuild,
        @JsonProperty("Shell") List<String> shell) {

    public static final ContainerConfig EMPTY = new ContainerConfig(null, null, null, null, null, null, null, null, null, null, null, null, null);
}
