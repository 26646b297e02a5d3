package dev.berth.daemon.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetadataDbTest {
    @TempDir
    Path dir;

    private static void put(java.sql.Connection c, String k) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO kv(k) VALUES(?)")) {
            ps.setString(1, k);
            ps.executeUpdate();
        }
    }

    private static List<String> keys(MetadataDb db) throws SQLException {
        return db.tx(c -> {
            List<String> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT k FROM kv ORDER BY k"); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        });
    }

    @Test
    void lazyAndDurableCommitsSeeEachOtherAndSurviveReopening() throws SQLException {
        Path file = dir.resolve("meta.db");
        try (MetadataDb db = new MetadataDb(file)) {
            db.migrate("kv", "CREATE TABLE kv (k TEXT PRIMARY KEY)");
            db.tx(c -> {
                put(c, "a");
                return null;
            });
            db.txLazy(c -> {
                put(c, "b");
                return null;
            });
            assertEquals(List.of("a", "b"), keys(db));
            // the lazy connection reads what the durable one wrote after it
            db.tx(c -> {
                put(c, "c");
                return null;
            });
            assertEquals(Integer.valueOf(3), db.<Integer>txLazy(c -> {
                try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM kv"); ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getInt(1);
                }
            }));
        }
        try (MetadataDb db = new MetadataDb(file)) {
            assertEquals(List.of("a", "b", "c"), keys(db));
        }
    }

    @Test
    void aFailedLazyTransactionLeavesNothing() throws SQLException {
        try (MetadataDb db = new MetadataDb(dir.resolve("meta.db"))) {
            db.migrate("kv", "CREATE TABLE kv (k TEXT PRIMARY KEY)");
            assertThrows(SQLException.class, () -> db.txLazy(c -> {
                put(c, "x");
                put(c, "x"); // primary key clash
                return null;
            }));
            assertEquals(List.of(), keys(db));
            db.txLazy(c -> {
                put(c, "x");
                return null;
            });
            assertEquals(List.of("x"), keys(db));
        }
    }
}
