#!/usr/bin/env bash
# The metrics server against hostile clients (figures only, no assertions): exporter-bench serves N servers' metrics
# (default 2000) on the same loop as 200 stand-in probes (timers due every second), while a client opens, in turn,
# slowloris connections, 1 MB headers, 1,000 idle connections, random bytes, half-closed sockets and clients that
# never read. Prints for each phase how late the stand-in probes fired, whether /metrics still answered, and the
# server's descriptors and memory before, during and after.
# Usage: Checks/bench/exporter-hostile.sh [SERVERS] [TIMERS]   (scratch folder: $EXPORTER_BENCH_SCRATCH or .build-exporter)
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
servers=${1:-2000}
timers=${2:-200}
. Checks/bench/exporter-lib.sh
exporter_bench_start "$servers" "$timers"
echo "machine: $(nproc) CPUs, load before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "exporter-bench: $servers servers, $timers stand-in probes at 1 s, listening on $address"

python3 "$root/Checks/bench/exporter-hostile.py" "$address" "$bench_pid" --lateness-signal "$work/out"
