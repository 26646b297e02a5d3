package dev.berth.oci;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/**
 * An image's configuration blob (OCI image config / Docker image JSON). The image ID is the
 * digest of the exact bytes it was stored as, so keep those bytes; this record is for reading.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ImageConfig(
        @JsonProperty("created") String created,
        @JsonProperty("author") String author,
        @JsonProperty("architecture") String architecture,
        @JsonProperty("os") String os,
        @JsonProperty("variant") String variant,
        @JsonProperty("config") ContainerConfig config,
        @JsonProperty("rootfs") RootFs rootfs,
        @JsonProperty("history") List<History> history,
        @JsonProperty("comment") String comment) {

    /** The layers' uncompressed digests, bottom first. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record RootFs(@JsonProperty("type") String type, @JsonProperty("diff_ids") List<String> diffIds) {}

    /** One step of how the image was made. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record History(
            @JsonProperty("created") String created,
            @JsonProperty("created_by") String createdBy,
            @JsonProperty("author") String author,
            @JsonProperty("comment") String comment,
            @JsonProperty("empty_layer") Boolean emptyLayer) {}
}
