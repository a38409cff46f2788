#!/usr/bin/env bash
# Generates the Python stubs of every GmoSign service into samples/python/gen (or the folder given), with Debian's
# protoc (protobuf-compiler) and gRPC plugin (protobuf-compiler-grpc). pip is not needed: Debian ships python3-grpcio
# and python3-protobuf.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$root/samples/python/gen}
mkdir -p "$out"
cd "$root/protos"
find . -name '*.proto' | sort | xargs protoc -I . --python_out="$out" --grpc_out="$out" \
  --plugin=protoc-gen-grpc="$(command -v grpc_python_plugin)"
echo "$out"
