#!/usr/bin/env bash
# Runs the whole test suite: provisions a throwaway PostgreSQL cluster in .data/postgres-test on
# 127.0.0.1:55433 (recreated on every run), lints the protos with buf, builds once and runs every test project.
# The end-to-end tests start the real host against that PostgreSQL, each fixture in a database of its own.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source deploy/local/postgres.sh

test_pg="$root/.data/postgres-test"
pg_stop "$test_pg"
rm -rf "$test_pg"
pg_provision "$test_pg" "${GMOSIGN_TEST_PG_PORT:-55433}"
trap 'pg_stop "$test_pg"' EXIT
export GMOSIGN_TEST_POSTGRES="$PG_CONNECTION"

# Independent judges of the PDF signatures: poppler's pdfsig, qpdf, Ghostscript (another PDF producer), openssl.
missing=()
for tool in pdfsig:poppler-utils qpdf:qpdf gs:ghostscript openssl:openssl; do
  command -v "${tool%%:*}" >/dev/null || missing+=("${tool##*:}")
done
# A PDF typeset by pdfTeX (object and cross-reference streams), shipped by Debian: another producer for the signer.
[ -f /usr/share/doc/libtasn1-doc/libtasn1.pdf ] || missing+=(libtasn1-doc)
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# buf (npm package @bufbuild/buf) lints the protos; installed once into .data/tools.
tools="$root/.data/tools"
if [ ! -x "$tools/node_modules/.bin/buf" ]; then
  echo "==> installing buf"
  npm install --silent --prefix "$tools" @bufbuild/buf@1.75.0 >/dev/null
fi
echo "==> buf lint"
(cd protos && "$tools/node_modules/.bin/buf" lint)

echo "==> build"
dotnet build GmoSign.sln -c Release -nologo -v quiet

echo "==> test"
dotnet test GmoSign.sln -c Release --no-build -nologo -v quiet
