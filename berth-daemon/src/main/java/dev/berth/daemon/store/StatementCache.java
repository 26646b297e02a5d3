package dev.berth.daemon.store;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One connection's prepared statements, kept for reuse. SQLite compiles a statement in tens of
 * microseconds, and a fully cached build ran about a hundred small queries, each prepared anew; so
 * {@link #connection()} hands work a view of the connection whose {@code prepareStatement(sql)}
 * returns a kept statement, and whose statements' {@code close()} only clears their parameters. A
 * statement still open (a caller iterating its results while preparing the same SQL again) is never
 * handed out twice: the second caller gets a fresh one, closed as usual. Not thread-safe: the
 * database's lock serialises every use of a connection.
 */
final class StatementCache {
    /** Distinct statements kept; the daemon's queries are a fixed set of a few dozen. */
    private static final int MAX = 128;

    private final Connection conn;
    private final Connection view;
    private final Map<String, Kept> kept = new LinkedHashMap<>(32, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Kept> eldest) {
            if (size() <= MAX) {
                return false;
            }
            eldest.getValue().discard();
            return true;
        }
    };

    StatementCache(Connection conn) {
        this.conn = conn;
        this.view = (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
                this::onConnection);
    }

    /** The connection as work sees it. */
    Connection connection() {
        return view;
    }

    /** Closes every kept statement (before the connection closes). */
    void clear() {
        kept.values().forEach(Kept::discard);
        kept.clear();
    }

    private Object onConnection(Object proxy, Method m, Object[] args) throws Throwable {
        if (m.getName().equals("prepareStatement") && args != null && args.length == 1) {
            String sql = (String) args[0];
            Kept k = kept.get(sql);
            if (k == null) {
                k = new Kept(conn.prepareStatement(sql));
                kept.put(sql, k);
            } else if (k.open) {
                return conn.prepareStatement(sql); // the kept one is still in use further up the stack
            }
            k.open = true;
            return k.view;
        }
        return invoke(conn, m, args);
    }

    private static Object invoke(Object target, Method m, Object[] args) throws Throwable {
        try {
            return m.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /** A kept statement and the view handed out, whose close only makes it available again. */
    private static final class Kept implements InvocationHandler {
        private final PreparedStatement statement;
        private final PreparedStatement view;
        private boolean open;
        private java.sql.ResultSet results; // the last query's, closed with the view as a real close would

        Kept(PreparedStatement statement) {
            this.statement = statement;
            this.view = (PreparedStatement) Proxy.newProxyInstance(PreparedStatement.class.getClassLoader(),
                    new Class<?>[] {PreparedStatement.class}, this);
        }

        @Override
        public Object invoke(Object proxy, Method m, Object[] args) throws Throwable {
            switch (m.getName()) {
                case "close" -> {
                    if (open) {
                        open = false;
                        if (results != null) {
                            results.close();
                            results = null;
                        }
                        statement.clearParameters();
                        statement.clearBatch();
                    }
                    return null;
                }
                case "isClosed" -> {
                    return !open;
                }
                default -> {
                    if (!open) {
                        throw new SQLException("statement is closed");
                    }
                    Object r = StatementCache.invoke(statement, m, args);
                    if (r instanceof java.sql.ResultSet rs) {
                        results = rs;
                    }
                    return r;
                }
            }
        }

        void discard() {
            try {
                statement.close();
            } catch (SQLException ignored) {
                // the connection is closing or the statement is already gone
            }
        }
    }
}
