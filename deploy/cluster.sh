#!/usr/bin/env bash
# Runs GmoSign as a cluster of N hosts on this machine (default 3), all on loopback against one PostgreSQL:
#   deploy/cluster.sh [--hosts N]
# Provisions PostgreSQL, the font, the web pages and the secrets as deploy/run.sh does (same .data folder, same
# database), builds the host once, then starts host 1 and, once it serves, hosts 2..N. Host i listens on
#   gRPC 5080+10(i-1), gRPC-Web 5081+10(i-1), management 5082+10(i-1), silo 11111+(i-1), gateway 30000+(i-1)
# (GMOSIGN_CLUSTER_PORT_BASE moves the first three, GMOSIGN_CLUSTER_SILO_BASE / GMOSIGN_CLUSTER_GATEWAY_BASE the others),
# writes its log to .data/cluster/host-<i>.log, and the endpoints are printed once all serve. Ctrl-C (or SIGTERM) stops
# every host gracefully — each finishes its calls in flight and leaves the cluster — and waits for them. Stop or kill
# one host by its pid (printed, and in .data/cluster/host-<i>.pid) to watch the others take over its grains.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

hosts=3
while [ $# -gt 0 ]; do
  case "$1" in
    --hosts) hosts=${2:?--hosts needs a number}; shift 2 ;;
    --hosts=*) hosts=${1#--hosts=}; shift ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1 (deploy/cluster.sh [--hosts N])" >&2; exit 64 ;;
  esac
done
if ! [[ "$hosts" =~ ^[1-9][0-9]?$ ]]; then
  echo "--hosts takes 1..99, not '$hosts'" >&2
  exit 64
fi

source deploy/local/postgres.sh
source deploy/local/web.sh
source deploy/local/fonts.sh
source deploy/local/host.sh

pg_provision "$root/.data/postgres" "${GMOSIGN_PG_PORT:-55432}"
font_install
web_build "$root"
host_environment "$root"

echo "==> building the host (Release)"
dotnet build src/Host/GmoSign.Host -c Release -nologo -v quiet
dll="$root/src/Host/GmoSign.Host/bin/Release/net10.0/GmoSign.Host.dll"

logs="$root/.data/cluster"
mkdir -p "$logs"
port_base=${GMOSIGN_CLUSTER_PORT_BASE:-5080}
silo_base=${GMOSIGN_CLUSTER_SILO_BASE:-11111}
gateway_base=${GMOSIGN_CLUSTER_GATEWAY_BASE:-30000}
grpc_port() { echo $((port_base + 10 * ($1 - 1))); }
web_port() { echo $((port_base + 1 + 10 * ($1 - 1))); }
management_port() { echo $((port_base + 2 + 10 * ($1 - 1))); }

pids=()
stop_all() {
  trap - INT TERM EXIT
  if [ ${#pids[@]} -gt 0 ]; then
    echo "==> stopping ${#pids[@]} host(s) gracefully"
    kill -TERM "${pids[@]}" 2>/dev/null || true
    for pid in "${pids[@]}"; do
      wait "$pid" 2>/dev/null || true
    done
    echo "==> all hosts stopped (logs in .data/cluster)"
  fi
}
trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM
trap 'stop_all' EXIT

start_host() {
  local i=$1
  # One cluster (the same ClusterId and database), one set of ports per host; everything else as deploy/run.sh.
  GmoSign__Http__GrpcPort=$(grpc_port "$i") \
  GmoSign__Http__GrpcWebPort=$(web_port "$i") \
  GmoSign__Management__Port=$(management_port "$i") \
  GmoSign__Orleans__SiloPort=$((silo_base + i - 1)) \
  GmoSign__Orleans__GatewayPort=$((gateway_base + i - 1)) \
    dotnet "$dll" >"$logs/host-$i.log" 2>&1 &
  pids[$i]=$!
  echo "${pids[$i]}" >"$logs/host-$i.pid"
}

# Until the host's readiness check (silo and PostgreSQL) answers, or it ends.
wait_ready() {
  local i=$1
  for _ in $(seq 1 600); do
    if curl -fsS -o /dev/null "http://127.0.0.1:$(management_port "$i")/health/ready" 2>/dev/null; then
      return 0
    fi
    if ! kill -0 "${pids[$i]}" 2>/dev/null; then
      echo "host $i ended before it served; the end of .data/cluster/host-$i.log:" >&2
      tail -n 20 "$logs/host-$i.log" >&2
      return 1
    fi
    sleep 0.5
  done
  echo "host $i did not become ready within 5 minutes (.data/cluster/host-$i.log)" >&2
  return 1
}

# The first host applies the schema and creates the operator's administrator; the others join it.
echo "==> starting host 1 of $hosts"
start_host 1
wait_ready 1
for i in $(seq 2 "$hosts"); do
  echo "==> starting host $i of $hosts"
  start_host "$i"
done
for i in $(seq 2 "$hosts"); do
  wait_ready "$i"
done

echo "==> PostgreSQL: 127.0.0.1:${GMOSIGN_PG_PORT:-55432} (data in .data/postgres); cluster ${GmoSign__Orleans__ClusterId:-gmosign-local}"
echo "==> operator login: $GmoSign__Accounts__BootstrapOperatorLoginId (password in .data/secrets/operator-password)"
for i in $(seq 1 "$hosts"); do
  echo "==> host $i (pid ${pids[$i]}): gRPC http://127.0.0.1:$(grpc_port "$i")  gRPC-Web and pages http://127.0.0.1:$(web_port "$i")" \
       " management http://127.0.0.1:$(management_port "$i")  silo $((silo_base + i - 1))  gateway $((gateway_base + i - 1))  log .data/cluster/host-$i.log"
done
echo "==> all $hosts hosts serve; Ctrl-C stops them"
# A host that ends by itself (or is stopped by its pid) is reported; the others keep serving until Ctrl-C.
running=$hosts
while [ "$running" -gt 0 ]; do
  set +e
  wait -n -p ended "${pids[@]}"
  status=$?
  set -e
  [ -n "${ended:-}" ] || continue
  for i in "${!pids[@]}"; do
    if [ "${pids[$i]}" = "$ended" ]; then
      echo "==> host $i (pid $ended) ended with exit code $status; the others keep serving (.data/cluster/host-$i.log)"
      unset 'pids[i]'
    fi
  done
  running=${#pids[@]}
  ended=
done
echo "==> every host has ended"
