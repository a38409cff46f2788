#!/usr/bin/env bash
# Runs GmoSign on this machine: provisions a local PostgreSQL (installed from Debian packages when missing)
# in .data/postgres on 127.0.0.1:55432 (GMOSIGN_PG_PORT), applies the schema (the host does it at start-up) and starts
# the service: native gRPC on 127.0.0.1:5080 (HTTP/2), gRPC-Web on 127.0.0.1:5081 (HTTP/1.1) unless the GmoSign__Http__*
# variables say otherwise. GMOSIGN_OPERATOR_LOGIN names the operator's first administrator.
# Running it again is harmless; data survives restarts. Extra arguments go to the host.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source deploy/local/postgres.sh
source deploy/local/web.sh
source deploy/local/fonts.sh
source deploy/local/host.sh

pg_provision "$root/.data/postgres" "${GMOSIGN_PG_PORT:-55432}"
font_install
# The signer page, sender console and operator console the host serves on its gRPC-Web port.
web_build "$root"

# The generated secrets and the settings taken from them (deploy/local/host.sh).
host_environment "$root"

# What the host will listen on, as configured (environment variables override the defaults); the host logs the same.
listen="${GmoSign__Http__ListenAddress:-127.0.0.1}"
echo "==> PostgreSQL: 127.0.0.1:${GMOSIGN_PG_PORT:-55432} (data in .data/postgres)"
echo "==> operator login: $GmoSign__Accounts__BootstrapOperatorLoginId (password in .data/secrets/operator-password)"
echo "==> starting GmoSign: gRPC $listen:${GmoSign__Http__GrpcPort:-5080}, gRPC-Web and web pages $listen:${GmoSign__Http__GrpcWebPort:-5081}"
echo "==> sender console: http://$listen:${GmoSign__Http__GrpcWebPort:-5081}/app/  operator console: http://$listen:${GmoSign__Http__GrpcWebPort:-5081}/ops/"
echo "==> management (metrics, health): http://${GmoSign__Management__ListenAddress:-127.0.0.1}:${GmoSign__Management__Port:-5082}/metrics"
exec dotnet run --project src/Host/GmoSign.Host -c Release -- "$@"
