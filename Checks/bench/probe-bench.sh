#!/usr/bin/env bash
# The probe engine's benchmark (prints figures, asserts nothing): N checks (default 2,000) at a 1 s interval for
# S seconds (default 30) against nginx on loopback, each check at its own address (127.1.0.1, 127.1.0.2, ...: a
# director's real servers each have their own) with its own URL.
# Prints probes per CPU-second of drcheck, lateness of probe starts against their due time (p50/p99/max) and RSS.
# Against keepalived, compare with Checks/bench/vs-keepalived.sh (both checkers in one lab boot).
# Usage: Checks/bench/probe-bench.sh [CHECKS [SECONDS]]   (DRCHECK=path to use an already built binary)
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
checks=${1:-2000}
seconds=${2:-30}
port=${PROBE_BENCH_PORT:-28080}
. "$root/Checks/lab/lib.sh"
command -v nginx >/dev/null || PATH=$PATH:/usr/sbin
command -v nginx >/dev/null || { echo "probe-bench: nginx missing; run Packaging/install-deps.sh" >&2; exit 2; }

if [ -z "${DRCHECK:-}" ]; then
  echo "probe-bench: building drcheck (release)" >&2
  (cd "$root" && swift build -c release --product drcheck >&2)
  DRCHECK="$(cd "$root" && swift build -c release --show-bin-path)/drcheck"
fi

work=$(mktemp -d /tmp/probe-bench.XXXXXX)
nginx_pid=""
cleanup() {
  [ -z "$nginx_pid" ] || kill "$nginx_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# nginx in the foreground on every address at $port, answering every path with a short 200; no logs.
{
  echo "worker_processes 1; daemon off; pid $work/nginx.pid; error_log $work/error.log warn;"
  echo "events { worker_connections 8192; }"
  echo "http { access_log off; keepalive_timeout 0; client_body_temp_path $work; proxy_temp_path $work;"
  echo "  fastcgi_temp_path $work; uwsgi_temp_path $work; scgi_temp_path $work;"
  echo "  server {"
  echo "    listen $port;"
  echo "    location / { return 200 \"ok\n\"; }"
  echo "  }"
  echo "}"
} >"$work/nginx.conf"
nginx -c "$work/nginx.conf" -p "$work" &
nginx_pid=$!
for ((tries = 50; tries > 0; tries--)); do
  curl -fsS -o /dev/null "http://127.1.0.1:$port/" 2>/dev/null && break
  sleep 0.1
done
[ "$tries" -gt 0 ] || { echo "probe-bench: nginx did not start:" >&2; cat "$work/error.log" >&2; exit 1; }

for ((i = 0; i < checks; i++)); do
  echo "http://127.1.$((i / 250)).$((i % 250 + 1)):$port/check/$i"
done >"$work/urls"

echo "== drcheck probe engine: $checks checks, 1 s interval, ${seconds} s, nginx on loopback, an address each"
echo "machine: $(nproc) CPUs, load before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
"$DRCHECK" probe --bench "$work/urls" --bench-duration "${seconds}s" --interval 1s --timeout 1s --expect-body '^ok$'
echo "(the engine alone on this host; Checks/bench/vs-keepalived.sh compares the daemon with keepalived in one lab boot)"
