#!/usr/bin/env bash
# CSV bulk send end to end, reported as numbers:
#   bench/bulk.sh [rows] [rows-per-second]
# Starts a throwaway PostgreSQL cluster (.data/postgres-bench, port 55434) and one host (Release) on it, makes a
# template (one signer, a 1-page PDF with two fields), uploads a CSV of [rows] rows (default 1,500, GMO Sign's limit)
# and times it until every envelope is made and sent; meanwhile another caller's GetEnvelope latency is probed.
# rows-per-second is the host's pace (GmoSign:BulkSend:RowsPerSecond; default 0 = unpaced, to measure capacity; the
# service's own default is 10).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export GmoSign__BulkSend__RowsPerSecond="${2:-0}" GmoSign__BulkSend__PollInterval=00:00:00.200
source bench/host.sh
bench_host "$root"
dotnet bench/GmoSign.ServiceBench/bin/Release/net10.0/GmoSign.ServiceBench.dll http://127.0.0.1:5180 operator@bench.local Bench-Operator-Pw-1 \
  "$PG_CONNECTION" bulk "${1:-1500}"
