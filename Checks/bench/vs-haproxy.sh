#!/usr/bin/env bash
# drcheck's probe engine against HAProxy's health checks and a minimal C checker, on this host's own kernel (prints
# figures, asserts nothing; see README.md for the figures and what they mean). Each checker in turn, alone, probes the
# same N targets (default 2,000) every 1 s, timeout 1 s, for a window of S seconds (default 30) after a warm-up of
# 5 s, against one nginx (1 worker, no keep-alive) listening on :28080, each target at its own loopback address
# (127.1.0.1, 127.1.0.2, ...: a director's real servers each have their own) and its own path /check/I:
#   C floor  Checks/bench/min-checker.c: one thread, epoll; connect, one write, read the status line, close
#   HAProxy  Debian's haproxy, nbthread 1, one backend of N servers, option httpchk, inter 1s; no traffic but checks
#   drcheck  `drcheck probe --bench`: the daemon's scheduler and probe engine (libcurl multi on one epoll loop)
# All three are measured alike, from outside, over the window: CPU = the time on CPU of the checker's threads (sum of
# the first field of /proc/PID/task/*/schedstat, ns), probes = the requests nginx served (its stub_status counter, on
# 127.0.0.20:28081, which no checker touches). Loopback's network work is charged to whichever side is on CPU when it
# happens, which moves some of it between checker and nginx from run to run: "+nginx" adds nginx's CPU in the window,
# the whole cost of the probes (nginx's own work is the same for all three, but for the TLS handshakes that a checker
# resumes, which spare nginx too).
# A second section always follows: the same with one target in ten over https (nginx on :28443, self-signed RSA-2048
# certificate). HAProxy runs as configured by default (check-ssl verify none: it resumes TLS sessions) and with
# no-ssl-reuse; the C floor with a full handshake per probe and with resumption (-r); drcheck with --insecure, full
# handshakes (its default), and resuming each server's session (--tls-resume 1m, config key tls_resume). nginx
# logs each https request's $ssl_session_reused, which gives each checker's resumed handshakes.
# Below each row, the checker's own account: the C floor's and drcheck's summaries, haproxy's DOWN reports and mean
# check duration (HAProxy starts the next check 1 s after the end of the last: its rate is N / (1 s + duration)).
# Usage: Checks/bench/vs-haproxy.sh [TARGETS [SECONDS]]   (DRCHECK=path to use an already built binary; WARMUP=s)
# Installs what is missing with apt-get: haproxy, nginx, gcc, openssl, libssl-dev, curl.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
targets=${1:-2000}
seconds=${2:-30}
warmup=${WARMUP:-5}
port=28080
tls_port=28443
status_url=http://127.0.0.20:28081/nginx_status
haproxy_stats=127.0.0.20:28082
[[ $targets =~ ^[1-9][0-9]*$ && $seconds =~ ^[1-9][0-9]*$ && $warmup =~ ^[0-9]+$ ]] || {
  echo "usage: $0 [TARGETS [SECONDS]]   (DRCHECK=path, WARMUP=seconds)" >&2
  exit 2
}

PATH=$PATH:/usr/sbin:/sbin
missing=()
for command in haproxy nginx gcc openssl curl; do command -v "$command" >/dev/null || missing+=("$command"); done
[ -e /usr/include/openssl/ssl.h ] || missing+=(libssl-dev)
if [ ${#missing[@]} -gt 0 ]; then
  echo "vs-haproxy: installing ${missing[*]}" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
fi

if [ -z "${DRCHECK:-}" ]; then
  echo "vs-haproxy: building drcheck (release)" >&2
  (cd "$root" && swift build -c release --product drcheck >&2)
  DRCHECK="$(cd "$root" && swift build -c release --show-bin-path)/drcheck"
fi

work=$(mktemp -d /tmp/vs-haproxy.XXXXXX)
nginx_pid=""
checker_pid=""
cleanup() {
  local pid
  for pid in $checker_pid $nginx_pid; do kill "$pid" 2>/dev/null || true; done
  for pid in $checker_pid $nginx_pid; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

gcc -O2 -Wall -o "$work/min-checker" "$here/min-checker.c" -lssl -lcrypto
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=bench.test -keyout "$work/key.pem" -out "$work/cert.pem" \
  2>/dev/null

# nginx in the foreground: every path answers a short 200 and closes; https requests are logged with whether their
# TLS session was resumed (the plain ones are not logged: their count is stub_status's).
{
  echo "worker_processes 1; daemon off; pid $work/nginx.pid; error_log $work/error.log warn;"
  echo "worker_rlimit_nofile 16384; events { worker_connections 8192; }"
  echo "http { access_log off; keepalive_timeout 0; client_body_temp_path $work; proxy_temp_path $work;"
  echo "  fastcgi_temp_path $work; uwsgi_temp_path $work; scgi_temp_path $work;"
  echo "  log_format tls '\$msec \$ssl_session_reused \$ssl_protocol';"
  echo "  server {"
  echo "    listen $port; listen $tls_port ssl;"
  # TLS 1.3 as well: nginx 1.22 leaves it out by default (1.23.4 adds it), and servers today speak it.
  echo "    ssl_certificate $work/cert.pem; ssl_certificate_key $work/key.pem; ssl_protocols TLSv1.2 TLSv1.3;"
  echo "    access_log $work/tls.log tls if=\$https;"
  echo "    location / { return 200 ok; }"
  echo "  }"
  echo "  server { listen 127.0.0.20:28081; location = /nginx_status { stub_status; } }"
  echo "}"
} >"$work/nginx.conf"
nginx -c "$work/nginx.conf" -p "$work" &
nginx_pid=$!
for ((tries = 50; tries > 0; tries--)); do
  curl -fsS -o /dev/null "$status_url" 2>/dev/null && break
  sleep 0.1
done
[ "$tries" -gt 0 ] || { echo "vs-haproxy: nginx did not start:" >&2; cat "$work/error.log" >&2; exit 1; }
nginx_worker=$(awk -v master="$nginx_pid" '$4 == master { print $1 }' /proc/[0-9]*/stat 2>/dev/null || true)

# urls WITH-TLS: the targets, one URL a line, each at its own address; with "tls" every tenth is https.
urls() {
  local i a
  for ((i = 0; i < targets; i++)); do
    a=127.1.$((i / 250)).$((i % 250 + 1))
    if [ "$1" = tls ] && [ $((i % 10)) -eq 9 ]; then
      echo "https://$a:$tls_port/check/$i"
    else
      echo "http://$a:$port/check/$i"
    fi
  done
}

# haproxy_conf URLFILE TLS-OPTIONS: one backend, a server per URL, named after its index so that uri-lf makes its
# path; spread-checks 0 (the default) adds no jitter. HAProxy starts a server's next check `inter` after the END of
# the last one (src/check.c: t->expire = now + inter), so a server is checked every 1 s + the check's duration.
haproxy_conf() {
  cat <<EOF
global
  nbthread 1
  spread-checks 0
  # For the check durations after the window (haproxy also needs a listener to start at all).
  stats socket ipv4@$haproxy_stats level user
defaults
  mode http
  timeout connect 1s
  timeout check 1s
  timeout client 5s
  timeout server 5s
backend targets
  option httpchk
  http-check send meth GET uri-lf /check/%[srv_name] ver HTTP/1.1 hdr Host bench.test
  http-check expect status 200
  default-server inter 1s
EOF
  local url rest
  while IFS= read -r url; do
    rest=${url#*://}
    if [[ $url == https://* ]]; then
      echo "  server ${rest##*/} ${rest%%/*} check check-ssl verify none $2"
    else
      echo "  server ${rest##*/} ${rest%%/*} check"
    fi
  done <"$1"
}

cpu_ns() {
  local file ns rest total=0
  for file in /proc/"$1"/task/*/schedstat; do
    { read -r ns rest <"$file"; } 2>/dev/null && total=$((total + ns))  # a thread may end meanwhile
  done
  echo "$total"
}
# nginx_cpu: nginx's time on CPU (ns): with the checker's, the whole cost of the probes, however the kernel's loopback
# work was split between the two.
nginx_cpu() { echo $(($(cpu_ns "$nginx_pid") + $(cpu_ns "$nginx_worker"))); }
requests() { curl -fsS --max-time 5 "$status_url" | awk 'NR == 3 { print $3 }'; }
# haproxy_durations URLFILE: the mean of the servers' last check durations, plain and https apart, from haproxy's
# stats (in ms, rounded down): what its checks' period exceeds 1 s by.
haproxy_durations() {
  local csv
  exec 3<>"/dev/tcp/${haproxy_stats%:*}/${haproxy_stats#*:}"
  echo "show stat" >&3
  csv=$(timeout 5 cat <&3)
  exec 3<&-
  awk -F, 'FNR == NR { name = $0; sub(/.*\//, "", name); https[name] = /^https:/; next }
    FNR == 1 { for (i = 1; i <= NF; i++) column[$i] = i; next }
    $2 in https { d = $(column["check_duration"]); if (https[$2]) { t += d; n++ } else { p += d; m++ } }
    END { printf "mean last check duration %.1f ms plain", p / m; if (n) printf ", %.1f ms https", t / n }' \
    "$1" - <<<"$csv"
}
now() { date +%s.%N; }

row_format='%-26s %-15s %7s %9s %6s %7s %9s %9s %7s %7s %s\n'
header() {
  echo
  echo "== $1: $targets targets, 1 s interval, 1 s timeout; window ${seconds} s after ${warmup} s of warm-up"
  # "us" made "µs" after printf, whose widths count bytes.
  # shellcheck disable=SC2059
  printf "$row_format" checker "load before" probes probes/s due "cpu s" us/probe "+nginx us" "RSS MiB" threads \
    "TLS resumed" | sed 's/ us/ µs/g'
}
declare -A micros

# run LABEL KEY STOP COMMAND...: runs the checker alone through warm-up and window, prints its row, then stops it
# (STOP "term": at once; "self": it ends on its own shortly after the window, printing its own figures).
run() {
  local label=$1 key=$2 stop=$3 load cpu0 cpu1 nginx0 nginx1 req0 req1 t0 t1 rss threads pid tries resumed notes=""
  shift 3
  load=$(cut -d' ' -f1-3 /proc/loadavg)
  "$@" >"$work/out" 2>&1 &
  checker_pid=$!
  pid=$checker_pid
  sleep "$warmup"
  kill -0 "$pid" 2>/dev/null || { echo "vs-haproxy: $label ended early:" >&2; cat "$work/out" >&2; exit 1; }
  cpu0=$(cpu_ns "$pid"); nginx0=$(nginx_cpu); req0=$(requests); t0=$(now)
  sleep "$seconds"
  cpu1=$(cpu_ns "$pid"); nginx1=$(nginx_cpu); req1=$(requests); t1=$(now)
  rss=$(awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$pid/status")
  threads=$(find "/proc/$pid/task" -mindepth 1 -maxdepth 1 | wc -l)
  kill -0 "$pid" 2>/dev/null || { echo "vs-haproxy: $label ended inside the window:" >&2; cat "$work/out" >&2; exit 1; }
  if [ "$stop" = term ]; then
    notes="servers it reported DOWN: $(grep -c 'is DOWN' "$work/out" || true); $(haproxy_durations "$url_file")"
    kill "$pid"
  fi
  for ((tries = 100; tries > 0; tries--)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill "$pid" 2>/dev/null || true
  wait "$pid" || true
  checker_pid=""
  # The https requests nginx logged inside the window: "r" is a resumed session, "." a full handshake.
  resumed=$(awk -v t0="$t0" -v t1="$t1" '$1 >= t0 && $1 <= t1 { n++; r += $2 == "r"; protocol = $3 }
    END { if (n) printf "%d/%d (%s)", r, n, protocol; else print "-" }' "$work/tls.log")
  # The last status read counts itself: one request fewer.
  awk -v label="$label" -v load="$load" -v probes=$((req1 - req0 - 1)) -v cpu=$((cpu1 - cpu0)) -v t0="$t0" \
    -v t1="$t1" -v nginx=$((nginx1 - nginx0)) -v n="$targets" -v rss="$rss" -v threads="$threads" \
    -v resumed="$resumed" -v format="$row_format" -v micros="$work/micros" 'BEGIN {
      wall = t1 - t0; us = probes ? cpu / 1000 / probes : 0; both = probes ? (cpu + nginx) / 1000 / probes : 0
      printf format, label, load, probes, sprintf("%.1f", probes / wall), sprintf("%.1f%%", 100 * probes / wall / n),
        sprintf("%.3f", cpu / 1e9), sprintf("%.2f", us), sprintf("%.2f", both), rss, threads, resumed
      printf "%.4f\n", us > micros
      if (probes > 1.01 * n * wall)
        print "    (more requests than due: another client used this nginx; this row'"'"'s per-probe figures are too low)" }'
  micros[$key]=$(cat "$work/micros")
  # The checker's own account, for what nginx cannot tell (failures, lateness).
  if [ "$stop" = term ]; then
    echo "    (haproxy: $notes)"
  else
    sed -n '/^probes [0-9]\|^lateness\|^min-checker/ { s/^/    (/; s/$/)/; p; }' "$work/out"
  fi
}

# ratio NAME A B: A's CPU per probe over B's.
ratio() {
  awk -v name="$1" -v a="${micros[$2]}" -v b="${micros[$3]}" \
    'BEGIN { if (b > 0) printf "  %-50s %.2f\n", name, a / b }'
}

echo "== drcheck vs HAProxy vs a minimal C checker, on this host's kernel ($(uname -r))"
echo "machine: $(nproc) CPUs; $(haproxy -v | head -1); $(nginx -v 2>&1); libcurl $(curl-config --version | cut -d' ' -f2)"
echo "drcheck $("$DRCHECK" --version 2>/dev/null || echo '(no --version)') at $DRCHECK; $(openssl version); $(gcc --version | head -1)"
echo "cpu: the checker's threads' time on CPU (schedstat); probes: requests nginx served in the window; due: probes"
echo "over targets x seconds; +nginx: checker's and nginx's CPU per probe; TLS resumed: resumed/all https requests in"
echo "the window (nginx's \$ssl_session_reused)"

urls plain >"$work/urls-plain"
urls tls >"$work/urls-tls"
haproxy_conf "$work/urls-plain" "" >"$work/haproxy-plain.cfg"
haproxy_conf "$work/urls-tls" "" >"$work/haproxy-tls.cfg"
haproxy_conf "$work/urls-tls" no-ssl-reuse >"$work/haproxy-tls-noreuse.cfg"
for config in "$work"/haproxy-*.cfg; do
  haproxy -c -q -f "$config" || { echo "vs-haproxy: $config does not validate" >&2; exit 1; }
done
# The C floor and drcheck run a little past the window and end by themselves, printing their own figures.
length=$((warmup + seconds + 2))

header "plain HTTP"
url_file=$work/urls-plain
run "C floor" floor self "$work/min-checker" "$url_file" "$length"
run "HAProxy" haproxy term haproxy -db -f "$work/haproxy-plain.cfg"
run "drcheck" drcheck self "$DRCHECK" probe --bench "$url_file" --bench-duration "${length}s" --interval 1s \
  --timeout 1s
echo "CPU per probe:"
ratio "drcheck / HAProxy" drcheck haproxy
ratio "drcheck / C floor" drcheck floor

header "one target in ten over https (TLS)"
url_file=$work/urls-tls
run "C floor, full handshakes" floor self "$work/min-checker" "$url_file" "$length"
run "C floor, resumed (-r)" floor-resumed self "$work/min-checker" -r "$url_file" "$length"
run "HAProxy (resumes)" haproxy term haproxy -db -f "$work/haproxy-tls.cfg"
run "HAProxy no-ssl-reuse" haproxy-full term haproxy -db -f "$work/haproxy-tls-noreuse.cfg"
run "drcheck --insecure" drcheck self "$DRCHECK" probe --bench "$url_file" --bench-duration "${length}s" \
  --interval 1s --timeout 1s --insecure
run "drcheck --tls-resume 1m" drcheck-resumed self "$DRCHECK" probe --bench "$url_file" \
  --bench-duration "${length}s" --interval 1s --timeout 1s --insecure --tls-resume 1m
echo "CPU per probe:"
ratio "drcheck resuming / HAProxy (as configured: resumes)" drcheck-resumed haproxy
ratio "drcheck / HAProxy no-ssl-reuse (both full handshakes)" drcheck haproxy-full
ratio "drcheck / C floor (full handshakes)" drcheck floor
ratio "drcheck resuming / C floor resumed" drcheck-resumed floor-resumed
