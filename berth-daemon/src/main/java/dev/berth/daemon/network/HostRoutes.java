package dev.berth.daemon.network;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The host's IPv4 routes (not the default route), from {@code /proc/net/route}: subnets in use. */
final class HostRoutes {
    private HostRoutes() {}

    static List<Ipv4Net> read() {
        List<Ipv4Net> out = new ArrayList<>();
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/net/route"));
            for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
                String[] f = line.trim().split("\\s+");
                if (f.length < 8) {
                    continue;
                }
                // little-endian hex as the kernel stores it
                int dest = Integer.reverseBytes(Integer.parseUnsignedInt(f[1], 16));
                int mask = Integer.reverseBytes(Integer.parseUnsignedInt(f[7], 16));
                int prefix = Integer.bitCount(mask);
                if (prefix == 0) {
                    continue;
                }
                out.add(new Ipv4Net(dest, prefix).network());
            }
        } catch (IOException | RuntimeException e) {
            // no routing table: nothing known to avoid
        }
        return out;
    }
}
