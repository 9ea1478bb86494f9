package dev.sessionctl.testing;

import dev.sessionctl.hostaccess.HostAccess;
import dev.sessionctl.hostaccess.ProcessInfo;
import dev.sessionctl.hostaccess.Signal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;

/**
 * TEST DOUBLE: a database host that cannot run here (an Oracle server's processes). Holds a
 * process table; a signal is recorded and handed to a scripted reaction that decides whether the
 * process dies (and what the database then does).
 */
public final class FakeHostAccess implements HostAccess {

    private final Map<Long, ProcessInfo> processes = new HashMap<>();
    private final Map<String, Integer> users = new HashMap<>();
    private final List<String> signals = new ArrayList<>();
    private BiFunction<Long, Signal, Boolean> onSignal = (pid, sig) -> true;

    public FakeHostAccess process(ProcessInfo p) {
        processes.put(p.pid(), p);
        return this;
    }

    public FakeHostAccess user(String name, int uid) {
        users.put(name, uid);
        return this;
    }

    /** Decides whether the process dies on this signal (true: it is removed). */
    public FakeHostAccess onSignal(BiFunction<Long, Signal, Boolean> reaction) {
        onSignal = reaction;
        return this;
    }

    /** "TERM 4242", "KILL 4242" in order. */
    public List<String> signals() {
        return List.copyOf(signals);
    }

    @Override
    public String host() {
        return "fake-db-host";
    }

    @Override
    public Optional<ProcessInfo> process(long pid) {
        return Optional.ofNullable(processes.get(pid));
    }

    @Override
    public Optional<Integer> uidOf(String userName) {
        return Optional.ofNullable(users.get(userName));
    }

    @Override
    public void signal(long pid, Signal signal) {
        signals.add(signal.name() + " " + pid);
        if (processes.containsKey(pid) && onSignal.apply(pid, signal)) {
            processes.remove(pid);
        }
    }
}
