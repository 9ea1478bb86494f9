package dev.sessionctl.hostaccess;

import dev.sessionctl.kill.KillAction;
import dev.sessionctl.kill.KillOutcome;
import dev.sessionctl.kill.KillResult;
import dev.sessionctl.model.Engine;
import dev.sessionctl.model.Session;
import dev.sessionctl.model.SessionRef;
import dev.sessionctl.model.Snapshot;
import dev.sessionctl.target.DoctorReport;
import dev.sessionctl.target.TargetConnection;
import dev.sessionctl.target.TargetInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A target with host access: the dialect's actions plus OS_TERM (and OS_KILL where allowed), so
 * OS-level kills go through {@link dev.sessionctl.kill.SessionKiller} like any other action (guards,
 * audit, verification). Before signalling, the session is read again: same id, same incarnation,
 * same server process, or nothing is done.
 *
 * <p>PostgreSQL: OS_KILL (SIGKILL) is offered only with {@code allowPostgresSigkill}: a backend
 * killed by SIGKILL makes the postmaster end every other backend and run crash recovery.
 */
public final class HostAccessTarget implements TargetConnection {

    private final TargetConnection delegate;
    private final OsProcessKiller osKiller;
    private final boolean allowPostgresSigkill;

    public HostAccessTarget(TargetConnection delegate, OsProcessKiller osKiller, boolean allowPostgresSigkill) {
        this.delegate = delegate;
        this.osKiller = osKiller;
        this.allowPostgresSigkill = allowPostgresSigkill;
    }

    public TargetConnection delegate() {
        return delegate;
    }

    @Override
    public TargetInfo info() {
        return delegate.info();
    }

    @Override
    public Snapshot snapshot() {
        return delegate.snapshot();
    }

    @Override
    public Snapshot snapshot(Collection<SessionRef> only) {
        return delegate.snapshot(only);
    }

    @Override
    public Set<SessionRef> lockHolders(String table) {
        return delegate.lockHolders(table);
    }

    @Override
    public List<KillAction> supportedActions() {
        List<KillAction> actions = new ArrayList<>(delegate.supportedActions());
        Engine.Family family = info().engine().family();
        if (family != Engine.Family.MYSQL) {
            addIfMissing(actions, KillAction.OS_TERM);
            if (family != Engine.Family.POSTGRESQL || allowPostgresSigkill) {
                addIfMissing(actions, KillAction.OS_KILL);
            }
        }
        return List.copyOf(actions);
    }

    private static void addIfMissing(List<KillAction> actions, KillAction a) {
        if (!actions.contains(a)) {
            actions.add(a);
        }
    }

    @Override
    public String statementFor(KillAction action, Session victim) {
        return byHost(action) ? osKiller.describe(action, victim) : delegate.statementFor(action, victim);
    }

    /** OS-level actions the engine itself offers (Amazon RDS: rdsadmin kill method PROCESS) stay the engine's. */
    private boolean byHost(KillAction action) {
        return action.isOsLevel() && !delegate.supportedActions().contains(action);
    }

    @Override
    public KillResult execute(KillAction action, Session victim, Duration timeout) {
        if (!byHost(action)) {
            return delegate.execute(action, victim, timeout);
        }
        if (!supportedActions().contains(action)) {
            return KillResult.of(victim.key(), action, KillOutcome.FAILED, statementFor(action, victim),
                    action + " is not allowed on " + info().engine()
                            + (info().engine().family() == Engine.Family.POSTGRESQL
                            ? " unless configured (SIGKILL on a backend restarts every backend of the cluster)" : ""));
        }
        // identity re-check at the moment of the action: same incarnation and same server process
        Snapshot now = delegate.snapshot(List.of(victim.ref()));
        Optional<Session> cur = now.find(victim.ref());
        String stmt = statementFor(action, victim);
        if (cur.isEmpty()) {
            return KillResult.of(victim.key(), action, KillOutcome.ALREADY_GONE, stmt, "session is no longer listed");
        }
        if (!cur.get().key().incarnation().equals(victim.key().incarnation())
                || !java.util.Objects.equals(cur.get().serverProcess(), victim.serverProcess())) {
            return KillResult.of(victim.key(), action, KillOutcome.IDENTITY_CHANGED, stmt,
                    "session id " + victim.ref() + " now belongs to another session or process; nothing was signalled");
        }
        Snapshot full = delegate.snapshot();
        return osKiller.kill(action, cur.get(), full, timeout);
    }

    @Override
    public DoctorReport doctor() {
        return delegate.doctor();
    }

    @Override
    public Map<String, String> capabilities() {
        Map<String, String> c = new LinkedHashMap<>(delegate.capabilities());
        c.put("hostAccess", osKiller.host().host());
        return c;
    }

    @Override
    public void close() {
        try {
            delegate.close();
        } finally {
            osKiller.host().close();
        }
    }
}
