package dev.berth.daemon.volumes;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One mount of a container as planned at create and recorded with it: what Docker shows in
 * inspect's {@code Mounts}, plus what berthd needs at start.
 *
 * @param type          {@code volume}, {@code bind} or {@code tmpfs}
 * @param name          the volume's name (volumes only)
 * @param source        host path: the volume's mountpoint or the bind source; empty for tmpfs
 * @param mode          as Docker shows it: the raw {@code -v} mode, or {@code z} for local volumes
 * @param propagation   bind propagation ({@code rprivate} by default for binds)
 * @param copyData      fill a still-empty volume with the image's content at the destination
 * @param tmpfsOptions  tmpfs mount data ({@code size=64m,mode=1777})
 * @param createSource  create a missing bind source at start ({@code -v}, not {@code --mount})
 * @param anonymous     this container made the (anonymous) volume: {@code rm -v} removes it
 * @param hidden        a {@code --tmpfs} mount: mounted, but not listed in inspect, as in Docker
 */
public record MountPoint(String type, String name, String source, String destination, String driver, String mode,
                         boolean rw, String propagation, boolean copyData, String tmpfsOptions, boolean createSource,
                         boolean anonymous, boolean hidden) {

    static MountPoint volume(String name, String source, String destination, String mode, boolean rw, boolean copyData,
                             boolean anonymous) {
        return new MountPoint("volume", name, source, destination, VolumeService.DRIVER, mode, rw, "", copyData, "",
                false, anonymous, false);
    }

    static MountPoint bind(String source, String destination, String mode, boolean rw, String propagation, boolean create) {
        return new MountPoint("bind", "", source, destination, "", mode, rw, propagation, false, "", create, false, false);
    }

    static MountPoint tmpfs(String destination, boolean rw, String options, boolean hidden) {
        return new MountPoint("tmpfs", "", "", destination, "", "", rw, "", false, options, false, false, hidden);
    }

    /**
     * The same mount as another container takes it with {@code --volumes-from}: an anonymous volume
     * stays anonymous, so {@code rm -v} of the last container using it removes it, as in Docker.
     */
    MountPoint sharedWith(boolean readOnly) {
        return new MountPoint(type, name, source, destination, driver, "", rw && !readOnly, propagation, false,
                tmpfsOptions, false, anonymous, hidden);
    }

    /** Docker's MountPoint in container inspect and list: Name and Driver only when set. */
    public Map<String, Object> toApi() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Type", type);
        if (!name.isEmpty()) {
            m.put("Name", name);
        }
        m.put("Source", source);
        m.put("Destination", destination);
        if (!driver.isEmpty()) {
            m.put("Driver", driver);
        }
        m.put("Mode", mode);
        m.put("RW", rw);
        m.put("Propagation", propagation);
        return m;
    }
}
