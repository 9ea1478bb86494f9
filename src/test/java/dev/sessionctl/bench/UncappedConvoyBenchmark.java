package dev.sessionctl.bench;

import dev.sessionctl.analysis.BlockingAnalyzer;
import dev.sessionctl.analysis.BlockingReport;
import dev.sessionctl.model.Snapshot;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The convoy exactly as pg_blocking_pids reports it: waiter k is blocked by the holder and by
 * ALL k-1 waiters queued before it, so n waiters give n^2/2 edges. Sizes stop at 3k sessions
 * (4.5M edges); a real server rarely has more sessions queued on one row.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class UncappedConvoyBenchmark {

    @Param({"300", "1000", "3000"})
    public int sessions;

    private Snapshot snapshot;

    @Setup
    public void build() {
        snapshot = SyntheticSnapshots.convoy(sessions, Integer.MAX_VALUE);
    }

    @Benchmark
    public BlockingReport analyze() {
        return BlockingAnalyzer.analyze(snapshot);
    }
}
