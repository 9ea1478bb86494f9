#!/usr/bin/env bash
# Runs the JMH benchmarks of sessionctl (src/test/java/dev/sessionctl/bench).
#   bench/jmh.sh                      all benchmarks, settings for a small shared machine
#   bench/jmh.sh -f 1 -wi 3 -i 5 Uncapped   any org.openjdk.jmh.Main arguments (see -h)
# Results also go to bench-results/jmh-<time>.json (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."

# test-compile runs the JMH annotation processor, which writes target/test-classes/META-INF/BenchmarkList
mvn -B -q test-compile
mvn -B -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/jmh-classpath.txt
classpath="target/test-classes:target/classes:$(cat target/jmh-classpath.txt)"

mkdir -p bench-results
result="bench-results/jmh-$(date -u +%Y%m%dT%H%M%SZ).json"
if [ "$#" -eq 0 ]; then
    # 2 shared cores: one fork, short iterations, one thread; 1 GB heap holds the 100k graphs comfortably
    set -- -f 1 -wi 3 -i 5 -w 2s -r 2s -t 1 -jvmArgsAppend -Xmx1g 'dev.sessionctl.bench.*'
fi
exec java -cp "$classpath" org.openjdk.jmh.Main -rf json -rff "$result" "$@"
