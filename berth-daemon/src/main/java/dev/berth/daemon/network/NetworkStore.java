package dev.berth.daemon.network;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.daemon.store.MetadataDb;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Networks and endpoints in the metadata database. The unique index on (network, address) is the
 * address allocator's guarantee: two containers never hold one address, even across a crash.
 */
final class NetworkStore {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private final MetadataDb db;

    NetworkStore(MetadataDb db) throws SQLException {
        this.db = db;
        db.migrate("network", """
                CREATE TABLE networks (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, record TEXT NOT NULL);
                CREATE TABLE net_endpoints (container_id TEXT NOT NULL, network_id TEXT NOT NULL REFERENCES networks(id),
                    ip TEXT, record TEXT NOT NULL, PRIMARY KEY (container_id, network_id), UNIQUE (network_id, ip))
                """);
    }

    MetadataDb db() {
        return db;
    }

    List<NetworkRecord> networks() throws SQLException {
        return db.tx(c -> {
            List<NetworkRecord> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT record FROM networks ORDER BY rowid");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(read(rs.getString(1), NetworkRecord.class));
                }
            }
            return out;
        });
    }

    void insert(NetworkRecord n) throws SQLException {
        db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO networks(id, name, record) VALUES (?, ?, ?)")) {
                ps.setString(1, n.id());
                ps.setString(2, n.name());
                ps.setString(3, write(n));
                ps.executeUpdate();
            }
            return null;
        });
    }

    void update(NetworkRecord n) throws SQLException {
        db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE networks SET name = ?, record = ? WHERE id = ?")) {
                ps.setString(1, n.name());
                ps.setString(2, write(n));
                ps.setString(3, n.id());
                ps.executeUpdate();
            }
            return null;
        });
    }

    /** Removes the network unless an endpoint still refers to it; false if one does. */
    boolean delete(String networkId) throws SQLException {
        return db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM net_endpoints WHERE network_id = ? LIMIT 1")) {
                ps.setString(1, networkId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        return false;
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM networks WHERE id = ?")) {
                ps.setString(1, networkId);
                ps.executeUpdate();
            }
            return true;
        });
    }

    List<Endpoint> endpoints() throws SQLException {
        return db.tx(c -> {
            List<Endpoint> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT record FROM net_endpoints ORDER BY rowid");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(read(rs.getString(1), Endpoint.class));
                }
            }
            return out;
        });
    }

    /** Inserts or replaces {@code e}; false if its address is taken in its network. */
    boolean put(Endpoint e) throws SQLException {
        return db.tx(c -> put(c, e));
    }

    /** All of a container's endpoints in one transaction: all stored, or none (an address was taken). */
    boolean putAll(List<Endpoint> eps) throws SQLException {
        return db.tx(c -> {
            for (Endpoint e : eps) {
                if (!put(c, e)) {
                    c.rollback();
                    return false;
                }
            }
            return true;
        });
    }

    private static boolean put(Connection c, Endpoint e) throws SQLException {
        if (e.ip() != null) {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT container_id FROM net_endpoints WHERE network_id = ? AND ip = ? AND container_id <> ?")) {
                ps.setString(1, e.networkId());
                ps.setString(2, e.ip());
                ps.setString(3, e.containerId());
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        return false;
                    }
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO net_endpoints(container_id, network_id, ip, record) "
                + "VALUES (?, ?, ?, ?) ON CONFLICT(container_id, network_id) DO UPDATE SET ip = excluded.ip, record = excluded.record")) {
            ps.setString(1, e.containerId());
            ps.setString(2, e.networkId());
            ps.setString(3, e.ip());
            ps.setString(4, write(e));
            ps.executeUpdate();
        }
        return true;
    }

    void deleteEndpoint(String containerId, String networkId) throws SQLException {
        db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM net_endpoints WHERE container_id = ? AND network_id = ?")) {
                ps.setString(1, containerId);
                ps.setString(2, networkId);
                ps.executeUpdate();
            }
            return null;
        });
    }

    void deleteEndpoints(String containerId) throws SQLException {
        db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM net_endpoints WHERE container_id = ?")) {
                ps.setString(1, containerId);
                ps.executeUpdate();
            }
            return null;
        });
    }

    static String write(Object o) {
        try {
            return MAPPER.writeValueAsString(o);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static <T> T read(String s, Class<T> type) {
        try {
            return MAPPER.readValue(s, type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
