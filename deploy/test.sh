#!/usr/bin/env bash
# Runs the whole test suite: provisions a throwaway PostgreSQL cluster in .data/postgres-test on
# 127.0.0.1:55433 (recreated on every run), lints the protos with buf, builds the web pages (npm ci, web/dist) and
# installs Debian's chromium when missing, builds once and runs every test project (the browser tests included).
# The end-to-end tests start the real host against that PostgreSQL, each fixture in a database of its own.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source deploy/local/postgres.sh
source deploy/local/web.sh

test_pg="$root/.data/postgres-test"
pg_destroy "$test_pg"
pg_provision "$test_pg" "${GMOSIGN_TEST_PG_PORT:-55433}"
trap 'pg_stop "$test_pg"' EXIT
export GMOSIGN_TEST_POSTGRES="$PG_CONNECTION"

# Independent judges of the PDF signatures: poppler's pdfsig (with an NSS database made by certutil), qpdf, Ghostscript (another
# PDF producer), openssl.
missing=()
for tool in pdfsig:poppler-utils qpdf:qpdf gs:ghostscript openssl:openssl protoc:protobuf-compiler certutil:libnss3-tools \
            grpc_python_plugin:protobuf-compiler-grpc; do
  command -v "${tool%%:*}" >/dev/null || missing+=("${tool##*:}")
done
# The Python sample runs on Debian's interpreter with Debian's gRPC and protobuf modules (pip is not reachable).
/usr/bin/python3 -c 'import grpc, google.protobuf' 2>/dev/null || missing+=(python3-grpcio python3-protobuf)
# A PDF typeset by pdfTeX (object and cross-reference streams), shipped by Debian: another producer for the signer.
[ -f /usr/share/doc/libtasn1-doc/libtasn1.pdf ] || missing+=(libtasn1-doc)
# The font embedded in stamps, field values and certificates (deploy/local/fonts.sh).
[ -f /usr/share/fonts/opentype/ipafont-gothic/ipagp.ttf ] || missing+=(fonts-ipafont-gothic)
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# The web pages the host serves (npm ci, protobuf code generated from protos/, bundle), and the browser their tests
# drive (Debian's chromium, through Playwright). web/node_modules also brings buf (npm @bufbuild/buf) for the lint.
web_build "$root"
browser_install
echo "==> buf lint"
(cd protos && "$root/web/node_modules/.bin/buf" lint)
# A partner's compiler: Debian's protoc compiles every proto of protos/ with nothing else on the include path.
echo "==> protoc $(protoc --version | cut -d' ' -f2) compiles protos/ on its own"
(cd protos && find . -name '*.proto' | sort | xargs protoc -I . --descriptor_set_out=/dev/null)

echo "==> build"
dotnet build GmoSign.sln -c Release -nologo -v quiet
# The partners' C# client as a NuGet package (samples/dotnet builds against it; ClientSampleTests runs the sample).
echo "==> pack GmoSign.Client (.data/packages)"
dotnet pack clients/dotnet/GmoSign.Client -c Release --no-build -o "$root/.data/packages" -nologo -v quiet

# Every failed test prints its name, message and stack; results (trx) and every end-to-end host's log are kept in
# .data/test-results for reading afterwards. A test that hangs is named after 10 minutes.
# Development PKIs of earlier runs (each run of the end-to-end tests makes its own).
rm -rf "${TMPDIR:-/tmp}"/gmosign-e2e-pki*
results="$root/.data/test-results"
rm -rf "$results"
mkdir -p "$results"
export GMOSIGN_TEST_ARTIFACTS="$results"
echo "==> test (results and host logs in $results)"
status=0
dotnet test GmoSign.sln -c Release --no-build -nologo -v quiet \
  --logger "console;verbosity=minimal" --logger "trx" --results-directory "$results" \
  --blame-hang-timeout 10m --blame-hang-dump-type none || status=$?

# One closing line over all test projects, counted from the result files.
passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters"); passed=$((passed + ${p:-0}))
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters"); failed=$((failed + ${f:-0}))
  n=$(sed -n 's/.* notExecuted="\([0-9]*\)".*/\1/p' <<<"$counters"); skipped=$((skipped + ${n:-0}))
done
if [ "$status" -ne 0 ]; then
  echo "==> the test run failed (exit code $status); host logs of the end-to-end tests: $results/hosts"
fi
echo "Tests: $passed passed, $failed failed, $skipped skipped"
exit "$status"
