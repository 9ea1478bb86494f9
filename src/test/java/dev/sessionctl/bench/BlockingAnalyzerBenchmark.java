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
 * {@link BlockingAnalyzer#analyze} on synthetic snapshots of 1k, 10k and 100k sessions. The
 * snapshot is built once per trial; only the analysis is measured. Run with {@code bench/jmh.sh}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class BlockingAnalyzerBenchmark {

    @Param({"1000", "10000", "100000"})
    public int sessions;

    /** convoy: one holder, every waiter soft-blocked by up to 20 earlier ones; chain: one deep chain; mix: small trees among idle sessions. */
    @Param({"convoy", "chain", "mix"})
    public String shape;

    private Snapshot snapshot;

    @Setup
    public void build() {
        snapshot = switch (shape) {
            case "convoy" -> SyntheticSnapshots.convoy(sessions, SyntheticSnapshots.SOFT_EDGES_PER_WAITER);
            case "chain" -> SyntheticSnapshots.chain(sessions);
            case "mix" -> SyntheticSnapshots.mix(sessions);
            default -> throw new IllegalArgumentException("unknown shape '" + shape + "'; expected convoy, chain or mix");
        };
    }

    @Benchmark
    public BlockingReport analyze() {
        return BlockingAnalyzer.analyze(snapshot);
    }
}
