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
source deploy/local/postgres.sh
pg_destroy "$root/.data/postgres-bench" >/dev/null 2>&1 || true
rm -rf "$root/.data/pki-bench"
pg_provision "$root/.data/postgres-bench" 55434 >/dev/null
[ -n "${GMOSIGN_BENCH_NO_BUILD:-}" ] || dotnet build -c Release GmoSign.sln -v quiet -nologo >/dev/null

export ConnectionStrings__Postgres="$PG_CONNECTION"
export GmoSign__Retention__MasterKey="$(head -c 32 /dev/urandom | base64)"
export GmoSign__Accounts__BootstrapOperatorLoginId="operator@bench.local"
export GmoSign__Accounts__BootstrapOperatorPassword="Bench-Operator-Pw-1"
export GmoSign__Signing__PkiDirectory="$root/.data/pki-bench"
export GmoSign__Http__GrpcPort=5180 GmoSign__Http__GrpcWebPort=5181 GmoSign__Orleans__SiloPort=11180 GmoSign__Orleans__GatewayPort=30180
export GmoSign__Management__Port=5182
export GmoSign__RateLimit__Limit=100000000
export GmoSign__BulkSend__RowsPerSecond="${2:-0}" GmoSign__BulkSend__PollInterval=00:00:00.200
export Serilog__MinimumLevel__Default=Warning
dotnet src/Host/GmoSign.Host/bin/Release/net10.0/GmoSign.Host.dll >"$root/.data/bench-host.log" 2>&1 &
host=$!
trap 'kill $host 2>/dev/null; wait $host 2>/dev/null || true; pg_stop "$root/.data/postgres-bench" >/dev/null 2>&1 || true' EXIT
for _ in $(seq 1 120); do
  if (exec 3<>/dev/tcp/127.0.0.1/5180) 2>/dev/null; then break; fi
  sleep 0.5
done
sleep 2
dotnet bench/GmoSign.ServiceBench/bin/Release/net10.0/GmoSign.ServiceBench.dll http://127.0.0.1:5180 operator@bench.local Bench-Operator-Pw-1 \
  "$PG_CONNECTION" bulk "${1:-1500}"
