package dev.sessionctl.http;

import dev.sessionctl.target.TargetConnection;
import dev.sessionctl.target.TargetException;
import dev.sessionctl.target.TargetSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * The server's own (DBA) connection to each configured target, opened on first use with the
 * credentials of the targets file. A {@link TargetConnection} serves one caller at a time, so each
 * target has a lock; a connection that failed with a lost or unreachable server is dropped and
 * reopened by the next request.
 */
public final class TargetPool implements AutoCloseable {

    /** Opens a connection for a spec: {@code DialectRegistry.load()::connect} in production. */
    public interface Connector {
        TargetConnection connect(TargetSpec spec);
    }

    private final Map<String, TargetSpec> specs;
    private final Connector connector;
    private final Map<String, ReentrantLock> locks = new LinkedHashMap<>();
    private final Map<String, TargetConnection> open = new LinkedHashMap<>();

    public TargetPool(Map<String, TargetSpec> specs, Connector connector) {
        this.specs = new LinkedHashMap<>(specs);
        this.connector = connector;
        for (String name : specs.keySet()) {
            locks.put(name, new ReentrantLock());
        }
    }

    public List<String> names() {
        return List.copyOf(specs.keySet());
    }

    public Connector connector() {
        return connector;
    }

    /** The spec of a known target; 404 naming the known ones otherwise. */
    public TargetSpec spec(String name) {
        TargetSpec s = specs.get(name);
        if (s == null) {
            throw ApiException.notFound("unknown-target", "unknown target '" + name + "'; known targets: "
                    + String.join(", ", specs.keySet()));
        }
        return s;
    }

    /** Runs {@code work} on the target's DBA connection, holding the target's lock. */
    public <T> T with(String name, Function<TargetConnection, T> work) {
        TargetSpec spec = spec(name);
        ReentrantLock lock = locks.get(name);
        lock.lock();
        try {
            TargetConnection c = open.get(name);
            if (c == null) {
                c = connector.connect(spec);
                open.put(name, c);
            }
            try {
                return work.apply(c);
            } catch (TargetException e) {
                if (e.kind() == TargetException.Kind.CONNECTION_LOST || e.kind() == TargetException.Kind.UNREACHABLE) {
                    open.remove(name);
                    closeQuietly(c);
                }
                throw e;
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        for (String name : List.copyOf(open.keySet())) {
            ReentrantLock lock = locks.get(name);
            lock.lock();
            try {
                TargetConnection c = open.remove(name);
                if (c != null) {
                    closeQuietly(c);
                }
            } finally {
                lock.unlock();
            }
        }
    }

    private static void closeQuietly(TargetConnection c) {
        try {
            c.close();
        } catch (RuntimeException ignored) {
            // closing a broken connection: nothing more to do
        }
    }
}
