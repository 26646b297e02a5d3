package dev.berth.daemon.store;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The daemon's metadata: one SQLite database in the data root. Every change is one transaction,
 * so a crash at any moment leaves either the old or the new state. Each domain owns its tables
 * and creates them with {@link #migrate}.
 */
public final class MetadataDb implements AutoCloseable {
    /** Work done inside one transaction. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    private final Connection conn;
    /**
     * A second connection to the same file whose commits skip the fsync (SQLite cannot change that
     * inside the transaction the driver keeps open); writes on both go one at a time under {@link #lock},
     * and a durable commit's fsync of the shared write-ahead log covers the lazy ones before it.
     */
    private final Connection lazyConn;
    private final StatementCache statements;
    private final StatementCache lazyStatements;
    private final ReentrantLock lock = new ReentrantLock();

    /**
     * Has the SQLite driver unpack its native library in {@code dir} rather than in /tmp, unless the
     * {@code org.sqlite.tmpdir} property says where. The driver removes its copy when the JVM exits
     * normally; a daemon killed with SIGKILL left one in /tmp each time, and here the next start,
     * the only user of its data root, removes them. Call before the first connection.
     */
    public static void nativeLibraryIn(Path dir) throws java.io.IOException {
        if (System.getProperty("org.sqlite.tmpdir") != null) {
            return;
        }
        if (Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            dev.berth.oci.LayerArchive.removeTree(dir);
        }
        Files.createDirectories(dir);
        System.setProperty("org.sqlite.tmpdir", dir.toString());
    }

    public MetadataDb(Path file) throws SQLException {
        try {
            Files.createDirectories(file.getParent());
        } catch (java.io.IOException e) {
            throw new SQLException("cannot create " + file.getParent(), e);
        }
        conn = DriverManager.getConnection("jdbc:sqlite:" + file);
        try (Statement s = conn.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
            s.execute("PRAGMA synchronous=FULL");
            s.execute("PRAGMA foreign_keys=ON");
            s.execute("PRAGMA busy_timeout=5000");
            s.execute("CREATE TABLE IF NOT EXISTS schema_versions (component TEXT PRIMARY KEY, version INTEGER NOT NULL)");
        }
        conn.setAutoCommit(false);
        conn.commit();
        lazyConn = DriverManager.getConnection("jdbc:sqlite:" + file);
        try (Statement s = lazyConn.createStatement()) {
            s.execute("PRAGMA synchronous=NORMAL");
            s.execute("PRAGMA foreign_keys=ON");
            s.execute("PRAGMA busy_timeout=5000");
        }
        lazyConn.setAutoCommit(false);
        lazyConn.commit();
        statements = new StatementCache(conn);
        lazyStatements = new StatementCache(lazyConn);
    }

    /**
     * Brings {@code component}'s tables to {@code steps.length}: step i (0-based) runs once, when
     * the stored version is i. Add new steps at the end; never edit a released one.
     */
    public void migrate(String component, String... steps) throws SQLException {
        tx(c -> {
            int current = 0;
            try (PreparedStatement ps = c.prepareStatement("SELECT version FROM schema_versions WHERE component = ?")) {
                ps.setString(1, component);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        current = rs.getInt(1);
                    }
                }
            }
            for (int i = current; i < steps.length; i++) {
                try (Statement s = c.createStatement()) {
                    for (String sql : steps[i].split(";\\s*\n")) {
                        if (!sql.isBlank()) {
                            s.execute(sql);
                        }
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO schema_versions(component, version) VALUES(?, ?) "
                            + "ON CONFLICT(component) DO UPDATE SET version = excluded.version")) {
                ps.setString(1, component);
                ps.setInt(2, steps.length);
                ps.executeUpdate();
            }
            return null;
        });
    }

    /** Runs {@code work} in one transaction: committed if it returns, rolled back if it throws. */
    public <T> T tx(Work<T> work) throws SQLException {
        return tx(conn, statements, work);
    }

    /**
     * Like {@link #tx}, but the commit does not wait for the disk (no fsync): atomic as ever, and
     * durable once a later {@link #tx} commits or SQLite checkpoints, but lost (whole, never half)
     * if the machine goes down first. For changes a restart re-derives or redoes anyway, such as a
     * container's running state, which berthd reconciles with its monitor at start.
     */
    public <T> T txLazy(Work<T> work) throws SQLException {
        return tx(lazyConn, lazyStatements, work);
    }

    private <T> T tx(Connection c, StatementCache kept, Work<T> work) throws SQLException {
        lock.lock();
        try {
            try {
                T result = work.run(kept.connection());
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() throws SQLException {
        lock.lock();
        try {
            lazyStatements.clear();
            statements.clear();
            lazyConn.close();
            conn.close();
        } finally {
            lock.unlock();
        }
    }
}
