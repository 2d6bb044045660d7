#!/usr/bin/env bash
# Scrape time and size of /metrics and /status with N real servers (default 2000): figures only, no assertions.
# Builds exporter-bench in release mode, which fills every metric family for N synthetic servers, prints how long
# rendering holds the loop, and serves on loopback; then curl scrapes it and promtool lints one scrape.
# Usage: Checks/bench/exporter-bench.sh [SERVERS]   (scratch folder: $EXPORTER_BENCH_SCRATCH or .build-exporter)
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
command -v swift >/dev/null || PATH=$PATH:/opt/swift/usr/bin
servers=${1:-2000}
scratch=${EXPORTER_BENCH_SCRATCH:-.build-exporter}
work=$(mktemp -d)
bench_pid=

cleanup() {
  [[ -n $bench_pid ]] && kill "$bench_pid" 2>/dev/null && wait "$bench_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

swift build -c release --scratch-path "$scratch" --product exporter-bench 2>&1 | tail -1
"$scratch/release/exporter-bench" "$servers" 127.0.0.1:0 >"$work/out" 2>&1 &
bench_pid=$!
for _ in $(seq 600); do
  grep -q '^listening on ' "$work/out" && break
  kill -0 "$bench_pid" 2>/dev/null || { cat "$work/out"; exit 1; }
  sleep 0.1
done
cat "$work/out"
address=$(sed -n 's/^listening on //p' "$work/out")

# stats LABEL: reads "seconds bytes" lines, prints the size and the median and worst time in ms.
stats() {
  sort -n | awk -v label="$1" '{ t[NR] = $1 * 1000; size = $2 }
    END { printf "%s: %d bytes, median %.2f ms, max %.2f ms over %d scrapes\n", label, size, t[int((NR + 1) / 2)], t[NR], NR }'
}
scrape() { curl -s -o "$work/body" -w '%{time_total} %{size_download}\n' "http://$address$1"; }

# Renderings are shared for 1 s: a pause longer than that makes every scrape render afresh.
for _ in $(seq 10); do sleep 1.1; scrape /metrics; done | stats "curl /metrics, rendered afresh"
for _ in $(seq 20); do scrape /metrics; done | stats "curl /metrics, within 1 s of the last (shared rendering)"
for _ in $(seq 5); do sleep 1.1; scrape /status; done | stats "curl /status, rendered afresh"
scrape /metrics >/dev/null
echo "series in one scrape: $(grep -vc '^#' "$work/body")"
if command -v promtool >/dev/null; then
  if report=$(promtool check metrics <"$work/body" 2>&1); then
    echo "promtool check metrics: clean"
  else
    echo "promtool check metrics: $(echo "$report" | head -5)"
  fi
fi
