package dev.berth.daemon.volumes;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.daemon.api.ApiException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Turns a container's HostConfig ({@code Binds}, {@code Mounts}, {@code VolumesFrom},
 * {@code Tmpfs}) and Config {@code Volumes} into its mount points, with Docker's syntax, precedence
 * and error messages. Volumes are only named here; {@link VolumeService} creates them.
 */
final class MountSpecs {
    static final Set<String> PROPAGATIONS = Set.of("private", "rprivate", "shared", "rshared", "slave", "rslave");
    private static final Set<String> RW_MODES = Set.of("rw", "ro");
    private static final Set<String> LABEL_MODES = Set.of("z", "Z");
    private static final Set<String> COPY_MODES = Set.of("nocopy");
    private static final Set<String> CONSISTENCY = Set.of("consistent", "cached", "delegated");

    /** A mount point before its volume exists: options and labels for a volume it may have to create. */
    record Planned(MountPoint point, Map<String, String> volumeOptions, Map<String, String> volumeLabels) {}

    /** {@code --mount} as the API carries it. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record MountJson(String type, String source, String target, boolean readOnly, String consistency,
                     BindOptions bindOptions, VolumeOptions volumeOptions, TmpfsOptions tmpfsOptions) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    record BindOptions(String propagation, boolean nonRecursive, boolean createMountpoint) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    record VolumeOptions(boolean noCopy, Map<String, String> labels, DriverConfig driverConfig, String subpath) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    record DriverConfig(String name, Map<String, String> options) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    record TmpfsOptions(long sizeBytes, int mode, List<List<String>> options) {}

    private MountSpecs() {}

    /**
     * The container's mount points, in Docker's precedence: {@code --volumes-from} first, then
     * {@code -v} and {@code --mount} (which must not repeat a destination, nor with {@code --tmpfs}),
     * then anonymous volumes for the image's and the client's {@code Volumes} not otherwise mounted.
     *
     * @param mountsOf the mount points of another container, by reference (404 when unknown)
     */
    static List<Planned> plan(ObjectMapper mapper, JsonNode hostConfig, Set<String> configVolumes,
                              Function<String, List<MountPoint>> mountsOf) {
        Map<String, Planned> byDest = new LinkedHashMap<>();
        for (String spec : strings(hostConfig.path("VolumesFrom"))) {
            String[] p = parseVolumesFrom(spec);
            List<MountPoint> theirs;
            try {
                theirs = mountsOf.apply(p[0]);
            } catch (ApiException e) {
                // 400, not 404: the docker CLI takes a 404 from create for a missing image and tries to pull it
                throw ApiException.badRequest(e.getMessage());
            }
            for (MountPoint m : theirs) {
                if (!m.hidden()) {
                    byDest.put(m.destination(), new Planned(m.sharedWith(p[1].equals("ro")), Map.of(), Map.of()));
                }
            }
        }
        Map<String, Planned> own = new LinkedHashMap<>();
        for (String raw : strings(hostConfig.path("Binds"))) {
            addUnique(own, parseBind(raw));
        }
        JsonNode mounts = hostConfig.path("Mounts");
        if (mounts.isArray()) {
            for (JsonNode n : mounts) {
                MountJson mj;
                try {
                    mj = mapper.treeToValue(n, MountJson.class);
                } catch (java.io.IOException | IllegalArgumentException e) {
                    throw ApiException.badRequest("invalid mount config: " + e.getMessage().lines().findFirst().orElse(""));
                }
                addUnique(own, parseMount(mj));
            }
        }
        JsonNode tmpfs = hostConfig.path("Tmpfs");
        if (tmpfs.isObject()) {
            for (var it = tmpfs.properties().iterator(); it.hasNext(); ) {
                var e = it.next();
                addUnique(own, parseTmpfs(e.getKey(), e.getValue().asText("")));
            }
        }
        byDest.putAll(own);
        for (String v : configVolumes) {
            String dest = cleanTarget(v, v);
            if (!byDest.containsKey(dest)) {
                byDest.put(dest, new Planned(MountPoint.volume("", "", dest, "", true, true, true), Map.of(), Map.of()));
            }
        }
        return List.copyOf(byDest.values());
    }

    private static void addUnique(Map<String, Planned> m, Planned p) {
        if (m.putIfAbsent(p.point().destination(), p) != null) {
            throw ApiException.badRequest("Duplicate mount point: " + p.point().destination());
        }
    }

    private static List<String> strings(JsonNode n) {
        List<String> out = new ArrayList<>();
        if (n.isArray()) {
            n.forEach(x -> out.add(x.asText()));
        }
        return out;
    }

    /** {@code container[:ro|rw]} to {container, mode}. */
    static String[] parseVolumesFrom(String spec) {
        if (spec.isEmpty()) {
            throw ApiException.badRequest("volumes-from specification cannot be an empty string");
        }
        int colon = spec.indexOf(':');
        if (colon < 0) {
            return new String[] {spec, "rw"};
        }
        String mode = spec.substring(colon + 1);
        if (!RW_MODES.contains(mode) && !LABEL_MODES.contains(mode) && !mode.equals("ro,z") && !mode.equals("rw,z")
                && !mode.equals("ro,Z") && !mode.equals("rw,Z")) {
            throw ApiException.badRequest("invalid mode: " + mode);
        }
        return new String[] {spec.substring(0, colon), mode.startsWith("ro") ? "ro" : "rw"};
    }

    /** One {@code -v}: {@code /dst}, {@code src:/dst} or {@code src:/dst:mode}; an absolute source is a bind. */
    static Planned parseBind(String raw) {
        String[] arr = raw.split(":", 4);
        if (arr.length == 4 && arr[3].isEmpty()) {
            arr = java.util.Arrays.copyOf(arr, 3);
        }
        if (arr[0].isEmpty()) {
            throw invalidSpec(raw);
        }
        String source = "";
        String target;
        String mode = "";
        switch (arr.length) {
            case 1 -> target = arr[0];
            case 2 -> {
                if (validMode(arr[1])) {
                    throw invalidSpec(raw);
                }
                source = arr[0];
                target = arr[1];
            }
            case 3 -> {
                source = arr[0];
                target = arr[1];
                mode = arr[2];
            }
            default -> throw invalidSpec(raw);
        }
        if (!validMode(mode)) {
            throw ApiException.badRequest("invalid mode: " + mode);
        }
        String dest;
        try {
            dest = cleanTarget(target, raw);
        } catch (ApiException e) {
            throw ApiException.badRequest("invalid volume specification: '" + raw + "': " + e.getMessage());
        }
        boolean rw = !List.of(mode.split(",")).contains("ro");
        if (source.startsWith("/")) {
            String propagation = "rprivate";
            for (String o : mode.split(",")) {
                if (PROPAGATIONS.contains(o)) {
                    propagation = o;
                }
            }
            return new Planned(MountPoint.bind(Path.of(source).normalize().toString(), dest, mode, rw, propagation, true),
                    Map.of(), Map.of());
        }
        for (String o : mode.split(",")) {
            if (PROPAGATIONS.contains(o)) {
                throw ApiException.badRequest("invalid volume specification: '" + raw
                        + "': propagation mode can only be set for bind mounts");
            }
        }
        if (!source.isEmpty()) {
            VolumeNames.validate(source);
        }
        boolean copy = !List.of(mode.split(",")).contains("nocopy");
        // a named local volume from -v shows Mode "z" when no mode was given, as in Docker
        return new Planned(MountPoint.volume(source, "", dest, mode.isEmpty() && !source.isEmpty() ? "z" : mode, rw, copy,
                source.isEmpty()), Map.of(), Map.of());
    }

    private static ApiException invalidSpec(String raw) {
        return ApiException.badRequest("invalid volume specification: '" + raw + "'");
    }

    static boolean validMode(String mode) {
        if (mode.isEmpty()) {
            return true;
        }
        int rw = 0;
        int label = 0;
        int prop = 0;
        int copy = 0;
        int cons = 0;
        for (String o : mode.split(",")) {
            if (RW_MODES.contains(o)) {
                rw++;
            } else if (LABEL_MODES.contains(o)) {
                label++;
            } else if (PROPAGATIONS.contains(o)) {
                prop++;
            } else if (COPY_MODES.contains(o)) {
                copy++;
            } else if (CONSISTENCY.contains(o)) {
                cons++;
            } else {
                return false;
            }
        }
        return rw <= 1 && label <= 1 && prop <= 1 && copy <= 1 && cons <= 1;
    }

    /** A clean absolute container path other than "/". */
    static String cleanTarget(String target, String what) {
        if (target == null || target.isEmpty()) {
            throw ApiException.badRequest("field Target must not be empty");
        }
        if (!target.startsWith("/")) {
            throw ApiException.badRequest("invalid mount path: '" + target + "' mount path must be absolute");
        }
        String clean = Path.of(target).normalize().toString();
        if (clean.equals("/")) {
            throw ApiException.badRequest("invalid specification: destination can't be '/'");
        }
        return clean;
    }

    /** One {@code --mount}, validated as Docker does; a bind source must exist. */
    static Planned parseMount(MountJson m) {
        String type = m.type() == null ? "" : m.type();
        try {
            String dest = cleanTarget(m.target(), m.target());
            String source = m.source() == null ? "" : m.source();
            switch (type) {
                case "bind" -> {
                    if (source.isEmpty()) {
                        throw ApiException.badRequest("field Source must not be empty");
                    }
                    if (m.volumeOptions() != null) {
                        throw ApiException.badRequest("field VolumeOptions must not be specified");
                    }
                    if (m.tmpfsOptions() != null) {
                        throw ApiException.badRequest("field TmpfsOptions must not be specified");
                    }
                    String prop = m.bindOptions() == null || m.bindOptions().propagation() == null
                            || m.bindOptions().propagation().isEmpty() ? "rprivate" : m.bindOptions().propagation();
                    if (!PROPAGATIONS.contains(prop)) {
                        throw ApiException.badRequest("invalid propagation mode: " + prop);
                    }
                    if (!source.startsWith("/")) {
                        throw ApiException.badRequest("invalid mount path: '" + source + "' mount path must be absolute");
                    }
                    boolean create = m.bindOptions() != null && m.bindOptions().createMountpoint();
                    if (!create && !Files.exists(Path.of(source))) {
                        throw ApiException.badRequest("bind source path does not exist: " + source);
                    }
                    return new Planned(MountPoint.bind(Path.of(source).normalize().toString(), dest, "", !m.readOnly(), prop, create),
                            Map.of(), Map.of());
                }
                case "volume" -> {
                    if (m.bindOptions() != null) {
                        throw ApiException.badRequest("field BindOptions must not be specified");
                    }
                    if (m.tmpfsOptions() != null) {
                        throw ApiException.badRequest("field TmpfsOptions must not be specified");
                    }
                    VolumeOptions vo = m.volumeOptions();
                    if (vo != null && vo.subpath() != null && !vo.subpath().isEmpty()) {
                        throw ApiException.badRequest("volume subpaths are not supported by this berthd");
                    }
                    if (m.readOnly() && source.isEmpty()) {
                        throw ApiException.badRequest("must not set ReadOnly mode when using anonymous volumes");
                    }
                    if (!source.isEmpty()) {
                        VolumeNames.validate(source);
                    }
                    Map<String, String> opts = Map.of();
                    Map<String, String> labels = Map.of();
                    if (vo != null && vo.driverConfig() != null) {
                        String driver = vo.driverConfig().name();
                        if (driver != null && !driver.isEmpty() && !driver.equals(VolumeService.DRIVER)) {
                            throw ApiException.notFound("error looking up volume plugin " + driver + ": plugin \"" + driver + "\" not found");
                        }
                        if (vo.driverConfig().options() != null) {
                            opts = vo.driverConfig().options();
                        }
                    }
                    if (vo != null && vo.labels() != null) {
                        labels = vo.labels();
                    }
                    boolean copy = vo == null || !vo.noCopy();
                    return new Planned(MountPoint.volume(source, "", dest, "z", !m.readOnly(), copy, source.isEmpty()), opts, labels);
                }
                case "tmpfs" -> {
                    if (m.bindOptions() != null) {
                        throw ApiException.badRequest("field BindOptions must not be specified");
                    }
                    if (!source.isEmpty()) {
                        throw ApiException.badRequest("field Source must not be specified");
                    }
                    return new Planned(MountPoint.tmpfs(dest, !m.readOnly(), tmpfsData(m.tmpfsOptions(), m.readOnly()), false),
                            Map.of(), Map.of());
                }
                default -> throw ApiException.badRequest("mount type unknown");
            }
        } catch (ApiException e) {
            if (e.status() != 400) {
                throw e;
            }
            throw ApiException.badRequest("invalid mount config for type \"" + type + "\": " + e.getMessage());
        }
    }

    /** Docker's tmpfs data from {@code --mount type=tmpfs}: ro, mode in octal, size with the largest exact unit. */
    static String tmpfsData(TmpfsOptions o, boolean readOnly) {
        List<String> out = new ArrayList<>();
        if (readOnly) {
            out.add("ro");
        }
        if (o != null && o.mode() != 0) {
            out.add("mode=" + Integer.toOctalString(o.mode()));
        }
        if (o != null && o.sizeBytes() != 0) {
            if (o.sizeBytes() < 0) {
                throw ApiException.badRequest("invalid tmpfs size: " + o.sizeBytes());
            }
            long size = o.sizeBytes();
            String suffix = "";
            for (Object[] u : new Object[][] {{"g", 1L << 30}, {"m", 1L << 20}, {"k", 1L << 10}}) {
                if (size % (Long) u[1] == 0) {
                    size /= (Long) u[1];
                    suffix = (String) u[0];
                    break;
                }
            }
            out.add("size=" + size + suffix);
        }
        if (o != null && o.options() != null) {
            for (List<String> opt : o.options()) {
                if (opt.isEmpty() || opt.size() > 2) {
                    throw ApiException.badRequest("invalid option array length");
                }
                if (!opt.getFirst().equals("exec") && !opt.getFirst().equals("noexec")) {
                    throw ApiException.badRequest("invalid option: " + opt.getFirst());
                }
                out.add(String.join("=", opt));
            }
        }
        return String.join(",", out);
    }

    /** One {@code --tmpfs /path[:opts]}: Docker's defaults first, the client's options after. */
    static Planned parseTmpfs(String dest, String options) {
        String clean;
        try {
            clean = cleanTarget(dest, dest);
        } catch (ApiException e) {
            throw ApiException.badRequest("invalid tmpfs mount: " + dest + ": " + e.getMessage());
        }
        boolean ro = List.of(options.split(",")).contains("ro");
        return new Planned(MountPoint.tmpfs(clean, !ro, options, true), Map.of(), Map.of());
    }

    /**
     * OCI options of a tmpfs mount: Docker's {@code noexec,nosuid,nodev} and the client's own, the
     * later word of each pair ({@code exec} after {@code noexec}) and the later {@code key=} winning.
     */
    static List<String> tmpfsMountOptions(String data) {
        Map<String, String> merged = new LinkedHashMap<>();
        List<String> all = new ArrayList<>(List.of("noexec", "nosuid", "nodev"));
        for (String o : data.split(",")) {
            if (!o.isEmpty()) {
                all.add(o);
            }
        }
        for (String o : all) {
            String key;
            int eq = o.indexOf('=');
            if (eq >= 0) {
                key = o.substring(0, eq);
            } else if (o.startsWith("no")) {
                key = o.substring(2);
            } else {
                key = switch (o) {
                    case "ro", "rw" -> "rw";
                    case "async", "sync" -> "sync";
                    case "strictatime", "relatime" -> "atime";
                    default -> o;
                };
            }
            merged.remove(key);
            merged.put(key, o);
        }
        return List.copyOf(merged.values());
    }
}
