package dev.berth.daemon.containers;

import dev.berth.daemon.api.ApiException;
import dev.berth.daemon.runtime.RuntimeSpec;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code --init} as Docker does it: a static tini (Docker's {@code docker-init}, or Debian's
 * {@code tini-static} from the {@code tini} package) is bound read-only at
 * {@code /sbin/docker-init} and runs as PID 1 with the container's command after {@code --}, so
 * orphans are reaped and signals forwarded. Only static builds are used: the container may have
 * no C library of its own.
 */
final class InitProcess {
    static final String IN_CONTAINER = "/sbin/docker-init";
    private static final List<String> CANDIDATES = List.of("docker-init", "tini-static");

    private InitProcess() {}

    /** The first candidate on the daemon's PATH, or null. */
    static Path find() {
        String path = System.getenv("PATH");
        for (String name : CANDIDATES) {
            for (String dir : (path == null ? "/usr/local/bin:/usr/bin:/bin" : path).split(File.pathSeparator)) {
                if (dir.isEmpty()) {
                    continue;
                }
                Path p = Path.of(dir, name);
                if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                    return p;
                }
            }
        }
        return null;
    }

    /** The spec with the init bound in and in front of the command; 400 with Docker's message when there is none. */
    static RuntimeSpec apply(RuntimeSpec spec) {
        Path binary = find();
        if (binary == null) {
            throw ApiException.badRequest("exec: \"docker-init\": executable file not found in $PATH"
                    + " (install Debian's tini package, which provides tini-static, for --init)");
        }
        List<RuntimeSpec.Mount> mounts = new ArrayList<>(spec.mounts());
        mounts.add(new RuntimeSpec.Mount(IN_CONTAINER, "bind", binary.toString(), List.of("bind", "ro")));
        List<String> args = new ArrayList<>(List.of(IN_CONTAINER, "--"));
        args.addAll(spec.args());
        return spec.withArgs(args).withMounts(mounts);
    }
}
