#!/usr/bin/env bash
# Scrape time and size of /metrics and /status with N real servers (default 2000): figures only, no assertions.
# Builds exporter-bench in release mode, which fills every metric family for N synthetic servers, prints how long
# rendering holds the loop, and serves on loopback; then curl scrapes it and promtool lints one scrape.
# Usage: Checks/bench/exporter-bench.sh [SERVERS]   (scratch folder: $EXPORTER_BENCH_SCRATCH or .build-exporter)
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
servers=${1:-2000}
. Checks/bench/exporter-lib.sh
exporter_bench_start "$servers"
cat "$work/out"

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
