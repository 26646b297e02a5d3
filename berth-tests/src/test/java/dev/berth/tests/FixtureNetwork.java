package dev.berth.tests;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The network a {@link BerthdFixture}'s berthd gets: a bridge name and a /16 of its own
 * ({@code 10.X.0.0/16}, X in 200..254), so that berthds of concurrent tests, a Docker engine and
 * the host's routes never meet. The /16 is claimed with a lock file naming the claiming process;
 * a claim of a process that is gone is taken over. {@link #cleanup} removes whatever that berthd
 * left: bridges carrying its alias, its iptables chains and the jumps into them.
 */
public final class FixtureNetwork {
    private static final Path LOCKS = Path.of("/tmp/berth-test-subnets");

    private final String bridge;
    private final int second;
    private final Path lock;

    private FixtureNetwork(String bridge, int second, Path lock) {
        this.bridge = bridge;
        this.second = second;
        this.lock = lock;
    }

    /** Claims a free /16 and names a bridge after {@code id} (8 hex digits). */
    public static FixtureNetwork claim(String id) throws IOException {
        Files.createDirectories(LOCKS);
        List<String> routes = Files.readAllLines(Path.of("/proc/net/route"));
        int start = ThreadLocalRandom.current().nextInt(55);
        for (int i = 0; i < 55; i++) {
            int x = 200 + (start + i) % 55;
            if (routed(routes, x)) {
                continue;
            }
            Path lock = LOCKS.resolve(Integer.toString(x));
            if (tryLock(lock)) {
                return new FixtureNetwork("bt" + id, x, lock);
            }
        }
        throw new IllegalStateException("no free 10.x.0.0/16 between 10.200 and 10.254 for a test berthd");
    }

    private static boolean tryLock(Path lock) throws IOException {
        String me = Long.toString(ProcessHandle.current().pid());
        try {
            Files.writeString(lock, me, java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE);
            return true;
        } catch (FileAlreadyExistsException e) {
            String owner;
            try {
                owner = Files.readString(lock).trim();
            } catch (IOException gone) {
                return false;
            }
            boolean alive = !owner.isEmpty() && owner.chars().allMatch(Character::isDigit)
                    && ProcessHandle.of(Long.parseLong(owner)).map(ProcessHandle::isAlive).orElse(false);
            if (alive) {
                return false;
            }
            // a claim of a dead test run: take it over, unless another run is doing the same
            Path mine = lock.resolveSibling(lock.getFileName() + "." + me);
            Files.writeString(mine, me);
            try {
                Files.move(mine, lock, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(mine);
            }
            return Files.readString(lock).trim().equals(me);
        }
    }

    /** True if the host routes anything inside 10.x.0.0/16 (another engine, a VPN, ...). */
    private static boolean routed(List<String> routes, int x) {
        for (String line : routes.subList(1, routes.size())) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 8) {
                continue;
            }
            int dest = Integer.reverseBytes(Integer.parseUnsignedInt(f[1], 16));
            int mask = Integer.reverseBytes(Integer.parseUnsignedInt(f[7], 16));
            if (mask == 0) {
                continue;
            }
            int ours = (10 << 24) | (x << 16);
            int both = mask & 0xffff0000;
            if ((dest & both) == (ours & both)) {
                return true;
            }
        }
        return false;
    }

    public String bridge() {
        return bridge;
    }

    /** {@code 10.X} of this fixture's /16. */
    public String prefix16() {
        return "10." + second;
    }

    /** berthd flags: the bridge, its address (the /16's first /24) and the pool for other networks. */
    public List<String> daemonArgs() {
        return List.of("--bridge", bridge, "--bip", prefix16() + ".0.1/24",
                "--default-address-pools", "base=" + prefix16() + ".0.0/16,size=24");
    }

    /** The iptables chains of this berthd start with this. */
    public String chainPrefix() {
        return "BERTH-" + bridge.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "");
    }

    /** Removes the bridges, chains and jumps the berthd under {@code execRoot} left, then the claim. */
    public void cleanup(Path execRoot) {
        String marker = "berth:" + execRoot;
        try (var s = Files.list(Path.of("/sys/class/net"))) {
            for (Path d : s.toList()) {
                String alias;
                try {
                    alias = Files.readString(d.resolve("ifalias"), StandardCharsets.UTF_8).trim();
                } catch (IOException e) {
                    continue;
                }
                if (alias.equals(marker) || d.getFileName().toString().equals(bridge)) {
                    BerthdFixture.run(List.of("ip", "link", "del", d.getFileName().toString()), null, Map.of());
                }
            }
        } catch (IOException ignored) {
            // no sysfs
        }
        for (String table : List.of("filter", "nat")) {
            String rules = BerthdFixture.run(List.of("iptables", "-w", "-t", table, "-S"), null, Map.of()).stdout();
            List<String> chains = new ArrayList<>();
            for (String line : rules.lines().toList()) {
                String[] f = line.split(" ");
                if (f.length >= 2 && f[0].equals("-N") && f[1].startsWith(chainPrefix() + "-")) {
                    chains.add(f[1]);
                }
                if (f.length >= 2 && f[0].equals("-A") && line.matches(".* -j " + chainPrefix() + "-[A-Z0-9]+$")
                        && !f[1].startsWith(chainPrefix() + "-")) {
                    List<String> del = new ArrayList<>(List.of("iptables", "-w", "-t", table, "-D"));
                    del.addAll(List.of(line.substring(3).split(" ")));
                    BerthdFixture.run(del, null, Map.of());
                }
            }
            for (String c : chains) {
                BerthdFixture.run(List.of("iptables", "-w", "-t", table, "-F", c), null, Map.of());
            }
            for (String c : chains) {
                BerthdFixture.run(List.of("iptables", "-w", "-t", table, "-X", c), null, Map.of());
            }
        }
        try {
            Files.deleteIfExists(lock);
        } catch (IOException ignored) {
            // left for the next claim to take over
        }
    }
}
