#!/usr/bin/env bash
# Sourced by the benchmark scripts: a throwaway PostgreSQL cluster (.data/postgres-bench, port 55434) and one host
# (Release) on it, on fixed ports, with the rate limits out of the way; stopped when the script exits. Extra
# environment (GmoSign__…) exported before calling bench_host reaches the host.
bench_host() {
  local root=$1
  source "$root/deploy/local/postgres.sh"
  pg_destroy "$root/.data/postgres-bench" >/dev/null 2>&1 || true
  rm -rf "$root/.data/pki-bench"
  pg_provision "$root/.data/postgres-bench" 55434 >/dev/null
  [ -n "${GMOSIGN_BENCH_NO_BUILD:-}" ] || dotnet build -c Release "$root/GmoSign.sln" -v quiet -nologo >/dev/null

  # GMOSIGN_BENCH_PG_EXTRA: more connection-string settings for the host, e.g. ";Maximum Pool Size=12".
  export ConnectionStrings__Postgres="$PG_CONNECTION${GMOSIGN_BENCH_PG_EXTRA:-}"
  export GmoSign__Retention__MasterKey="$(head -c 32 /dev/urandom | base64)"
  export GmoSign__Accounts__BootstrapOperatorLoginId="operator@bench.local"
  export GmoSign__Accounts__BootstrapOperatorPassword="Bench-Operator-Pw-1"
  export GmoSign__Signing__PkiDirectory="$root/.data/pki-bench"
  export GmoSign__Http__GrpcPort=5180 GmoSign__Http__GrpcWebPort=5181 GmoSign__Orleans__SiloPort=11180 GmoSign__Orleans__GatewayPort=30180
  export GmoSign__Management__Port=5182
  export GmoSign__RateLimit__Limit=100000000 GmoSign__RateLimit__SignerPerLink=100000000 GmoSign__RateLimit__SignerPerAddress=100000000
  export Serilog__MinimumLevel__Default=Warning
  dotnet "$root/src/Host/GmoSign.Host/bin/Release/net10.0/GmoSign.Host.dll" >"$root/.data/bench-host.log" 2>&1 &
  bench_host_pid=$!
  trap 'kill $bench_host_pid 2>/dev/null || true; wait $bench_host_pid 2>/dev/null || true; pg_stop "'"$root"'/.data/postgres-bench" >/dev/null 2>&1 || true' EXIT
  for _ in $(seq 1 120); do
    if (exec 3<>/dev/tcp/127.0.0.1/5180) 2>/dev/null; then break; fi
    sleep 0.5
  done
  sleep 2
}
