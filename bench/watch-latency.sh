#!/usr/bin/env bash
# Reaction latency of `sessionctl watch` vs the server's own timeout (and pt-kill on MariaDB when installed).
# Usage: bench/watch-latency.sh [samples=20] [threshold=1s] [intervals=5s,1s,250ms] [engines=postgresql,mariadb] [out=FILE]
# Needs: JDK 17, Maven; embedded servers come from Maven Central. About 5-9 minutes with the defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -o test-compile dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt \
  || mvn -B -q test-compile dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/{print $2}') GB RAM, $(java -version 2>&1 | head -1)" >&2
exec java -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "target/test-classes:target/classes:$(cat target/bench-classpath.txt)" \
  dev.sessionctl.bench.WatchLatencyBench "$@"
