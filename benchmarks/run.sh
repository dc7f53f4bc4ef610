#!/usr/bin/env bash
# One command for every benchmark (see benchmarks/README.md):
#   benchmarks/run.sh                 every system side by side, 3 runs each -> benchmarks/results/latest.{json,md,png}
#   benchmarks/run.sh --quick         a short pass (1 run, small workloads) to check the harness
#   benchmarks/run.sh --runs 5 --only wsgrid-kotlin,tgrid --no-scale    any option of the runner
#   benchmarks/run.sh soak [--minutes 10]      the mixed-load soak -> benchmarks/results/soak-latest.{json,md}
#   benchmarks/run.sh metrics-cost [CALLS]     what metrics cost per call, in one process (no sockets): medians of 5 rounds
#   benchmarks/run.sh fuzz [CASES]             the fuzz spec (FuzzSpec) with CASES malformed frames (default 100000); prints its table
#   benchmarks/run.sh cluster [--members N]    the cluster group: 3 wsgrid nodes on one Redis, a broadcast to N members (10,000)
#                                              and a call across nodes, beside one node -> benchmarks/results/cluster-latest.{json,md}
#   benchmarks/run.sh cluster-pubsub           Redis alone: PUBLISH against SPUBLISH, and what subscribing a channel costs
# Builds what it needs first: the benchmark jar and the rsocket-java peer's own jar (Maven), and TGrid 1.2.1
# for node (npm ci, from the lockfile).
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${1:-}" == "fuzz" ]]; then
  cases="${2:-100000}"
  report=rpc-ktor-server/target/fuzz-report.md
  rm -f "$report"
  status=0
  mvn -B -q -pl rpc-ktor-server -am verify -Dwsgrid.skipApiDocs=true -Dwsgrid.fuzz.cases="$cases" -Dtest=FuzzSpec -Dsurefire.failIfNoSpecifiedTests=false || status=$?
  # the spec's output goes to surefire's report files; its table is also written here
  cat "$report" 2>/dev/null || echo "no fuzz report: the build failed before the fuzz ran" >&2
  exit "$status"
fi

if [[ "${1:-}" == "cluster" || "${1:-}" == "cluster-pubsub" ]]; then
  # needs Debian's redis-server (apt-get install redis-server); no node, no rsocket-java
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  mvn -B -q -DskipTests -Dwsgrid.skipApiDocs=true -pl benchmarks -am package
  exec java -jar benchmarks/target/wsgrid-benchmarks.jar "$@"
fi

# thousands of connections in one process need as many descriptors
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [[ "$(ulimit -n)" != "unlimited" && "$(ulimit -n)" -lt 12000 ]]; then
  echo "warning: only $(ulimit -n) open files allowed; the 10,000-connection workload needs ~10,100 per process" >&2
fi

# benchmarks/rsocket: rsocket-java runs on Netty 4.1, so it has a jar of its own beside wsgrid-benchmarks.jar
mvn -B -q -DskipTests -Dwsgrid.skipApiDocs=true -pl benchmarks,benchmarks/rsocket -am package
if command -v node >/dev/null && command -v npm >/dev/null; then
  (cd benchmarks/node && npm ci --no-audit --no-fund --silent)
else
  echo "node/npm not found: the TGrid systems will fail; run with --only wsgrid-kotlin,wsgrid-java,rsocket-java,ktor-echo,ktor-echo-raw,ktor-echo-netty,netty-echo,scale-wsgrid,connect-wsgrid-kotlin,connect-wsgrid-java" >&2
fi

if [[ "${1:-}" == "metrics-cost" ]]; then
  shift
  exec java -jar benchmarks/target/wsgrid-benchmarks.jar metrics-cost "$@"
fi

command=run
if [[ "${1:-}" == "soak" ]]; then command=soak; shift; fi
exec java -jar benchmarks/target/wsgrid-benchmarks.jar "$command" --node benchmarks/node "$@"
