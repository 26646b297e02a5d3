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

    @Test
    void aStatementIsPreparedOnceAndTheSameSqlWhileItIsOpenGetsItsOwn() throws SQLException {
        try (MetadataDb db = new MetadataDb(dir.resolve("meta.db"))) {
            db.migrate("kv", "CREATE TABLE kv (k TEXT PRIMARY KEY)");
            db.tx(c -> {
                for (String k : List.of("a", "b", "c")) {
                    put(c, k);
                }
                return null;
            });
            String sql = "SELECT k FROM kv WHERE k >= ? ORDER BY k";
            java.util.Set<Integer> seen = new java.util.HashSet<>();
            List<String> pairs = db.tx(c -> {
                List<String> out = new ArrayList<>();
                try (PreparedStatement outer = c.prepareStatement(sql)) {
                    outer.setString(1, "b");
                    try (ResultSet rs = outer.executeQuery()) {
                        while (rs.next()) {
                            // the same SQL again while the outer one iterates: a separate statement, the outer cursor intact
                            try (PreparedStatement inner = c.prepareStatement(sql)) {
                                seen.add(System.identityHashCode(inner));
                                inner.setString(1, "a");
                                try (ResultSet all = inner.executeQuery()) {
                                    int n = 0;
                                    while (all.next()) {
                                        n++;
                                    }
                                    out.add(rs.getString(1) + n);
                                }
                            }
                        }
                    }
                    seen.add(System.identityHashCode(outer));
                }
                return out;
            });
            assertEquals(List.of("b3", "c3"), pairs);
            PreparedStatement[] kept = new PreparedStatement[2];
            for (int i = 0; i < 2; i++) {
                int round = i;
                assertEquals(List.of("c"), db.tx(c -> {
                    List<String> out = new ArrayList<>();
                    try (PreparedStatement ps = c.prepareStatement(sql)) {
                        kept[round] = ps;
                        ps.setString(1, "c");
                        try (ResultSet rs = ps.executeQuery()) {
                            while (rs.next()) {
                                out.add(rs.getString(1));
                            }
                        }
                    }
                    return out;
                }));
            }
            org.junit.jupiter.api.Assertions.assertSame(kept[0], kept[1], "the statement is kept between transactions");
            org.junit.jupiter.api.Assertions.assertTrue(kept[0].isClosed(), "closed for its last user");
            assertThrows(SQLException.class, () -> kept[0].executeQuery(), "a closed view cannot be used");
            // a kept statement comes back without the last user's parameters: unbound is NULL, which matches nothing
            assertEquals(Boolean.FALSE, db.tx(c -> {
                try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
                    return rs.next();
                }
            }));
            assertEquals(List.of("a", "b", "c"), keys(db));
        }
    }
}
