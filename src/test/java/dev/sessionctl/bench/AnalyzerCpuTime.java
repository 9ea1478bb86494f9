package dev.sessionctl.bench;

import dev.sessionctl.analysis.BlockingAnalyzer;
import dev.sessionctl.model.Snapshot;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Locale;

/**
 * Companion to the JMH benchmark for a crowded machine: JMH reports wall time, which on shared
 * cores mostly measures the neighbours. This measures the analysing thread's own CPU time
 * (median and minimum of repeated runs after a warm-up) on the same synthetic snapshots, uncapped
 * convoys included.
 * Run with {@code bench/cputime.sh}.
 */
public final class AnalyzerCpuTime {

    private AnalyzerCpuTime() {
    }

    public static void main(String[] args) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        System.out.printf(Locale.ROOT, "%-8s %8s %12s %12s %12s%n", "shape", "sessions", "cpu median", "cpu min", "wall median");
        for (String shape : new String[] {"convoy", "chain", "mix", "uncapped"}) {
            int[] sizes = shape.equals("uncapped") ? new int[] {300, 1_000, 3_000} : new int[] {1_000, 10_000, 100_000};
            for (int n : sizes) {
                Snapshot snapshot = switch (shape) {
                    case "convoy" -> SyntheticSnapshots.convoy(n, SyntheticSnapshots.SOFT_EDGES_PER_WAITER);
                    case "uncapped" -> SyntheticSnapshots.convoy(n, Integer.MAX_VALUE);
                    case "chain" -> SyntheticSnapshots.chain(n);
                    default -> SyntheticSnapshots.mix(n);
                };
                // warm up for 2 s and at least 3 runs, so the JIT has compiled the hot loops
                long warmupEnd = System.nanoTime() + 2_000_000_000L;
                for (int i = 0; i < 3 || System.nanoTime() < warmupEnd; i++) {
                    BlockingAnalyzer.analyze(snapshot);
                }
                long[] cpu = new long[runs];
                long[] wall = new long[runs];
                for (int i = 0; i < runs; i++) {
                    long c0 = threads.getCurrentThreadCpuTime();
                    long w0 = System.nanoTime();
                    BlockingAnalyzer.analyze(snapshot);
                    wall[i] = System.nanoTime() - w0;
                    cpu[i] = threads.getCurrentThreadCpuTime() - c0;
                }
                Arrays.sort(cpu);
                Arrays.sort(wall);
                System.out.printf(Locale.ROOT, "%-8s %8d %9.3f ms %9.3f ms %9.3f ms%n", shape, n,
                        cpu[runs / 2] / 1e6, cpu[0] / 1e6, wall[runs / 2] / 1e6);
            }
        }
    }
}
