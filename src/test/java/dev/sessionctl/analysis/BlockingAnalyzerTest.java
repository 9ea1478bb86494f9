package dev.sessionctl.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.sessionctl.analysis.BlockingReport.Deadlock;
import dev.sessionctl.analysis.BlockingReport.Root;
import dev.sessionctl.analysis.BlockingReport.Waiter;
import dev.sessionctl.model.Engine;
import dev.sessionctl.model.Session;
import dev.sessionctl.model.SessionKey;
import dev.sessionctl.model.SessionKind;
import dev.sessionctl.model.SessionRef;
import dev.sessionctl.model.SessionState;
import dev.sessionctl.model.Snapshot;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class BlockingAnalyzerTest {

    /** Deliberately far from the test machine's clock: every duration must come from the snapshot's server time. */
    private static final Instant SERVER_TIME = Instant.parse("2031-03-04T03:00:00Z");

    private static SessionRef ref(long id) {
        return SessionRef.of(id);
    }

    private static Session.Builder session(long id) {
        return session(0, id);
    }

    private static Session.Builder session(int instance, long id) {
        return Session.builder(new SessionKey("t", instance, id, "inc" + id))
                .user("app")
                .state(SessionState.ACTIVE);
    }

    private static Session waiter(long id, long... blockers) {
        Session.Builder b = session(id);
        for (long blocker : blockers) {
            b.addBlocker(ref(blocker));
        }
        return b.build();
    }

    private static Session idle(long id) {
        return session(id).state(SessionState.IDLE).build();
    }

    private static Session idleInTransaction(long id) {
        return session(id).state(SessionState.IDLE_IN_TRANSACTION).build();
    }

    private static BlockingReport analyze(Session... sessions) {
        return analyze(Arrays.asList(sessions));
    }

    private static BlockingReport analyze(List<Session> sessions) {
        return BlockingAnalyzer.analyze(new Snapshot("t", Engine.POSTGRESQL, "16.4", SERVER_TIME, sessions, Set.of()));
    }

    private static List<Long> waiterIds(Root root) {
        return root.waiters().stream().map(w -> w.session().sessionId()).toList();
    }

    private static List<Long> ids(List<Session> sessions) {
        return sessions.stream().map(Session::sessionId).toList();
    }

    @Test
    void emptySnapshotHasNoRootsNoDeadlocksNoWaiters() {
        BlockingReport report = analyze(List.of());

        assertThat(report.roots()).isEmpty();
        assertThat(report.deadlocks()).isEmpty();
        assertThat(report.waitingSessions()).isZero();
        assertThat(report.serverTime()).isEqualTo(SERVER_TIME);
    }

    @Test
    void sessionsThatWaitForNobodyAreNotRoots() {
        BlockingReport report = analyze(idle(1), idleInTransaction(2), session(3).build());

        assertThat(report.roots()).isEmpty();
        assertThat(report.waitingSessions()).isZero();
    }

    @Nested
    class Chains {

        @Test
        void singleChainHasOneRootWithDepthTwoAndParentsAndLevels() {
            Session a = idleInTransaction(1);
            Session b = waiter(2, 1);
            Session c = waiter(3, 2);
            BlockingReport report = analyze(c, idle(4), b, a);

            assertThat(report.roots()).hasSize(1);
            Root root = report.roots().get(0);
            assertThat(root.ref()).isEqualTo(ref(1));
            assertThat(root.session()).isEqualTo(a);
            assertThat(root.depth()).isEqualTo(2);
            assertThat(root.directlyBlocked()).isEqualTo(1);
            assertThat(root.totalBlocked()).isEqualTo(2);
            assertThat(root.waiters())
                    .extracting(Waiter::session, Waiter::parent, Waiter::level)
                    .containsExactly(tuple(b, ref(1), 1), tuple(c, ref(2), 2));
            assertThat(report.waitingSessions()).isEqualTo(2);
            assertThat(report.deadlocks()).isEmpty();
        }

        @Test
        void waitersAreListedDepthFirstNotBreadthFirst() {
            // root 1 -> {2, 3}; 2 -> {4 -> {6}}; 3 -> {5}
            BlockingReport report = analyze(
                    session(1).build(), waiter(2, 1), waiter(3, 1), waiter(4, 2), waiter(5, 3), waiter(6, 4));

            Root root = report.roots().get(0);
            assertThat(root.waiters())
                    .extracting(w -> w.session().sessionId(), Waiter::parent, Waiter::level)
                    .containsExactly(
                            tuple(2L, ref(1), 1),
                            tuple(4L, ref(2), 2),
                            tuple(6L, ref(4), 3),
                            tuple(3L, ref(1), 1),
                            tuple(5L, ref(3), 2));
            assertThat(root.depth()).isEqualTo(3);
            assertThat(root.directlyBlocked()).isEqualTo(2);
        }

        @Test
        void aWaiterReachableByTwoPathsHangsUnderTheShorterOneOnlyOnce() {
            // 4 waits on 1 directly and on 3 (which waits on 2, which waits on 1)
            BlockingReport report = analyze(
                    session(1).build(), waiter(2, 1), waiter(3, 2), waiter(4, 3, 1));

            Root root = report.roots().get(0);
            assertThat(root.waiters())
                    .extracting(w -> w.session().sessionId(), Waiter::parent, Waiter::level)
                    .containsExactlyInAnyOrder(
                            tuple(2L, ref(1), 1), tuple(3L, ref(2), 2), tuple(4L, ref(1), 1));
            assertThat(root.directlyBlocked()).isEqualTo(2);
            assertThat(root.depth()).isEqualTo(2);
        }

        @Test
        void duplicateEdgesCountOnce() {
            BlockingReport report = analyze(session(1).build(), waiter(2, 1, 1, 1));

            Root root = report.roots().get(0);
            assertThat(root.directlyBlocked()).isEqualTo(1);
            assertThat(waiterIds(root)).containsExactly(2L);
        }

        @Test
        void aHundredThousandLongChainDoesNotOverflowTheStack() {
            int n = 100_000;
            List<Session> sessions = new ArrayList<>(n);
            sessions.add(idleInTransaction(0));
            for (int i = 1; i < n; i++) {
                sessions.add(waiter(i, i - 1));
            }

            BlockingReport report = analyze(sessions);

            assertThat(report.roots()).hasSize(1);
            Root root = report.roots().get(0);
            assertThat(root.ref()).isEqualTo(ref(0));
            assertThat(root.depth()).isEqualTo(n - 1);
            assertThat(root.totalBlocked()).isEqualTo(n - 1);
            assertThat(root.directlyBlocked()).isEqualTo(1);
            Waiter last = root.waiters().get(n - 2);
            assertThat(last.session().sessionId()).isEqualTo(n - 1L);
            assertThat(last.level()).isEqualTo(n - 1);
            assertThat(last.parent()).isEqualTo(ref(n - 2));
            assertThat(report.waitingSessions()).isEqualTo(n - 1);
        }
    }

    @Nested
    class Convoys {

        /** 1 holds the row idle in transaction; waiter k waits on 1 and, soft, on every waiter queued before it. */
        private List<Session> convoy(int waiters) {
            List<Session> sessions = new ArrayList<>();
            sessions.add(idleInTransaction(1));
            for (int k = 0; k < waiters; k++) {
                Session.Builder b = session(2 + k).addBlocker(ref(1));
                for (int earlier = 0; earlier < k; earlier++) {
                    b.addBlocker(ref(2 + earlier));
                }
                sessions.add(b.build());
            }
            return sessions;
        }

        private void assertOneRootWith300DirectWaiters(BlockingReport report) {
            assertThat(report.roots()).hasSize(1);
            Root root = report.roots().get(0);
            assertThat(root.ref()).isEqualTo(ref(1));
            assertThat(root.idleInTransaction()).isTrue();
            assertThat(root.totalBlocked()).isEqualTo(300);
            assertThat(root.directlyBlocked()).isEqualTo(300);
            assertThat(root.depth()).isEqualTo(1);
            assertThat(root.waiters()).allSatisfy(w -> {
                assertThat(w.level()).isEqualTo(1);
                assertThat(w.parent()).isEqualTo(ref(1));
            });
            assertThat(waiterIds(root)).doesNotHaveDuplicates()
                    .containsExactlyInAnyOrderElementsOf(
                            java.util.stream.LongStream.rangeClosed(2, 301).boxed().toList());
            assertThat(report.waitingSessions()).isEqualTo(300);
            assertThat(report.deadlocks()).isEmpty();
        }

        @Test
        void lockConvoyOf300WaitersHasExactlyOneRoot() {
            assertOneRootWith300DirectWaiters(analyze(convoy(300)));
        }

        @Test
        void lockConvoyResultDoesNotDependOnSnapshotOrder() {
            List<Session> shuffled = new ArrayList<>(convoy(300));
            Collections.shuffle(shuffled, new Random(42));
            assertOneRootWith300DirectWaiters(analyze(shuffled));

            Collections.reverse(shuffled);
            assertOneRootWith300DirectWaiters(analyze(shuffled));
        }

        @Test
        void softOnlyQueueIsAChainBehindTheHolder() {
            // only the head of the queue waits on the holder; the rest wait on the one before them
            BlockingReport report = analyze(idleInTransaction(1), waiter(2, 1), waiter(3, 2), waiter(4, 3, 2));

            Root root = report.roots().get(0);
            assertThat(report.roots()).hasSize(1);
            assertThat(root.directlyBlocked()).isEqualTo(1);
            assertThat(root.waiters())
                    .extracting(w -> w.session().sessionId(), Waiter::level)
                    .containsExactlyInAnyOrder(tuple(2L, 1), tuple(3L, 2), tuple(4L, 2));
        }
    }

    @Nested
    class SeveralRoots {

        @Test
        void twoIndependentRootsEachGetTheirOwnTree() {
            BlockingReport report = analyze(
                    session(1).build(), waiter(11, 1), waiter(12, 11),
                    session(2).build(), waiter(21, 2),
                    idle(99));

            assertThat(report.roots()).extracting(Root::ref).containsExactly(ref(1), ref(2));
            assertThat(waiterIds(report.roots().get(0))).containsExactly(11L, 12L);
            assertThat(waiterIds(report.roots().get(1))).containsExactly(21L);
            assertThat(report.waitingSessions()).isEqualTo(3);
        }

        @Test
        void aWaiterBlockedByTwoRootsAppearsUnderBoth() {
            BlockingReport report = analyze(session(1).build(), session(2).build(), waiter(3, 1, 2), waiter(4, 3));

            assertThat(report.roots()).extracting(Root::ref).containsExactlyInAnyOrder(ref(1), ref(2));
            for (Root root : report.roots()) {
                assertThat(root.waiters())
                        .extracting(w -> w.session().sessionId(), Waiter::parent, Waiter::level)
                        .containsExactly(tuple(3L, root.ref(), 1), tuple(4L, ref(3), 2));
            }
            assertThat(report.waitingSessions()).isEqualTo(2);
        }

        @Test
        void rootsAreSortedByTotalBlockedDescending() {
            BlockingReport report = analyze(
                    session(1).build(), waiter(11, 1),
                    session(2).build(), waiter(21, 2), waiter(22, 2), waiter(23, 22),
                    session(3).build(), waiter(31, 3), waiter(32, 31));

            assertThat(report.roots()).extracting(Root::ref).containsExactly(ref(2), ref(3), ref(1));
            assertThat(report.roots()).extracting(Root::totalBlocked).containsExactly(3, 2, 1);
        }

        @Test
        void rootsWithEqualCountsAreOrderedByLongestWaitThenRef() {
            BlockingReport report = analyze(
                    session(5).build(), waiter(51, 5),
                    session(1).build(), session(11).stateSince(SERVER_TIME.minusSeconds(10)).addBlocker(ref(1)).build(),
                    session(3).build(), session(31).stateSince(SERVER_TIME.minusSeconds(60)).addBlocker(ref(3)).build(),
                    session(4).build(), waiter(41, 4));

            // 3 waited longest; 4 and 5 have no known wait and tie, ordered by ref
            assertThat(report.roots()).extracting(Root::ref).containsExactly(ref(3), ref(1), ref(4), ref(5));
        }

        @Test
        void manyBlockersMissingFromTheSnapshotAreEachARoot() {
            // more missing blockers than sessions: the ref index must grow past its initial size
            List<Session> sessions = new ArrayList<>();
            for (long w = 1; w <= 3; w++) {
                Session.Builder b = session(w);
                for (long k = 0; k < 5_000; k++) {
                    b.addBlocker(ref(1_000_000 + k + 2_500 * (w - 1))); // waiters overlap on half of them
                }
                sessions.add(b.build());
            }

            BlockingReport report = analyze(sessions);

            assertThat(report.roots()).hasSize(10_000);
            assertThat(report.roots()).allSatisfy(r -> assertThat(r.session()).isNull());
            assertThat(report.roots().subList(0, 5_000)).allSatisfy(r -> assertThat(r.totalBlocked()).isEqualTo(2));
            assertThat(report.roots()).extracting(Root::ref).doesNotHaveDuplicates();
            assertThat(report.waitingSessions()).isEqualTo(3);
        }

        @Test
        void largeSessionIdsAndInstanceNumbersAreKeptApart() {
            Session root = session(3, Long.MAX_VALUE).build();
            Session w1 = session(1, Long.MAX_VALUE).addBlocker(new SessionRef(3, Long.MAX_VALUE)).build();
            Session w2 = session(3, Long.MAX_VALUE - 1).addBlocker(new SessionRef(1, Long.MAX_VALUE)).build();
            Session other = session(9999, Long.MAX_VALUE).build();

            BlockingReport report = analyze(other, w2, w1, root);

            assertThat(report.roots()).extracting(Root::ref).containsExactly(new SessionRef(3, Long.MAX_VALUE));
            assertThat(report.roots().get(0).waiters()).extracting(Waiter::session, Waiter::level)
                    .containsExactly(tuple(w1, 1), tuple(w2, 2));
        }

        @Test
        void sameSessionIdOnTwoInstancesAreDifferentSessions() {
            Session rootOn1 = session(1, 100).build();
            Session waiterOn2 = session(2, 100).addBlocker(new SessionRef(1, 100)).build();

            BlockingReport report = analyze(rootOn1, waiterOn2);

            assertThat(report.roots()).hasSize(1);
            assertThat(report.roots().get(0).ref()).isEqualTo(new SessionRef(1, 100));
            assertThat(report.roots().get(0).waiters()).extracting(Waiter::session).containsExactly(waiterOn2);
            assertThat(report.deadlocks()).isEmpty();
        }
    }

    @Nested
    class Cycles {

        @Test
        void twoCycleIsADeadlockWithTheSessionsBehindIt() {
            BlockingReport report = analyze(waiter(1, 2), waiter(2, 1), waiter(3, 1), waiter(4, 3), idle(5));

            assertThat(report.roots()).isEmpty();
            assertThat(report.deadlocks()).hasSize(1);
            Deadlock d = report.deadlocks().get(0);
            assertThat(ids(d.members())).containsExactly(1L, 2L);
            assertThat(ids(d.blockedBehind())).containsExactlyInAnyOrder(3L, 4L);
            assertThat(report.waitingSessions()).isEqualTo(4);
        }

        @Test
        void threeCycleIsADeadlockAndNoRootIsReportedForItsWaiters() {
            BlockingReport report = analyze(waiter(1, 3), waiter(2, 1), waiter(3, 2), waiter(4, 2));

            assertThat(report.roots()).isEmpty();
            assertThat(report.deadlocks()).hasSize(1);
            assertThat(ids(report.deadlocks().get(0).members())).containsExactly(1L, 2L, 3L);
            assertThat(ids(report.deadlocks().get(0).blockedBehind())).containsExactly(4L);
        }

        @Test
        void twoSeparateCyclesAreTwoDeadlocksNextToANormalRoot() {
            BlockingReport report = analyze(
                    waiter(1, 2), waiter(2, 1),
                    waiter(11, 13), waiter(12, 11), waiter(13, 12), waiter(14, 13),
                    session(21).build(), waiter(22, 21));

            assertThat(report.roots()).extracting(Root::ref).containsExactly(ref(21));
            assertThat(report.deadlocks()).extracting(d -> ids(d.members()))
                    .containsExactlyInAnyOrder(List.of(1L, 2L), List.of(11L, 12L, 13L));
            Deadlock three = report.deadlocks().stream().filter(d -> d.members().size() == 3).findFirst().orElseThrow();
            assertThat(ids(three.blockedBehind())).containsExactly(14L);
        }

        @Test
        void aCycleThatAlsoWaitsOnARootIsStillADeadlock() {
            // 2 and 3 wait for each other; 2 also waits on 1. Ending 1 would not free them.
            BlockingReport report = analyze(session(1).build(), waiter(2, 1, 3), waiter(3, 2), waiter(4, 3));

            assertThat(report.roots()).extracting(Root::ref).containsExactly(ref(1));
            assertThat(waiterIds(report.roots().get(0))).containsExactlyInAnyOrder(2L, 3L, 4L);
            assertThat(report.deadlocks()).hasSize(1);
            assertThat(ids(report.deadlocks().get(0).members())).containsExactly(2L, 3L);
            assertThat(ids(report.deadlocks().get(0).blockedBehind())).containsExactly(4L);
        }

        @Test
        void aHundredThousandLongCycleDoesNotOverflowTheStack() {
            int n = 100_000;
            List<Session> sessions = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                sessions.add(waiter(i, (i + 1) % n));
            }

            BlockingReport report = analyze(sessions);

            assertThat(report.roots()).isEmpty();
            assertThat(report.deadlocks()).hasSize(1);
            assertThat(report.deadlocks().get(0).members()).hasSize(n);
            assertThat(report.deadlocks().get(0).blockedBehind()).isEmpty();
        }

        @Test
        void manySmallCyclesAreEachReported() {
            List<Session> sessions = new ArrayList<>();
            for (int i = 0; i < 5_000; i++) {
                sessions.add(waiter(2L * i, 2L * i + 1));
                sessions.add(waiter(2L * i + 1, 2L * i));
            }

            BlockingReport report = analyze(sessions);

            assertThat(report.deadlocks()).hasSize(5_000);
            assertThat(report.deadlocks()).allSatisfy(d -> {
                assertThat(d.members()).hasSize(2);
                assertThat(d.blockedBehind()).isEmpty();
            });
        }
    }

    @Nested
    class Edges {

        @Test
        void aSelfEdgeIsIgnored() {
            BlockingReport report = analyze(waiter(1, 1), idle(2));

            assertThat(report.roots()).isEmpty();
            assertThat(report.deadlocks()).isEmpty();
            assertThat(report.waitingSessions()).isZero();
        }

        @Test
        void aSelfEdgeNextToARealOneKeepsTheRealOne() {
            BlockingReport report = analyze(session(1).build(), waiter(2, 2, 1));

            assertThat(report.roots()).extracting(Root::ref).containsExactly(ref(1));
            assertThat(waiterIds(report.roots().get(0))).containsExactly(2L);
            assertThat(report.deadlocks()).isEmpty();
        }

        @Test
        void aBlockerMissingFromTheSnapshotIsARootWithoutSession() {
            // e.g. a prepared transaction holds the lock: pg_blocking_pids reports pid 0
            Session w1 = waiter(2, 0);
            Session w2 = waiter(3, 2);
            BlockingReport report = analyze(w1, w2);

            assertThat(report.roots()).hasSize(1);
            Root root = report.roots().get(0);
            assertThat(root.session()).isNull();
            assertThat(root.ref()).isEqualTo(ref(0));
            assertThat(root.idleInTransaction()).isFalse();
            assertThat(root.waiters()).extracting(Waiter::session, Waiter::parent, Waiter::level)
                    .containsExactly(tuple(w1, ref(0), 1), tuple(w2, ref(2), 2));
        }

        @Test
        void aParallelWorkerBlockerIsReplacedByItsCoordinator() {
            Session coordinator = session(10).build();
            Session worker = session(11).kind(SessionKind.PARALLEL_WORKER).parent(ref(10)).build();
            Session w = waiter(20, 11);
            BlockingReport report = analyze(worker, w, coordinator);

            assertThat(report.roots()).extracting(Root::ref).containsExactly(ref(10));
            Root root = report.roots().get(0);
            assertThat(root.session()).isEqualTo(coordinator);
            assertThat(root.waiters()).extracting(Waiter::session, Waiter::parent)
                    .containsExactly(tuple(w, ref(10)));
        }

        @Test
        void aParallelWorkerWhoseCoordinatorIsMissingStillNamesTheCoordinator() {
            Session worker = session(11).kind(SessionKind.PARALLEL_WORKER).parent(ref(10)).build();
            BlockingReport report = analyze(worker, waiter(20, 11));

            assertThat(report.roots()).extracting(Root::ref).containsExactly(ref(10));
            assertThat(report.roots().get(0).session()).isNull();
        }

        @Test
        void aCoordinatorWhoseWorkerWaitsIsNotARoot() {
            // worker 11 of coordinator 10 waits on 1; 20 waits on the worker. The one to end is 1.
            Session coordinator = session(10).build();
            Session worker = session(11).kind(SessionKind.PARALLEL_WORKER).parent(ref(10)).addBlocker(ref(1)).build();
            BlockingReport report = analyze(idleInTransaction(1), coordinator, worker, waiter(20, 11));

            assertThat(report.roots()).extracting(Root::ref).containsExactly(ref(1));
            Root root = report.roots().get(0);
            assertThat(root.idleInTransaction()).isTrue();
            assertThat(root.waiters())
                    .extracting(w -> w.session().sessionId(), Waiter::parent, Waiter::level)
                    .containsExactlyInAnyOrder(tuple(10L, ref(1), 1), tuple(11L, ref(1), 1), tuple(20L, ref(10), 2));
            assertThat(report.deadlocks()).isEmpty();
        }

        @Test
        void idleInTransactionRootIsFlaggedAndActiveRootIsNot() {
            BlockingReport report = analyze(
                    idleInTransaction(1), waiter(11, 1), waiter(12, 1),
                    session(2).build(), waiter(21, 2));

            assertThat(report.roots())
                    .extracting(Root::ref, Root::idleInTransaction)
                    .containsExactly(tuple(ref(1), true), tuple(ref(2), false));
        }
    }

    @Nested
    class Waits {

        @Test
        void waitsAreMeasuredOnTheServerClock() {
            Session shortWait = session(2).addBlocker(ref(1)).stateSince(SERVER_TIME.minusSeconds(30)).build();
            Session longWait = session(3).addBlocker(ref(2)).stateSince(SERVER_TIME.minusSeconds(90)).build();
            BlockingReport report = analyze(session(1).stateSince(SERVER_TIME.minusSeconds(3600)).build(), shortWait, longWait);

            Root root = report.roots().get(0);
            assertThat(root.waiters()).extracting(Waiter::waited)
                    .containsExactly(Duration.ofSeconds(30), Duration.ofSeconds(90));
            // the root's own time in state is not a wait
            assertThat(root.longestWait()).isEqualTo(Duration.ofSeconds(90));
        }

        @Test
        void waitFallsBackToQueryStartAndIsNullWhenUnknown() {
            Session byQuery = session(2).addBlocker(ref(1)).queryStart(SERVER_TIME.minusSeconds(42)).build();
            Session unknown = waiter(3, 1);
            BlockingReport report = analyze(session(1).build(), byQuery, unknown);

            Root root = report.roots().get(0);
            assertThat(root.waiters()).extracting(w -> w.session().sessionId(), Waiter::waited)
                    .containsExactly(tuple(2L, Duration.ofSeconds(42)), tuple(3L, null));
            assertThat(root.longestWait()).isEqualTo(Duration.ofSeconds(42));
        }

        @Test
        void longestWaitIsNullWhenNoWaiterHasATime() {
            BlockingReport report = analyze(session(1).build(), waiter(2, 1));

            assertThat(report.roots().get(0).longestWait()).isNull();
        }

        @Test
        void aStateSinceAfterTheServerTimeCountsAsZero() {
            Session future = session(2).addBlocker(ref(1)).stateSince(SERVER_TIME.plusSeconds(5)).build();
            BlockingReport report = analyze(session(1).build(), future);

            assertThat(report.roots().get(0).longestWait()).isEqualTo(Duration.ZERO);
        }
    }

    @Test
    void everyWaitingSessionIsUnderARootOrBehindADeadlockOnARandomGraph() {
        // property check on random forests plus a few cycles: nothing waiting is lost
        Random random = new Random(7);
        List<Session> sessions = new ArrayList<>();
        int n = 2_000;
        for (int i = 0; i < n; i++) {
            Session.Builder b = session(i);
            if (i > 20 && random.nextInt(4) != 0) {
                int edges = 1 + random.nextInt(3);
                for (int e = 0; e < edges; e++) {
                    b.addBlocker(ref(random.nextInt(i))); // only earlier sessions: acyclic
                }
            }
            sessions.add(b.build());
        }
        sessions.add(waiter(n, n + 1));
        sessions.add(waiter(n + 1, n));
        sessions.add(waiter(n + 2, n + 1));

        BlockingReport report = analyze(sessions);

        Set<Long> covered = new HashSet<>();
        for (Root root : report.roots()) {
            assertThat(root.session().isWaitingOnSession()).as("root %s waits", root.ref()).isFalse();
            for (Waiter w : root.waiters()) {
                covered.add(w.session().sessionId());
                assertThat(w.session().blockedBy()).as("parent of %s", w.session().key()).contains(w.parent());
            }
            assertThat(waiterIds(root)).doesNotHaveDuplicates();
        }
        for (Deadlock d : report.deadlocks()) {
            covered.addAll(ids(d.members()));
            covered.addAll(ids(d.blockedBehind()));
        }
        Set<Long> waiting = sessions.stream().filter(Session::isWaitingOnSession)
                .map(Session::sessionId).collect(Collectors.toSet());
        assertThat(covered).isEqualTo(waiting);
        assertThat(report.waitingSessions()).isEqualTo(waiting.size());
        assertThat(report.deadlocks()).hasSize(1);
    }
}
