#!/usr/bin/env bash
# What every host started from this checkout shares, for deploy/run.sh and deploy/cluster.sh. Sourced.
#
#   host_environment ROOT   the generated secrets (once, in ROOT/.data/secrets) and the settings every host takes
#                           from them, exported as environment variables; needs PG_CONNECTION (pg_provision) first
host_environment() {
  local root=$1 secrets="$1/.data/secrets"
  # The operator's first administrator: created once at start-up from these settings (never a fixed password).
  if [ ! -s "$secrets/operator-password" ]; then
    printf 'Op-%s-9a' "$(head -c 18 /dev/urandom | base64 | tr -d '/+=')" > "$secrets/operator-password"
    chmod 600 "$secrets/operator-password"
  fi
  # The master key that wraps every tenant's document key (Art. 4-5): generated once, never committed.
  if [ ! -s "$secrets/master-key" ]; then
    head -c 32 /dev/urandom | base64 > "$secrets/master-key"
    chmod 600 "$secrets/master-key"
  fi
  export GmoSign__Retention__MasterKey="$(cat "$secrets/master-key")"
  export GmoSign__Accounts__BootstrapOperatorLoginId="${GMOSIGN_OPERATOR_LOGIN:-operator@gmosign.local}"
  export GmoSign__Accounts__BootstrapOperatorPassword="$(cat "$secrets/operator-password")"
  export ConnectionStrings__Postgres="$PG_CONNECTION"
  # The development CA, platform signer and timestamp authority (Art. 9): created on first start, kept here.
  export GmoSign__Signing__PkiDirectory="$root/.data/pki"
}
