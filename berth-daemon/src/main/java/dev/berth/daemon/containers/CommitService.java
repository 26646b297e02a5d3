package dev.berth.daemon.containers;

import dev.berth.daemon.api.ApiException;
import dev.berth.daemon.images.ConfigChanges;
import dev.berth.daemon.images.ImageService;
import dev.berth.oci.ContainerConfig;
import dev.berth.oci.ImageReference;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.SQLException;
import java.util.List;

/**
 * {@code docker commit}: a container's writable layer becomes a new layer on top of its image.
 * The container is paused meanwhile (unless asked not to) so the layer is one moment's state.
 */
public final class CommitService {
    private final ContainerService containers;
    private final ImageService images;

    public CommitService(ContainerService containers, ImageService images) {
        this.containers = containers;
        this.images = images;
    }

    /** What the client asked for; {@code config} (may be null) overrides the container's own. */
    record Request(String container, ImageReference tag, String author, String comment, boolean pause, List<String> changes,
                   ContainerConfigSpec config) {}

    String commit(Request req) throws IOException, InterruptedException, SQLException {
        ContainerService.Ctr c = containers.get(req.container());
        ContainerRecord r = c.rec;
        ContainerConfig cfg;
        try {
            cfg = ConfigChanges.apply(imageConfig(req.config() == null ? r.config()
                    : ContainerConfigSpec.merge(req.config(), imageConfig(r.config()))), req.changes());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        boolean pausedHere = false;
        if (req.pause() && r.state().running() && !r.state().paused()) {
            containers.pause(r.id());
            pausedHere = true;
        }
        Path tmp = containers.paths().dir(r.id()).resolve("commit-" + ContainerService.newId().substring(0, 12) + ".tar");
        try {
            try (OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                UpperLayer.write(containers.paths().upper(r.id()), out, containers.ids());
            }
            if (pausedHere) {
                containers.unpause(r.id());
                pausedHere = false;
            }
            String createdBy = String.join(" ", r.path() == null ? List.of() : List.of(r.path())) + (r.args() == null
                    || r.args().isEmpty() ? "" : " " + String.join(" ", r.args()));
            String id;
            try (InputStream in = Files.newInputStream(tmp)) {
                id = images.commitImage(r.image(), in, new ImageService.CommitInfo(cfg, req.author(), req.comment(),
                        createdBy.strip(), req.tag()));
            }
            containers.events().container(r, "commit", "comment", req.comment() == null ? "" : req.comment(),
                    "imageID", id, "imageRef", req.tag() == null ? "" : req.tag().familiar());
            return id;
        } finally {
            if (pausedHere) {
                containers.unpause(r.id());
            }
            Files.deleteIfExists(tmp);
        }
    }

    /** The container's config as an image carries it (the runtime-only fields dropped). */
    private static ContainerConfig imageConfig(ContainerConfigSpec s) {
        return new ContainerConfig(emptyToNull(s.user()), s.exposedPorts(), s.env(), s.entrypoint(), s.cmd(), s.volumes(),
                emptyToNull(s.workingDir()), s.labels(), s.stopSignal(), s.argsEscaped(), s.healthcheck(), s.onBuild(), s.shell());
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
