package dev.sessionctl.analysis;

import dev.sessionctl.model.Session;
import dev.sessionctl.model.SessionKind;
import dev.sessionctl.model.SessionRef;
import dev.sessionctl.model.SessionState;
import dev.sessionctl.model.Snapshot;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the wait-for graph of a snapshot and finds its root blockers, their trees and any cycles.
 *
 * <p>Edges come from {@link Session#blockedBy()}. Engines report "soft" edges in a queue: on a
 * lock convoy every waiter also waits on the waiters queued before it, so the graph has many
 * edges among waiters but only the session holding the lock waits for no one. Trees are built by
 * breadth-first search from each root, so every waiter hangs under the blocker that reaches it by
 * the shortest chain: on a convoy, all waiters sit directly under the one root.
 *
 * <p>A parallel worker is never a root: edges to it are redirected to its coordinator.
 * Everything is iterative and index-based: a 100k-long chain must not overflow the stack.
 */
public final class BlockingAnalyzer {

    private BlockingAnalyzer() {
    }

    public static BlockingReport analyze(Snapshot snapshot) {
        return new Graph(snapshot).report();
    }

    private static final class Graph {
        private final Snapshot snapshot;
        private final Instant now;
        private final Map<SessionRef, Integer> index;
        private final List<SessionRef> refs = new ArrayList<>();
        private final List<Session> sessions = new ArrayList<>(); // null for blockers missing from the snapshot
        private int[][] blockers;   // node -> nodes it waits for
        private int[][] waiters;    // node -> nodes waiting for it

        Graph(Snapshot snapshot) {
            this.snapshot = snapshot;
            this.now = snapshot.serverTime();
            this.index = new HashMap<>(snapshot.sessions().size() * 2);
            for (Session s : snapshot.sessions()) {
                node(s.ref(), s);
            }
            build();
        }

        private int node(SessionRef ref, Session s) {
            Integer i = index.get(ref);
            if (i != null) {
                if (s != null && sessions.get(i) == null) {
                    sessions.set(i, s);
                }
                return i;
            }
            index.put(ref, refs.size());
            refs.add(ref);
            sessions.add(s);
            return refs.size() - 1;
        }

        private void build() {
            int sessionCount = refs.size();
            List<int[]> out = new ArrayList<>(sessionCount);
            for (int i = 0; i < sessionCount; i++) {
                Session s = sessions.get(i);
                List<SessionRef> bs = s.blockedBy();
                int[] edges = new int[bs.size()];
                int n = 0;
                for (SessionRef b : bs) {
                    int j = node(coordinatorOf(b), null);
                    if (j != i && !contains(edges, n, j)) {
                        edges[n++] = j;
                    }
                }
                out.add(n == edges.length ? edges : Arrays.copyOf(edges, n));
            }
            int total = refs.size();
            blockers = new int[total][];
            int[] inDegree = new int[total];
            for (int i = 0; i < total; i++) {
                blockers[i] = i < sessionCount ? out.get(i) : new int[0];
                for (int j : blockers[i]) {
                    inDegree[j]++;
                }
            }
            waiters = new int[total][];
            for (int i = 0; i < total; i++) {
                waiters[i] = new int[inDegree[i]];
            }
            int[] fill = new int[total];
            for (int i = 0; i < total; i++) {
                for (int j : blockers[i]) {
                    waiters[j][fill[j]++] = i;
                }
            }
        }

        /** A blocker that is a parallel worker stands for its coordinator. */
        private SessionRef coordinatorOf(SessionRef ref) {
            Integer i = index.get(ref);
            if (i == null) {
                return ref;
            }
            Session s = sessions.get(i);
            return s != null && s.kind() == SessionKind.PARALLEL_WORKER && s.parent() != null ? s.parent() : ref;
        }

        private static boolean contains(int[] a, int n, int v) {
            for (int k = 0; k < n; k++) {
                if (a[k] == v) {
                    return true;
                }
            }
            return false;
        }

        BlockingReport report() {
            int total = refs.size();
            int waiting = 0;
            for (int i = 0; i < total; i++) {
                if (blockers[i].length > 0) {
                    waiting++;
                }
            }
            int[] stamp = new int[total];
            int[] parent = new int[total];
            int[] level = new int[total];
            boolean[] reachedFromRoot = new boolean[total];
            int[] queue = new int[total];
            List<BlockingReport.Root> roots = new ArrayList<>();
            int rootNo = 0;
            for (int r = 0; r < total; r++) {
                if (blockers[r].length != 0 || waiters[r].length == 0) {
                    continue;
                }
                rootNo++;
                roots.add(tree(r, rootNo, stamp, parent, level, reachedFromRoot, queue));
            }
            roots.sort(Comparator.comparingInt(BlockingReport.Root::totalBlocked).reversed()
                    .thenComparing(root -> root.longestWait() == null ? Duration.ZERO : root.longestWait(),
                            Comparator.reverseOrder())
                    .thenComparing(BlockingReport.Root::ref));
            return new BlockingReport(now, roots, deadlocks(reachedFromRoot), waiting);
        }

        /** Breadth-first from the root for levels and parents, then depth-first for display order. */
        private BlockingReport.Root tree(int root, int stampValue, int[] stamp, int[] parent, int[] level,
                                         boolean[] reached, int[] queue) {
            int head = 0;
            int tail = 0;
            queue[tail++] = root;
            stamp[root] = stampValue;
            level[root] = 0;
            int depth = 0;
            while (head < tail) {
                int n = queue[head++];
                for (int w : waiters[n]) {
                    if (stamp[w] != stampValue) {
                        stamp[w] = stampValue;
                        parent[w] = n;
                        level[w] = level[n] + 1;
                        depth = Math.max(depth, level[w]);
                        reached[w] = true;
                        queue[tail++] = w;
                    }
                }
            }
            // children lists in BFS order, then an explicit-stack preorder walk
            int count = tail - 1;
            Map<Integer, List<Integer>> children = new HashMap<>(count * 2);
            for (int q = 1; q < tail; q++) {
                children.computeIfAbsent(parent[queue[q]], k -> new ArrayList<>()).add(queue[q]);
            }
            List<BlockingReport.Waiter> list = new ArrayList<>(count);
            Duration longest = null;
            int[] stack = new int[Math.max(count, 1)];
            int sp = 0;
            List<Integer> top = children.getOrDefault(root, List.of());
            for (int k = top.size() - 1; k >= 0; k--) {
                stack[sp++] = top.get(k);
            }
            while (sp > 0) {
                int n = stack[--sp];
                Session s = sessions.get(n);
                Duration wait = waitOf(s);
                if (wait != null && (longest == null || wait.compareTo(longest) > 0)) {
                    longest = wait;
                }
                list.add(new BlockingReport.Waiter(s, refs.get(parent[n]), level[n], wait));
                List<Integer> kids = children.get(n);
                if (kids != null) {
                    for (int k = kids.size() - 1; k >= 0; k--) {
                        stack[sp++] = kids.get(k);
                    }
                }
            }
            Session rs = sessions.get(root);
            boolean iit = rs != null && rs.state() == SessionState.IDLE_IN_TRANSACTION;
            return new BlockingReport.Root(rs, refs.get(root), list, waiters[root].length, depth, longest, iit);
        }

        private Duration waitOf(Session s) {
            if (s == null) {
                return null;
            }
            Duration d = s.timeInState(now);
            return d != null ? d : s.queryAge(now);
        }

        /** Sessions that wait but no root reaches are stuck on a cycle: find the cycles (iterative Tarjan). */
        private List<BlockingReport.Deadlock> deadlocks(boolean[] reached) {
            int total = refs.size();
            int[] idx = new int[total];
            int[] low = new int[total];
            boolean[] onStack = new boolean[total];
            Arrays.fill(idx, -1);
            int[] sccOf = new int[total];
            Arrays.fill(sccOf, -1);
            int[] stack = new int[total];
            int sp = 0;
            int[] callNode = new int[total];
            int[] callEdge = new int[total];
            int counter = 0;
            int sccCount = 0;
            List<List<Integer>> cycles = new ArrayList<>();
            for (int start = 0; start < total; start++) {
                if (idx[start] != -1 || reached[start] || blockers[start].length == 0) {
                    continue;
                }
                int csp = 0;
                callNode[csp] = start;
                callEdge[csp++] = 0;
                idx[start] = low[start] = counter++;
                stack[sp++] = start;
                onStack[start] = true;
                while (csp > 0) {
                    int v = callNode[csp - 1];
                    int e = callEdge[csp - 1];
                    if (e < blockers[v].length) {
                        callEdge[csp - 1]++;
                        int w = blockers[v][e];
                        if (idx[w] == -1) {
                            idx[w] = low[w] = counter++;
                            stack[sp++] = w;
                            onStack[w] = true;
                            callNode[csp] = w;
                            callEdge[csp++] = 0;
                        } else if (onStack[w]) {
                            low[v] = Math.min(low[v], idx[w]);
                        }
                    } else {
                        csp--;
                        if (csp > 0) {
                            int u = callNode[csp - 1];
                            low[u] = Math.min(low[u], low[v]);
                        }
                        if (low[v] == idx[v]) {
                            List<Integer> comp = new ArrayList<>();
                            int w;
                            do {
                                w = stack[--sp];
                                onStack[w] = false;
                                sccOf[w] = sccCount;
                                comp.add(w);
                            } while (w != v);
                            sccCount++;
                            if (comp.size() > 1) {
                                cycles.add(comp);
                            }
                        }
                    }
                }
            }
            List<BlockingReport.Deadlock> result = new ArrayList<>();
            for (List<Integer> cycle : cycles) {
                boolean[] inCycle = new boolean[total];
                for (int n : cycle) {
                    inCycle[n] = true;
                }
                List<Session> members = new ArrayList<>();
                cycle.stream().sorted(Comparator.comparing(refs::get)).forEach(n -> members.add(sessions.get(n)));
                List<Session> behind = new ArrayList<>();
                boolean[] seen = inCycle.clone();
                int[] queue = new int[total];
                int head = 0;
                int tail = 0;
                for (int n : cycle) {
                    queue[tail++] = n;
                }
                while (head < tail) {
                    int n = queue[head++];
                    for (int w : waiters[n]) {
                        if (!seen[w]) {
                            seen[w] = true;
                            queue[tail++] = w;
                            behind.add(sessions.get(w));
                        }
                    }
                }
                result.add(new BlockingReport.Deadlock(members, behind));
            }
            return result;
        }
    }
}
