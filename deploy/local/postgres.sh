#!/usr/bin/env bash
# Local PostgreSQL for GmoSign: installs the Debian package when missing and runs a private cluster in a
# git-ignored folder on a loopback port. Sourced by deploy/run.sh and deploy/test.sh.
#
#   pg_provision DIR PORT   create (once) and start the cluster; create role and database "gmosign"
#   pg_stop DIR             stop it
#
# After pg_provision, PG_CONNECTION holds the application's connection string (role gmosign, password auth).
set -euo pipefail

pg_install() {
  if ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
    echo "==> installing PostgreSQL from Debian packages"
    if [ "$(id -u)" -ne 0 ]; then echo "PostgreSQL is missing; run as root once to install it" >&2; exit 1; fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq postgresql >/dev/null
  fi
  PG_BIN=$(dirname "$(ls -1 /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")
  # The Debian package may start its own cluster on 5432; ours does not need it.
}

# Runs a PostgreSQL program as the cluster's owner (initdb refuses root).
pg_as_owner() {
  # From /, which postgres can always enter (the caller's folder may be a private home directory).
  if [ "$(id -u)" -eq 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

# Where the cluster's files really live. PostgreSQL runs as user postgres, who cannot enter a checkout inside a home
# directory of mode 700 (root's, usually): then the files live in /var/lib/gmosign/<id of DIR>/ and DIR is a symlink
# there, so that the checkout's permissions stay as they are. Prints the real directory.
pg_cluster_dir() {
  local dir=$1
  if [ -L "$dir" ]; then readlink -f "$dir"; return; fi
  mkdir -p "$(dirname "$dir")"
  if [ "$(id -u)" -ne 0 ] || runuser -u postgres -- test -x "$(dirname "$dir")" 2>/dev/null; then
    echo "$dir"; return
  fi
  local id real
  id=$(printf '%s' "$(cd "$(dirname "$dir")" && pwd)/$(basename "$dir")" | sha256sum | cut -c1-16)
  real="/var/lib/gmosign/$id/$(basename "$dir")"
  mkdir -p "$real"
  chown postgres:postgres "$(dirname "$real")" "$real"
  chmod 755 /var/lib/gmosign
  [ -e "$dir" ] || ln -s "$real" "$dir"
  echo "$real"
}

# Stops the cluster and removes its files (and the symlink, if DIR is one).
pg_destroy() {
  local dir=$1
  pg_stop "$dir"
  if [ -L "$dir" ]; then
    local real
    real=$(readlink -f "$dir")
    rm -rf "$real"; rm -f "$dir"; rmdir "$(dirname "$real")" 2>/dev/null || true
  else
    rm -rf "$dir"
  fi
}

pg_provision() {
  local dir=$1 port=$2
  pg_install
  mkdir -p "$(dirname "$dir")"
  local secrets
  secrets="$(dirname "$dir")/secrets"
  mkdir -p "$secrets" && chmod 700 "$secrets"
  if [ ! -s "$secrets/postgres-password" ]; then
    head -c 24 /dev/urandom | base64 | tr -d '/+=' > "$secrets/postgres-password"
    chmod 600 "$secrets/postgres-password"
  fi
  local password
  password=$(cat "$secrets/postgres-password")
  dir=$(pg_cluster_dir "$dir")

  if [ ! -f "$dir/PG_VERSION" ]; then
    echo "==> creating PostgreSQL cluster in $dir (port $port)"
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir"
    chmod 700 "$dir"
    pg_as_owner "$PG_BIN/initdb" -D "$dir" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
      -E UTF8 --locale=C.UTF-8 >/dev/null
    cat >> "$dir/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
timezone = 'UTC'
max_connections = 200
CONF
  fi

  if ! pg_as_owner "$PG_BIN/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
    pg_as_owner "$PG_BIN/pg_ctl" -D "$dir" -l "$dir/server.log" -w start >/dev/null
  fi

  local psql=("$PG_BIN/psql" -h "$dir" -p "$port" -U postgres -v ON_ERROR_STOP=1 -q -X)
  pg_as_owner "${psql[@]}" -d postgres <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'gmosign') THEN
    CREATE ROLE gmosign LOGIN CREATEDB PASSWORD '$password';
  ELSE
    ALTER ROLE gmosign PASSWORD '$password';
  END IF;
END \$\$;
SQL
  if [ "$(pg_as_owner "${psql[@]}" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'gmosign'")" != "1" ]; then
    pg_as_owner "${psql[@]}" -d postgres -c "CREATE DATABASE gmosign OWNER gmosign"
  fi
  PG_CONNECTION="Host=127.0.0.1;Port=$port;Database=gmosign;Username=gmosign;Password=$password"
  export PG_CONNECTION
}

pg_stop() {
  local dir=$1
  [ -L "$dir" ] && dir=$(readlink -f "$dir")
  pg_install
  if [ -f "$dir/PG_VERSION" ]; then
    pg_as_owner "$PG_BIN/pg_ctl" -D "$dir" -m fast stop >/dev/null 2>&1 || true
  fi
}
