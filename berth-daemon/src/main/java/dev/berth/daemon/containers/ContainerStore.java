package dev.berth.daemon.containers;

import dev.berth.daemon.api.Json;
import dev.berth.daemon.store.MetadataDb;

import java.io.IOException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** Container records in the metadata database: one row per container, the record as JSON. */
final class ContainerStore {
    private final MetadataDb db;
    private final Json json;

    ContainerStore(MetadataDb db, Json json) throws SQLException {
        this.db = db;
        this.json = json;
        db.migrate("containers",
                "CREATE TABLE containers (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, image TEXT NOT NULL, "
                        + "created TEXT NOT NULL, data TEXT NOT NULL)");
    }

    List<ContainerRecord> loadAll() throws SQLException {
        return db.tx(c -> {
            List<ContainerRecord> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT data FROM containers ORDER BY created");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(decode(rs.getString(1)));
                }
            }
            return out;
        });
    }

    /**
     * {@code lazy} skips the wait for the disk: for {@code --rm} containers, which, as in Podman,
     * need not outlive a crash of the machine (a lost insert leaves only files behind).
     */
    void insert(ContainerRecord r, boolean lazy) throws SQLException {
        MetadataDb.Work<Void> w = c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO containers(id, name, image, created, data) VALUES(?, ?, ?, ?, ?)")) {
                ps.setString(1, r.id());
                ps.setString(2, r.name());
                ps.setString(3, r.image());
                ps.setString(4, r.created());
                ps.setString(5, json.writeString(r));
                ps.executeUpdate();
            }
            return null;
        };
        if (lazy) {
            db.txLazy(w);
        } else {
            db.tx(w);
        }
    }

    /**
     * {@code lazy} skips the wait for the disk: for state changes (started, exited, restarting),
     * which berthd re-derives at start from the container's monitor; what a user asked for (a
     * name, a stop, a new host config) stays durable.
     */
    void update(ContainerRecord r, boolean lazy) throws SQLException {
        MetadataDb.Work<Void> w = c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE containers SET name = ?, data = ? WHERE id = ?")) {
                ps.setString(1, r.name());
                ps.setString(2, json.writeString(r));
                ps.setString(3, r.id());
                ps.executeUpdate();
            }
            return null;
        };
        if (lazy) {
            db.txLazy(w);
        } else {
            db.tx(w);
        }
    }

    /** {@code lazy} for {@code --rm} containers: a lost delete brings back an exited one, which start removes again. */
    void delete(String id, boolean lazy) throws SQLException {
        MetadataDb.Work<Void> w = c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM containers WHERE id = ?")) {
                ps.setString(1, id);
                ps.executeUpdate();
            }
            return null;
        };
        if (lazy) {
            db.txLazy(w);
        } else {
            db.tx(w);
        }
    }

    private ContainerRecord decode(String data) throws SQLException {
        try {
            return json.mapper().readValue(data, ContainerRecord.class);
        } catch (IOException e) {
            throw new SQLException("corrupt container record", e);
        }
    }
}
