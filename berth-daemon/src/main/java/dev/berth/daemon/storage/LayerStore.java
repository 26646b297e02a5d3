package dev.berth.daemon.storage;

import dev.berth.daemon.store.MetadataDb;
import dev.berth.oci.Digest;
import dev.berth.oci.IdMap;
import dev.berth.oci.LayerArchive;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.logging.Logger;

/**
 * Extracted layers, one directory per chain ID under {@code <data-root>/layers/<hex>/diff}, shared
 * by every image that has the layer and removed when the last one lets go. A layer is extracted
 * into {@code layers/tmp} and renamed into place in the same transaction that records it; a
 * directory without a row (a crash between the two) is deleted at the next start.
 */
public final class LayerStore {
    private static final Logger LOG = Logger.getLogger(LayerStore.class.getName());
    private static final String TMP = "tmp";

    /** A stored layer. {@code parent} is the chain ID below it, or null for a bottom layer. */
    public record Layer(String chainId, String diffId, String parent, long size) {}

    /** A layer extracted into a temp dir, not yet in the store. */
    public record Unpacked(Path dir, Digest diffId, long size) {}

    private final Path root;
    private final Path tmp;
    private final MetadataDb db;
    private final IdMap ids;

    public LayerStore(Path dataRoot, MetadataDb db) throws IOException, SQLException {
        this(dataRoot, db, IdMap.IDENTITY);
    }

    /**
     * With layers extracted for a user namespace ({@code --userns-remap}): files are owned through
     * {@code ids}, so this store belongs to one mapping (dockerd keeps one per {@code <uid>.<gid>}).
     */
    public LayerStore(Path dataRoot, MetadataDb db, IdMap ids) throws IOException, SQLException {
        this.ids = ids;
        this.root = dataRoot.resolve("layers");
        this.tmp = root.resolve(TMP);
        this.db = db;
        db.migrate("layers", """
                CREATE TABLE layers (chain_id TEXT PRIMARY KEY, diff_id TEXT NOT NULL, parent TEXT, size INTEGER NOT NULL, created INTEGER NOT NULL);
                CREATE TABLE layer_refs (owner TEXT NOT NULL, idx INTEGER NOT NULL, chain_id TEXT NOT NULL REFERENCES layers(chain_id), PRIMARY KEY (owner, idx));
                CREATE INDEX layer_refs_chain ON layer_refs(chain_id)
                """);
        Files.createDirectories(root);
        LayerArchive.removeTree(tmp);
        Files.createDirectories(tmp);
        collectOrphans();
    }

    /** ChainID(L0) = DiffID(L0); ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln)). */
    public static String chainId(String parentChainId, String diffId) {
        if (parentChainId == null) {
            return diffId;
        }
        return Digest.sha256((parentChainId + " " + diffId).getBytes(StandardCharsets.UTF_8)).toString();
    }

    /** The chain IDs of a stack of diff IDs, bottom first. */
    public static List<String> chainIds(List<String> diffIds) {
        List<String> out = new ArrayList<>();
        String parent = null;
        for (String d : diffIds) {
            parent = chainId(parent, d);
            out.add(parent);
        }
        return out;
    }

    /** The directory overlay uses for this layer. */
    public Path diffDir(String chainId) {
        return layerDir(chainId).resolve("diff");
    }

    private Path layerDir(String chainId) {
        return root.resolve(Digest.parse(chainId).hex());
    }

    /**
     * Extracts a layer tar into a temp dir. On any failure the temp dir is removed and the
     * exception (an {@link dev.berth.oci.InvalidLayerException} for bad input) is rethrown.
     */
    public Unpacked unpack(InputStream tar) throws IOException {
        Path dir = tmp.resolve(UUID.randomUUID().toString());
        Path diff = dir.resolve("diff");
        Files.createDirectories(diff);
        try {
            LayerArchive.Result r = LayerArchive.extract(tar, diff, ids);
            return new Unpacked(dir, r.diffId(), r.size());
        } catch (IOException | RuntimeException | Error e) {
            discard(dir);
            throw e;
        }
    }

    /** Removes an unpacked layer that was not (or was already) committed; a no-op then. */
    public void discard(Unpacked u) {
        discard(u.dir());
    }

    private void discard(Path dir) {
        try {
            LayerArchive.removeTree(dir);
        } catch (IOException e) {
            LOG.warning("cannot remove " + dir + ": " + e);
        }
    }

    /**
     * Inside a transaction: puts {@code u} in the store on top of {@code parentChainId}, or
     * finds the identical layer already there (then {@code u} stays to be discarded).
     */
    public Layer commit(Connection c, Unpacked u, String parentChainId) throws SQLException {
        String chain = chainId(parentChainId, u.diffId().toString());
        Optional<Layer> existing = get(c, chain);
        if (existing.isPresent()) {
            return existing.get();
        }
        Path target = layerDir(chain);
        try {
            // A directory without a row is left from a crash; the fresh extraction replaces it.
            LayerArchive.removeTree(target);
            Files.move(u.dir(), target, StandardCopyOption.ATOMIC_MOVE);
            ContentStore.syncDir(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO layers(chain_id, diff_id, parent, size, created) VALUES(?, ?, ?, ?, ?)")) {
            ps.setString(1, chain);
            ps.setString(2, u.diffId().toString());
            ps.setString(3, parentChainId);
            ps.setLong(4, u.size());
            ps.setLong(5, System.currentTimeMillis());
            ps.executeUpdate();
        }
        return new Layer(chain, u.diffId().toString(), parentChainId, u.size());
    }

    public Optional<Layer> get(Connection c, String chainId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT diff_id, parent, size FROM layers WHERE chain_id = ?")) {
            ps.setString(1, chainId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new Layer(chainId, rs.getString(1), rs.getString(2), rs.getLong(3))) : Optional.empty();
            }
        }
    }

    public Optional<Layer> get(String chainId) throws SQLException {
        return db.tx(c -> get(c, chainId));
    }

    /** Inside a transaction: {@code owner} (an image ID) now holds these layers, bottom first. */
    public void retain(Connection c, String owner, List<String> chainIds) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT OR REPLACE INTO layer_refs(owner, idx, chain_id) VALUES(?, ?, ?)")) {
            for (int i = 0; i < chainIds.size(); i++) {
                ps.setString(1, owner);
                ps.setInt(2, i);
                ps.setString(3, chainIds.get(i));
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /** The layers {@code owner} holds, bottom first. */
    public List<String> layersOf(Connection c, String owner) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT chain_id FROM layer_refs WHERE owner = ? ORDER BY idx")) {
            ps.setString(1, owner);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    /**
     * Inside a transaction: {@code owner} lets go of its layers; those nobody else holds are
     * removed (rows now, directories moved aside now and deleted by {@link #purge}).
     *
     * @return the removed layers, top first, as docker lists them
     */
    public List<Layer> release(Connection c, String owner) throws SQLException {
        List<String> held = layersOf(c, owner);
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM layer_refs WHERE owner = ?")) {
            ps.setString(1, owner);
            ps.executeUpdate();
        }
        List<Layer> removed = new ArrayList<>();
        for (int i = held.size() - 1; i >= 0; i--) {
            String chain = held.get(i);
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM layer_refs WHERE chain_id = ? LIMIT 1")) {
                ps.setString(1, chain);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        continue;
                    }
                }
            }
            Optional<Layer> l = get(c, chain);
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM layers WHERE chain_id = ?")) {
                ps.setString(1, chain);
                ps.executeUpdate();
            }
            l.ifPresent(removed::add);
        }
        for (Layer l : removed) {
            moveAside(l.chainId());
        }
        return removed;
    }

    private void moveAside(String chainId) {
        Path dir = layerDir(chainId);
        if (Files.exists(dir)) {
            try {
                Files.move(dir, tmp.resolve("removed-" + UUID.randomUUID()), StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Deletes layer directories moved aside by {@link #release}; call after the transaction. */
    public void purge() {
        try (var s = Files.newDirectoryStream(tmp, "removed-*")) {
            for (Path p : s) {
                discard(p);
            }
        } catch (IOException e) {
            LOG.warning("cannot purge removed layers: " + e);
        }
    }

    /** Deletes directories that have no row and rows that nobody holds. */
    private void collectOrphans() throws IOException, SQLException {
        Set<String> known = new HashSet<>();
        db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "DELETE FROM layers WHERE chain_id NOT IN (SELECT chain_id FROM layer_refs)")) {
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT chain_id FROM layers");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    known.add(Digest.parse(rs.getString(1)).hex());
                }
            }
            return null;
        });
        try (var s = Files.newDirectoryStream(root)) {
            for (Path p : s) {
                String name = p.getFileName().toString();
                if (!name.equals(TMP) && !known.contains(name)) {
                    LOG.info("removing orphaned layer directory " + p);
                    discard(p);
                }
            }
        }
    }

    /** Total size of the distinct layers in the store. */
    public long totalSize() throws SQLException {
        return db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT COALESCE(SUM(size), 0) FROM layers");
                 ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0L;
            }
        });
    }
}
