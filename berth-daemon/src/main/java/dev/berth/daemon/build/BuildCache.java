package dev.berth.daemon.build;

import dev.berth.daemon.store.MetadataDb;
import dev.berth.oci.Digest;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HexFormat;

/**
 * The build cache: a step's key (parent image, instruction, the checksum of the files it takes)
 * to the image it produced, in the metadata database so it survives restarts.
 */
public final class BuildCache {
    private final MetadataDb db;

    public BuildCache(MetadataDb db) throws SQLException {
        this.db = db;
        db.migrate("build", """
                CREATE TABLE build_cache (key TEXT PRIMARY KEY, image_id TEXT NOT NULL, created INTEGER NOT NULL);
                CREATE INDEX build_cache_image ON build_cache(image_id)
                """, """
                ALTER TABLE build_cache ADD COLUMN parent_id TEXT;
                CREATE INDEX build_cache_parent ON build_cache(parent_id)
                """, """
                ALTER TABLE build_cache ADD COLUMN last_used INTEGER;
                ALTER TABLE build_cache ADD COLUMN usage_count INTEGER NOT NULL DEFAULT 0
                """);
    }

    /** The key of a step: sha256 over its parts, each length-prefixed so no two part lists collide. */
    static String key(String... parts) {
        MessageDigest md = Digest.newSha256();
        for (String p : parts) {
            byte[] b = (p == null ? "\u0000null" : p).getBytes(StandardCharsets.UTF_8);
            md.update((b.length + ":").getBytes(StandardCharsets.UTF_8));
            md.update(b);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** The image a step made before, or null. */
    String lookup(String key) throws SQLException {
        return db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT image_id FROM build_cache WHERE key = ?")) {
                ps.setString(1, key);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getString(1) : null;
                }
            }
        });
    }

    /** Records a step's result; {@code parentId} (null for scratch) is the image the step started from. */
    void record(String key, String imageId, String parentId) throws SQLException {
        db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO build_cache(key, image_id, created, parent_id) VALUES(?, ?, ?, ?) "
                    + "ON CONFLICT(key) DO UPDATE SET image_id = excluded.image_id, created = excluded.created, "
                    + "parent_id = excluded.parent_id")) {
                ps.setString(1, key);
                ps.setString(2, imageId);
                ps.setLong(3, System.currentTimeMillis());
                ps.setString(4, parentId);
                ps.executeUpdate();
            }
            return null;
        });
    }

    void forget(String key) throws SQLException {
        db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM build_cache WHERE key = ?")) {
                ps.setString(1, key);
                ps.executeUpdate();
            }
            return null;
        });
    }

    /**
     * Whether a build step started from this image: as with Docker's parent images, such an
     * intermediate image stays out of {@code docker images} and of dangling-image prunes.
     */
    public boolean hasChildren(String imageId) {
        try {
            return db.tx(c -> {
                try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM build_cache WHERE parent_id = ? LIMIT 1")) {
                    ps.setString(1, imageId);
                    try (ResultSet rs = ps.executeQuery()) {
                        return rs.next();
                    }
                }
            });
        } catch (SQLException e) {
            throw new IllegalStateException("metadata database error: " + e.getMessage(), e);
        }
    }

    /** One cache entry; {@code lastUsed} is null when no build used it since it was made. */
    record Entry(String key, String imageId, String parentId, long created, Long lastUsed, int usageCount) {}

    /** Every entry, newest first. */
    java.util.List<Entry> entries() throws SQLException {
        return db.tx(c -> {
            java.util.List<Entry> out = new java.util.ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT key, image_id, parent_id, created, last_used, usage_count "
                    + "FROM build_cache ORDER BY created DESC"); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long lu = rs.getLong(5);
                    Long lastUsed = rs.wasNull() ? null : lu;
                    out.add(new Entry(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4), lastUsed, rs.getInt(6)));
                }
            }
            return out;
        });
    }

    /** Notes that a build used these entries (one transaction per build, not one per step). */
    void touch(java.util.Collection<String> keys) throws SQLException {
        if (keys.isEmpty()) {
            return;
        }
        long now = System.currentTimeMillis();
        // bookkeeping for prune's order, not worth waiting for the disk: a crash loses the last uses at most
        db.txLazy(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE build_cache SET last_used = ?, usage_count = usage_count + 1 WHERE key = ?")) {
                for (String k : keys) {
                    ps.setLong(1, now);
                    ps.setString(2, k);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
    }

    /** Drops these entries (build prune). */
    void remove(java.util.Collection<String> keys) throws SQLException {
        db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM build_cache WHERE key = ?")) {
                for (String k : keys) {
                    ps.setString(1, k);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
    }
}
