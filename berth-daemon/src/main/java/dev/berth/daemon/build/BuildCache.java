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

    /** Drops every entry (build prune); returns the images they named. */
    java.util.Set<String> clear() throws SQLException {
        return db.tx(c -> {
            java.util.Set<String> ids = new java.util.LinkedHashSet<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT image_id FROM build_cache ORDER BY created DESC");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getString(1));
                }
            }
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM build_cache")) {
                ps.executeUpdate();
            }
            return ids;
        });
    }
}
