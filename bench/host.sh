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
  if [ -n "${GMOSIGN_BENCH_PG_STATEMENTS:-}" ]; then
    # Where PostgreSQL's time goes, per statement: pg_stat_statements, dumped to .data/bench-statements.txt at exit.
    printf "shared_preload_libraries = 'pg_stat_statements'\npg_stat_statements.track_planning = on\n" >> "$root/.data/postgres-bench/postgresql.conf"
    pg_as_owner "$PG_BIN/pg_ctl" -D "$root/.data/postgres-bench" -w restart >/dev/null
    pg_as_owner "$PG_BIN/psql" -h "$root/.data/postgres-bench" -p 55434 -U postgres -d gmosign -X -q -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"
  fi
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
  # The benchmarks measure the host's steady state. DOTNET_TC_CallCountingDelayMs=0 lets the JIT's tiers start counting
  # calls at once instead of after every 100 ms free of new methods, so the warm-up reaches the code a long-running host
  # runs (without it, the sign path's methods reached their final tier only during the first measured case, and the JIT
  # took up to 0.7 ms of CPU per call there). The code it ends with is the same.
  # GMOSIGN_BENCH_HOST_ENV: more variables for the host process alone, e.g. "DOTNET_GCgen0size=0x4000000" (a runtime
  # setting tried without touching the client's).
  # shellcheck disable=SC2086
  env DOTNET_TC_CallCountingDelayMs=0 ${GMOSIGN_BENCH_HOST_ENV:-} dotnet "$root/src/Host/GmoSign.Host/bin/Release/net10.0/GmoSign.Host.dll" >"$root/.data/bench-host.log" 2>&1 &
  bench_host_pid=$!
  trap 'kill $bench_host_pid 2>/dev/null || true; wait $bench_host_pid 2>/dev/null || true; bench_statements "'"$root"'"; pg_stop "'"$root"'/.data/postgres-bench" >/dev/null 2>&1 || true' EXIT
  for _ in $(seq 1 120); do
    if (exec 3<>/dev/tcp/127.0.0.1/5180) 2>/dev/null; then break; fi
    sleep 0.5
  done
  sleep 2
}

bench_statements() {
  [ -n "${GMOSIGN_BENCH_PG_STATEMENTS:-}" ] || return 0
  pg_as_owner "$PG_BIN/psql" -h "$1/.data/postgres-bench" -p 55434 -U postgres -d gmosign -X -q -c "
    SELECT calls, round(total_exec_time::numeric, 0) AS total_ms, round(mean_exec_time::numeric, 3) AS mean_ms, rows,
           plans, round(total_plan_time::numeric, 0) AS plan_ms,
           wal_records, wal_bytes, left(regexp_replace(query, '\s+', ' ', 'g'), 160) AS query
    FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 40" > "$1/.data/bench-statements.txt" 2>&1 || true
}
