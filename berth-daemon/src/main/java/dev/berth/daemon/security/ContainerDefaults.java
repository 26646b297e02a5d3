package dev.berth.daemon.security;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * What every container gets unless its own {@code SecurityOpt} says otherwise, as dockerd's
 * {@code --seccomp-profile} and {@code --no-new-privileges}.
 *
 * @param seccomp     the profile, or null for {@code unconfined}
 * @param seccompName how {@code /info} names it: {@code builtin}, {@code unconfined} or the profile's path
 */
public record ContainerDefaults(SeccompProfile seccomp, String seccompName, boolean noNewPrivileges) {

    /** Berth's built-in profile, privileges may be gained through setuid binaries (Docker's defaults). */
    public static final ContainerDefaults DEFAULT = new ContainerDefaults(SeccompProfile.builtin(), "builtin", false);

    /** From flags (null: not given) and the config file ({@code seccomp-profile}, {@code no-new-privileges}). */
    public static ContainerDefaults resolve(JsonNode file, String seccompFlag, Boolean nnpFlag, List<String> conflicts) {
        String profile = seccompFlag;
        if (file.has("seccomp-profile")) {
            if (seccompFlag != null) {
                conflicts.add("seccomp-profile");
            }
            profile = file.get("seccomp-profile").asText();
        }
        boolean nnp = nnpFlag != null && nnpFlag;
        if (file.has("no-new-privileges")) {
            if (nnpFlag != null) {
                conflicts.add("no-new-privileges");
            }
            nnp = file.get("no-new-privileges").asBoolean();
        }
        if (profile == null || profile.isEmpty() || profile.equals("builtin")) {
            return new ContainerDefaults(SeccompProfile.builtin(), "builtin", nnp);
        }
        if (profile.equals("unconfined")) {
            return new ContainerDefaults(null, "unconfined", nnp);
        }
        Path p = Path.of(profile).toAbsolutePath();
        try {
            return new ContainerDefaults(SeccompProfile.read(p), p.toString(), nnp);
        } catch (dev.berth.daemon.api.ApiException e) {
            throw new IllegalArgumentException("--seccomp-profile " + p + ": " + e.getMessage());
        } catch (IOException e) {
            throw new IllegalArgumentException("--seccomp-profile " + p + ": cannot read: " + e.getMessage());
        }
    }
}
