# shellcheck shell=bash
# Starting exporter-bench for the exporter benchmarks, sourced by them (from the repository root).
# Sets $work (a temporary folder, removed on exit), $bench_pid and $address; the program's output is in $work/out.

. Checks/lab/lib.sh
work=$(mktemp -d)
bench_pid=
address=

exporter_cleanup() {
  [[ -n $bench_pid ]] && kill "$bench_pid" 2>/dev/null && wait "$bench_pid" 2>/dev/null
  rm -rf "$work"
}
trap exporter_cleanup EXIT

# exporter_bench_start SERVERS [TIMERS]: builds exporter-bench (release, in $EXPORTER_BENCH_SCRATCH or
# .build-exporter), starts it on a free loopback port and waits until it listens.
exporter_bench_start() {
  local scratch=${EXPORTER_BENCH_SCRATCH:-.build-exporter}
  swift build -c release --scratch-path "$scratch" --product exporter-bench 2>&1 | tail -1
  "$scratch/release/exporter-bench" "$1" 127.0.0.1:0 "${2:-0}" >"$work/out" 2>&1 &
  bench_pid=$!
  for _ in $(seq 600); do
    grep -q '^listening on ' "$work/out" && break
    kill -0 "$bench_pid" 2>/dev/null || { cat "$work/out"; exit 1; }
    sleep 0.1
  done
  address=$(sed -n 's/^listening on //p' "$work/out")
}
