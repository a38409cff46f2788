#!/usr/bin/env bash
# The sign RPC end to end against PostgreSQL's own commit rate, on this machine, reported as numbers:
#   bench/service.sh [envelopes] [concurrency ...]
# Starts a throwaway PostgreSQL cluster (.data/postgres-bench, port 55434) and one host (Release) on it, prepares
# envelopes through the API, measures SignEnvelope, then single-row INSERT commits with as many connections.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source bench/host.sh
bench_host "$root"
GMOSIGN_BENCH_METRICS=http://127.0.0.1:5182/metrics GMOSIGN_BENCH_HOST_PID=$bench_host_pid \
  dotnet bench/GmoSign.ServiceBench/bin/Release/net10.0/GmoSign.ServiceBench.dll http://127.0.0.1:5180 operator@bench.local Bench-Operator-Pw-1 \
  "$PG_CONNECTION" "${1:-2000}" "${@:2}"
