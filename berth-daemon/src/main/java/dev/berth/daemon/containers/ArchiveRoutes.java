package dev.berth.daemon.containers;

import dev.berth.daemon.api.ApiException;
import dev.berth.daemon.api.Exchange;
import dev.berth.daemon.api.Router;
import dev.berth.daemon.runtime.UserResolver;

import java.util.Base64;

/** The archive API ({@code docker cp}): HEAD (stat), GET (tar out) and PUT (tar in) on {@code /containers/{id}/archive}. */
final class ArchiveRoutes {
    static final String STAT_HEADER = "X-Docker-Container-Path-Stat";

    private final ContainerService service;

    ArchiveRoutes(ContainerService service) {
        this.service = service;
    }

    void register(Router r) {
        r.head("/containers/{id}/archive", ex -> {
            ContainerArchive.PathStat st = service.withArchiveRoot(ex.pathVar("id"),
                    (rec, rootfs) -> archive(rec, rootfs, service.ids()).stat(path(ex)));
            ex.responseHeader(STAT_HEADER, header(ex, st));
            ex.respondEmpty(200);
        });
        r.get("/containers/{id}/archive", ex -> service.withArchiveRoot(ex.pathVar("id"), (rec, rootfs) -> {
            archive(rec, rootfs, service.ids()).get(path(ex), st -> ex.responseHeader(STAT_HEADER, header(ex, st)),
                    () -> ex.startStream(200, "application/x-tar"));
            return null;
        }));
        r.put("/containers/{id}/archive", ex -> {
            boolean noOverwrite = ex.queryBool("noOverwriteDirNonDir", false);
            boolean copyUidGid = ex.queryBool("copyUIDGID", false);
            service.withArchiveRoot(ex.pathVar("id"), (rec, rootfs) -> {
                if (!inWritableVolume(rec, path(ex)) && service.readonlyRootfs(rec)) {
                    throw ApiException.badRequest("container rootfs is marked read-only");
                }
                ContainerArchive.Owner owner = null;
                String user = rec.config().user();
                if (copyUidGid && user != null && !user.isEmpty()) {
                    // as Docker: -a gives the files to the container's user
                    UserResolver.User u = UserResolver.resolve(rootfs, user);
                    owner = new ContainerArchive.Owner(u.uid(), u.gid());
                }
                archive(rec, rootfs, service.ids()).put(path(ex), ex.bodyStream(), noOverwrite, owner);
                return null;
            });
            ex.respondEmpty(200);
        });
    }

    /** Docker's checkIfPathIsInAVolume: true below a writable mount, 400 below a read-only one. */
    private boolean inWritableVolume(ContainerRecord rec, String path) {
        String abs = "/" + String.join("/", ContainerArchive.lexical("/" + path));
        for (dev.berth.daemon.volumes.MountPoint m : service.mounts(rec.id())) {
            String d = m.destination();
            if (abs.equals(d) || abs.startsWith(d.endsWith("/") ? d : d + "/")) {
                if (!m.rw()) {
                    throw ApiException.badRequest("mounted volume is marked read-only");
                }
                return true;
            }
        }
        return false;
    }

    private static ContainerArchive archive(ContainerRecord rec, java.nio.file.Path rootfs, dev.berth.oci.IdMap ids) {
        return new ContainerArchive(rootfs, rec.name().startsWith("/") ? rec.name().substring(1) : rec.name(), ids);
    }

    private static String path(Exchange ex) {
        String p = ex.query("path");
        if (p == null || p.isEmpty()) {
            throw ApiException.badRequest("path is required");
        }
        return p;
    }

    private static String header(Exchange ex, ContainerArchive.PathStat st) {
        // Docker's ContainerPathStat keys are lower camel case, unlike the rest of the API
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("name", st.name());
        m.put("size", st.size());
        m.put("mode", st.mode());
        m.put("mtime", st.mtime());
        m.put("linkTarget", st.linkTarget());
        return Base64.getEncoder().encodeToString(ex.json().write(m));
    }
}
