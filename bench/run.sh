#!/usr/bin/env bash
# Speed measurements, reported as numbers (not assertions): bench/run.sh [seconds-per-case]
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet run -c Release --project bench/GmoSign.Bench -- "${1:-3}"
