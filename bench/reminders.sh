#!/usr/bin/env bash
# Reminders at scale, reported as numbers:
#   bench/reminders.sh [open envelopes, default 100000] [due within one minute, default 10000]
# Starts a throwaway PostgreSQL cluster and a host (bench/host.sh), makes one envelope through the API, stops the host,
# writes the other envelopes as copies of it (each with its pending deadline reminder), starts the host again, restarts
# it in the middle of the minute in which the due reminders fire, and reports memory, completeness and delays.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# Idle envelopes deactivate after 90 s (production keeps Orleans' 15 minutes; the age must exceed the 1-minute quantum), so the memory after firing can be read.
export GmoSign__Orleans__CollectionAge=00:01:30
export GMOSIGN_BENCH_LOG="$root/.data/bench-host.log"
source bench/host.sh
bench_host "$root"
dotnet bench/GmoSign.ServiceBench/bin/Release/net10.0/GmoSign.ServiceBench.dll http://127.0.0.1:5180 operator@bench.local Bench-Operator-Pw-1 \
  "$PG_CONNECTION" reminders "${1:-100000}" "${2:-10000}" "$root/src/Host/GmoSign.Host/bin/Release/net10.0/GmoSign.Host.dll" "$bench_host_pid"
