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
import java.util.List;

/**
 * Builds the wait-for graph of a snapshot and finds its root blockers, their trees and any cycles.
 *
 * <p>Edges come from {@link Session#blockedBy()}. Engines report "soft" edges in a queue: on a
 * lock convoy every waiter also waits on the waiters queued before it, so the graph has many
 * edges among waiters but only the session holding the lock waits for no one. Trees are built by
 * breadth-first search from each root, so every waiter hangs under the blocker that reaches it by
 * the shortest chain: on a convoy, all waiters sit directly under the one root.
 *
 * <p>A parallel worker is never a root: edges to it are redirected to its coordinator, and the
 * coordinator waits for whatever its workers wait for. Every wait-for cycle is reported as a deadlock.
 * Everything is iterative and index-based: a 100k-long chain must not overflow the stack.
 */
public final class BlockingAnalyzer {

    private BlockingAnalyzer() {
    }

    public static BlockingReport analyze(Snapshot snapshot) {
        return new Graph(snapshot).report();
    }

    private static final class Graph {
        private final Instant now;
        private final RefIndex index;
        private final List<SessionRef> refs = new ArrayList<>();
        private final List<Session> sessions = new ArrayList<>(); // null for blockers missing from the snapshot
        private int[][] blockers;   // node -> nodes it waits for
        private int[][] waiters;    // node -> nodes waiting for it

        Graph(Snapshot snapshot) {
            this.now = snapshot.serverTime();
            this.index = new RefIndex(snapshot.sessions().size());
            for (Session s : snapshot.sessions()) {
                node(s.ref(), s);
            }
            build();
        }

        private int node(SessionRef ref, Session s) {
            int i = index.get(ref);
            if (i >= 0) {
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
            // pass 1: resolve every edge to a node index (this adds blockers missing from the snapshot)
            int[] edgeStart = new int[sessionCount + 1];
            int edgeCount = 0;
            for (int i = 0; i < sessionCount; i++) {
                edgeStart[i] = edgeCount;
                edgeCount += sessions.get(i).blockedBy().size();
            }
            edgeStart[sessionCount] = edgeCount;
            int[] target = new int[edgeCount];
            for (int i = 0, e = 0; i < sessionCount; i++) {
                for (SessionRef b : sessions.get(i).blockedBy()) {
                    target[e++] = blockerNode(b);
                }
            }
            // pass 2: drop self-edges and duplicates. A stamp array, not a scan of the edges kept so
            // far: a pg_blocking_pids convoy gives waiter k about k edges, which a scan makes cubic.
            int total = refs.size();
            int[] mark = new int[total];
            blockers = new int[total][];
            for (int i = 0; i < total; i++) {
                if (i >= sessionCount) {
                    blockers[i] = new int[0];
                    continue;
                }
                int[] edges = new int[edgeStart[i + 1] - edgeStart[i]];
                int n = 0;
                for (int e = edgeStart[i]; e < edgeStart[i + 1]; e++) {
                    int j = target[e];
                    if (j != i && mark[j] != i + 1) {
                        mark[j] = i + 1;
                        edges[n++] = j;
                    }
                }
                blockers[i] = n == edges.length ? edges : Arrays.copyOf(edges, n);
            }
            liftWorkerWaits(sessionCount);
            int[] inDegree = new int[total];
            for (int i = 0; i < total; i++) {
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

        /**
         * Waits on a parallel worker are redirected to its coordinator, so the coordinator must also
         * wait for whatever its workers wait for: otherwise a coordinator whose worker is stuck
         * behind another session would be reported as a root blocker.
         */
        private void liftWorkerWaits(int sessionCount) {
            int[] mark = null;
            for (int i = 0; i < sessionCount; i++) {
                Session s = sessions.get(i);
                if (s.kind() != SessionKind.PARALLEL_WORKER || s.parent() == null || blockers[i].length == 0) {
                    continue;
                }
                int p = index.get(s.parent());
                if (p < 0 || p >= sessionCount || p == i) {
                    continue; // a coordinator missing from the snapshot stays a root without session
                }
                if (mark == null) {
                    mark = new int[refs.size()];
                }
                int[] own = blockers[p];
                for (int j : own) {
                    mark[j] = i + 1;
                }
                int[] merged = Arrays.copyOf(own, own.length + blockers[i].length);
                int n = own.length;
                for (int j : blockers[i]) {
                    if (j != p && mark[j] != i + 1) {
                        mark[j] = i + 1;
                        merged[n++] = j;
                    }
                }
                blockers[p] = Arrays.copyOf(merged, n);
            }
        }

        /** The node a wait on {@code ref} points to: a parallel worker stands for its coordinator. One lookup per edge. */
        private int blockerNode(SessionRef ref) {
            int i = index.get(ref);
            if (i < 0) {
                return node(ref, null);
            }
            Session s = sessions.get(i);
            return s != null && s.kind() == SessionKind.PARALLEL_WORKER && s.parent() != null ? node(s.parent(), null) : i;
        }

        BlockingReport report() {
            int total = refs.size();
            int waiting = 0;
            for (int i = 0; i < total; i++) {
                if (blockers[i].length > 0) {
                    waiting++;
                }
            }
            Walk walk = new Walk(total);
            List<BlockingReport.Root> roots = new ArrayList<>();
            for (int r = 0; r < total; r++) {
                if (blockers[r].length == 0 && waiters[r].length > 0) {
                    roots.add(tree(r, walk));
                }
            }
            roots.sort(Comparator.comparingInt(BlockingReport.Root::totalBlocked).reversed()
                    .thenComparing(root -> root.longestWait() == null ? Duration.ZERO : root.longestWait(),
                            Comparator.reverseOrder())
                    .thenComparing(BlockingReport.Root::ref));
            return new BlockingReport(now, roots, deadlocks(walk), waiting);
        }

        /** Work arrays shared by every tree walk, so a report allocates them once, not once per root. */
        private static final class Walk {
            final int[] stamp;
            int stampValue;
            final int[] parent;
            final int[] level;
            final int[] queue;
            final int[] stack;
            final int[] firstChild;
            final int[] nextSibling;

            Walk(int total) {
                stamp = new int[total];
                parent = new int[total];
                level = new int[total];
                queue = new int[total];
                stack = new int[total];
                firstChild = new int[total];
                nextSibling = new int[total];
            }
        }

        /** Breadth-first from the root for levels and parents, then depth-first for display order. */
        private BlockingReport.Root tree(int root, Walk walk) {
            int[] stamp = walk.stamp;
            int[] parent = walk.parent;
            int[] level = walk.level;
            int[] queue = walk.queue;
            int stampValue = ++walk.stampValue;
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
                        queue[tail++] = w;
                    }
                }
            }
            // children as linked lists; prepending in BFS order stores each list reversed, which is
            // exactly the order an explicit stack must push them for a preorder walk in BFS order
            int[] firstChild = walk.firstChild;
            int[] nextSibling = walk.nextSibling;
            for (int q = 0; q < tail; q++) {
                firstChild[queue[q]] = -1;
            }
            for (int q = 1; q < tail; q++) {
                int c = queue[q];
                nextSibling[c] = firstChild[parent[c]];
                firstChild[parent[c]] = c;
            }
            int count = tail - 1;
            List<BlockingReport.Waiter> list = new ArrayList<>(count);
            Duration longest = null;
            int[] stack = walk.stack;
            int sp = 0;
            for (int c = firstChild[root]; c != -1; c = nextSibling[c]) {
                stack[sp++] = c;
            }
            while (sp > 0) {
                int n = stack[--sp];
                Session s = sessions.get(n);
                Duration wait = waitOf(s);
                if (wait != null && (longest == null || wait.compareTo(longest) > 0)) {
                    longest = wait;
                }
                list.add(new BlockingReport.Waiter(s, refs.get(parent[n]), level[n], wait));
                for (int c = firstChild[n]; c != -1; c = nextSibling[c]) {
                    stack[sp++] = c;
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

        /**
         * Every wait-for cycle is a deadlock, even one whose members also wait on a root: ending that
         * root would not free them. Cycles are the strongly connected components with more than one
         * member (self-edges were dropped), found by an iterative Tarjan so long cycles cannot
         * overflow the stack.
         */
        private List<BlockingReport.Deadlock> deadlocks(Walk walk) {
            int total = refs.size();
            int[] idx = new int[total];
            int[] low = new int[total];
            boolean[] onStack = new boolean[total];
            Arrays.fill(idx, -1);
            int[] stack = new int[total];
            int sp = 0;
            int[] callNode = new int[total];
            int[] callEdge = new int[total];
            int counter = 0;
            List<int[]> cycles = new ArrayList<>();
            for (int start = 0; start < total; start++) {
                if (idx[start] != -1 || blockers[start].length == 0) {
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
                            int size = 0;
                            while (stack[sp - 1 - size] != v) {
                                size++;
                            }
                            size++;
                            int[] component = Arrays.copyOfRange(stack, sp - size, sp);
                            sp -= size;
                            for (int w : component) {
                                onStack[w] = false;
                            }
                            if (size > 1) {
                                cycles.add(component);
                            }
                        }
                    }
                }
            }
            List<BlockingReport.Deadlock> result = new ArrayList<>(cycles.size());
            int[] seen = walk.stamp; // the tree walks are done; reuse their stamps with fresh values
            int[] queue = walk.queue;
            for (int[] cycle : cycles) {
                int stampValue = ++walk.stampValue;
                int tail = 0;
                for (int n : cycle) {
                    seen[n] = stampValue;
                    queue[tail++] = n;
                }
                List<Session> behind = new ArrayList<>();
                int head = 0;
                while (head < tail) {
                    int n = queue[head++];
                    for (int w : waiters[n]) {
                        if (seen[w] != stampValue) {
                            seen[w] = stampValue;
                            queue[tail++] = w;
                            behind.add(sessions.get(w));
                        }
                    }
                }
                List<Session> members = Arrays.stream(cycle).boxed().sorted(Comparator.comparing(refs::get))
                        .map(sessions::get).toList();
                result.add(new BlockingReport.Deadlock(members, behind));
            }
            return result;
        }
    }

    /**
     * SessionRef to node number without boxing: open addressing over one long array holding, per
     * slot, the session id and then the instance and node number side by side, so a probe touches
     * one cache line. The build does one lookup per wait-for edge, and a HashMap's scattered
     * entries made that the dominant cost on large convoys.
     */
    private static final class RefIndex {
        private long[] table; // [2s] session id, [2s + 1] instance << 32 | node + 1; 0 marks a free slot
        private int size;

        RefIndex(int expected) {
            table = new long[2 * (Integer.highestOneBit(Math.max(8, expected * 2)) << 1)];
        }

        /** The node number of {@code ref}, or -1. */
        int get(SessionRef ref) {
            long id = ref.sessionId();
            int instance = ref.instance();
            int mask = table.length / 2 - 1;
            for (int slot = slot(instance, id, mask); ; slot = (slot + 1) & mask) {
                long meta = table[2 * slot + 1];
                if (meta == 0) {
                    return -1;
                }
                if (table[2 * slot] == id && (int) (meta >>> 32) == instance) {
                    return (int) meta - 1;
                }
            }
        }

        /** Adds a ref known to be absent. */
        void put(SessionRef ref, int node) {
            if (2 * (size + 1) > table.length / 2) {
                long[] old = table;
                table = new long[old.length * 2];
                for (int k = 0; k < old.length; k += 2) {
                    if (old[k + 1] != 0) {
                        insert(old[k], old[k + 1]);
                    }
                }
            }
            insert(ref.sessionId(), ((long) ref.instance() << 32) | (node + 1L));
            size++;
        }

        private void insert(long id, long meta) {
            int mask = table.length / 2 - 1;
            int slot = slot((int) (meta >>> 32), id, mask);
            while (table[2 * slot + 1] != 0) {
                slot = (slot + 1) & mask;
            }
            table[2 * slot] = id;
            table[2 * slot + 1] = meta;
        }

        private static int slot(int instance, long id, int mask) {
            long h = (id + 31L * instance) * 0x9E3779B97F4A7C15L; // Fibonacci hashing spreads sequential ids
            return (int) (h >>> 32) & mask;
        }
    }
}
