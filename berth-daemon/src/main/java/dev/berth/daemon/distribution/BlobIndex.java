package dev.berth.daemon.distribution;

import dev.berth.daemon.store.MetadataDb;
import dev.berth.oci.Digest;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What berthd knows about layer blobs: which stored blob (compressed as the registry had it)
 * holds a layer's DiffID, and which repositories a blob came from (for cross-repository mounts
 * on push). Rows are written in the same transaction as the image they came with.
 */
public final class BlobIndex {
    /** A layer blob: its digest, media type and size. */
    public record LayerBlob(Digest digest, String mediaType, long size) {}

    private final MetadataDb db;

    public BlobIndex(MetadataDb db) throws SQLException {
        this.db = db;
        db.migrate("distribution", """
                CREATE TABLE layer_blobs (diff_id TEXT NOT NULL, digest TEXT NOT NULL, media_type TEXT NOT NULL, size INTEGER NOT NULL, PRIMARY KEY (diff_id, digest));
                CREATE TABLE blob_sources (digest TEXT NOT NULL, repo TEXT NOT NULL, PRIMARY KEY (digest, repo))
                """);
    }

    /** Inside a transaction: {@code blob} holds the layer {@code diffId}. */
    public void recordLayer(Connection c, String diffId, LayerBlob blob) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT OR REPLACE INTO layer_blobs(diff_id, digest, media_type, size) VALUES(?, ?, ?, ?)")) {
            ps.setString(1, diffId);
            ps.setString(2, blob.digest().toString());
            ps.setString(3, blob.mediaType());
            ps.setLong(4, blob.size());
            ps.executeUpdate();
        }
    }

    /** Inside a transaction: {@code blob} is in repository {@code repo} (fully qualified name). */
    public void recordSource(Connection c, Digest blob, String repo) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT OR IGNORE INTO blob_sources(digest, repo) VALUES(?, ?)")) {
            ps.setString(1, blob.toString());
            ps.setString(2, repo);
            ps.executeUpdate();
        }
    }

    /** Records in a transaction of its own that these blobs are in {@code repo}. */
    public void recordSources(List<Digest> blobs, String repo) throws SQLException {
        db.tx(c -> {
            for (Digest d : blobs) {
                recordSource(c, d, repo);
            }
            return null;
        });
    }

    /**
     * Forgets the archives of layers no longer stored and returns their digests, for the caller
     * to delete from the content store.
     */
    public List<Digest> collect() throws SQLException {
        return db.tx(c -> {
            List<Digest> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT DISTINCT digest FROM layer_blobs WHERE diff_id NOT IN (SELECT diff_id FROM layers)");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(Digest.parse(rs.getString(1)));
                }
            }
            try (PreparedStatement del = c.prepareStatement("DELETE FROM layer_blobs WHERE digest = ?");
                 PreparedStatement src = c.prepareStatement("DELETE FROM blob_sources WHERE digest = ?")) {
                for (Digest d : out) {
                    del.setString(1, d.toString());
                    del.executeUpdate();
                    src.setString(1, d.toString());
                    src.executeUpdate();
                }
            }
            return out;
        });
    }

    /** Every blob a stored image needs: image configs (image IDs) and the archives of stored layers. */
    public Set<Digest> liveBlobs() throws SQLException {
        return db.tx(c -> {
            Set<Digest> out = new HashSet<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT digest FROM layer_blobs UNION SELECT id FROM images");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(Digest.parse(rs.getString(1)));
                }
            }
            return out;
        });
    }

    /** The blobs known to hold {@code diffId}, compressed ones first. */
    public List<LayerBlob> blobsOf(String diffId) throws SQLException {
        return db.tx(c -> {
            List<LayerBlob> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT digest, media_type, size FROM layer_blobs WHERE diff_id = ? ORDER BY (digest = diff_id), digest")) {
                ps.setString(1, diffId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new LayerBlob(Digest.parse(rs.getString(1)), rs.getString(2), rs.getLong(3)));
                    }
                }
            }
            return out;
        });
    }

    /** The repositories {@code blob} is known to be in. */
    public List<String> sourcesOf(Digest blob) throws SQLException {
        return db.tx(c -> {
            List<String> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT repo FROM blob_sources WHERE digest = ? ORDER BY repo")) {
                ps.setString(1, blob.toString());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(rs.getString(1));
                    }
                }
            }
            return out;
        });
    }
}
