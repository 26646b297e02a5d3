package dev.berth.daemon.distribution;

import java.nio.file.Path;
import java.util.List;

/**
 * Registry settings of the daemon, with daemon.json's names.
 *
 * @param mirrors          {@code registry-mirrors}: tried in order before Docker Hub, for Docker Hub images only
 * @param insecure         {@code insecure-registries}: hosts ({@code host[:port]}) or CIDRs reached over plain HTTP
 *                         when HTTPS fails, and HTTPS without certificate checks
 * @param maxDownloads     {@code max-concurrent-downloads}: layers downloaded at once, daemon-wide
 * @param maxUploads       {@code max-concurrent-uploads}: layers uploaded at once, daemon-wide
 * @param certsDir         per-registry CA certificates: {@code <certsDir>/<host:port>/ca.crt} (docker's certs.d)
 */
public record RegistryOptions(List<String> mirrors, List<String> insecure, int maxDownloads, int maxUploads, Path certsDir) {
    public static final Path DEFAULT_CERTS_DIR = Path.of("/etc/berth/certs.d");

    public RegistryOptions {
        mirrors = List.copyOf(mirrors);
        insecure = List.copyOf(insecure);
        if (maxDownloads < 1 || maxUploads < 1) {
            throw new IllegalArgumentException("max-concurrent-downloads and max-concurrent-uploads must be at least 1");
        }
    }

    /** Docker's defaults: no mirrors, only loopback insecure, 3 downloads and 5 uploads at once. */
    public static RegistryOptions defaults() {
        return new RegistryOptions(List.of(), List.of(), 3, 5, DEFAULT_CERTS_DIR);
    }
}
