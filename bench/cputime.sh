#!/usr/bin/env bash
# CPU time of BlockingAnalyzer.analyze per shape and size (see AnalyzerCpuTime): less sensitive
# than JMH's wall time to other processes on a shared machine. Usage: bench/cputime.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q test-compile
exec java -Xmx1g -cp target/test-classes:target/classes dev.sessionctl.bench.AnalyzerCpuTime "$@"
