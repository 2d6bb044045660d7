#!/usr/bin/env bash
# drcheck against keepalived's checker inside the lab kernel (prints figures; asserts nothing): N destinations
# checked every 1 s over HTTP, keepalived's checker first and then drcheck, one after the other in the same UML boot,
# against the same real servers. N destinations are S tcp services 198.51.100.33:8000.. (rr, DR, weight 1) times
# R = min(N, 200) RIPs 203.0.113.21.. (the last service takes the rest, to make exactly N); every RIP lives in one
# real-server namespace, served by one nginx process that logs each request (time, destination, user agent).
# Per checker, over a window of SECONDS after a warm-up (at least 5 s, until every destination was probed once):
#   probes/s      the checker's requests in nginx's access log (told apart by user agent) per second
#   cpu/probe     utime+stime of the checker's processes (keepalived: the parent and its `--check` child) / probes,
#                 as the lab kernel accounts them: by sampling at its 100 Hz tick, which misses work done in step with
#                 the tick and so can understate a checker whose wakeups fall on a grid
#   lab cpu/probe the whole lab's CPU time (checker, nginx, the kernel's network work) as the host measures it, to
#                 the nanosecond, / the checker's probes: the same servers answer the same requests for both checkers,
#                 so the difference between them is the checkers' own
#   RSS           VmRSS of the checking process at the end (keepalived: the `--check` child), and with its parent
#   drained       destinations at weight 0 although every server is healthy, in samples of the kernel's table every
#                 0.5 s: the most at once and how many distinct ones; and at the end (ipvsadm -Ln)
#   log lines     lines the checker logged in the window (drcheck at info on stderr; keepalived --log-console
#                 --log-detail, its only way to log without syslog)
#   probed, interval   distinct destinations probed, and the window / (probes / N): the interval each server got
#   lab idle      the UML kernel's idle CPU over the window (/proc/stat)
# Why it exists: keepalived is the checker drcheck replaces; the issue asks for both on one load, one lab, one boot.
# Usage (from the host): Checks/bench/vs-keepalived.sh [N [SECONDS]]   (defaults 500 60; DRCHECK=path for the
# drcheck binary, default a release build of this checkout; INTERVAL=seconds for another check interval, default 1;
# MODE=dr probes through the DR path, as a director runs drcheck, where keepalived can only probe the RIPs (nginx
# then sees every probe at the VIP, so "probed" and "interval" are not told per destination); TW_BUCKETS=N sets the
# director's net.ipv4.tcp_max_tw_buckets (a namespace of the lab has 8,192; a director's default is 262,144), and
# drcheck's line adds the director's sockets in TIME_WAIT at the end of the window and its local_error and dr_path
# results; CHECKERS="drcheck" leaves keepalived out). The checkers' logs and the access log are left in
# Checks/out/vs-keepalived/ (the lab's /tmp is gone after the run).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lab/lib.sh"
if ! lab_inside; then
  drcheck=${DRCHECK:-}
  if [ -z "$drcheck" ]; then
    echo "vs-keepalived: building drcheck (release)" >&2
    (cd "$here/../.." && swift build -c release --product drcheck >&2) || exit 1
    drcheck=$here/../../.build/release/drcheck
  fi
  drcheck=$(realpath "$drcheck") || exit 1
  UML_HOST_CPU=1 lab_rerun_inside "$here/vs-keepalived.sh" DRCHECK="$drcheck" INTERVAL="${INTERVAL:-1}" \
    MODE="${MODE:-rip}" TW_BUCKETS="${TW_BUCKETS:-}" CHECKERS="${CHECKERS:-keepalived drcheck}" -- "$@"
fi
n=${1:-500}
seconds=${2:-60}
interval=${INTERVAL:-1}
mode=${MODE:-rip}
checkers=" ${CHECKERS:-keepalived drcheck} "
dir=$LAB_STATE/bench
. "$here/lab-pool.sh"
drcheck=$(lab_exe drcheck) || exit 1
results=()

# fail TEXT: says why the setup failed and exits 1.
fail() { echo "vs-keepalived: $*" >&2; exit 1; }

# keepalived_conf: prints keepalived's config for the same table: HTTP_GET every $INTERVAL s, a failed server inhibited
# (weight 0) rather than removed, as drcheck drains it. One keyword a line: keepalived knows no ";".
keepalived_conf() {
  local port rip last=""
  printf 'global_defs {\n  router_id bench\n}\n'
  destinations | while read -r port rip; do
    if [ "$port" != "$last" ]; then
      [ -z "$last" ] || echo "}"
      printf 'virtual_server %s %s {\n  delay_loop %s\n  lb_algo rr\n  lb_kind DR\n  protocol TCP\n' "$LAB_VIP" "$port" \
        "$interval"
      last=$port
    fi
    printf '  real_server %s %s {\n    weight 1\n    inhibit_on_failure\n    HTTP_GET {\n' "$rip" "$port"
    printf '      url {\n        path /\n        status_code 200\n      }\n'
    printf '      connect_timeout 1\n      retry 1\n      delay_before_retry 1\n    }\n  }\n'
  done
  echo "}"
}

# probed_since T AGENT: prints how many distinct destinations requests whose user agent begins with AGENT (drcheck's
# is "drcheck/VERSION") reached since UNIX time T.
probed_since() {
  awk -v t="$1" -v ua="\"$2" '$1 >= t && index($3, ua) == 1 && !($2 in seen) { seen[$2]; k++ } END { print k + 0 }' \
    "$access"
}

# measure NAME PID RSS-PID AGENT LOG: the window: SECONDS from now, sampling weight-0 destinations every 0.5 s; prints
# the figures as one line of key=value.
measure() {
  lab_in lvs python3 -S - "$@" "$seconds" "$n" "$LAB_VIP" "$access" <<'PY'
import os, socket, struct, subprocess, sys, time
name, root, rss_pid, agent, log, seconds, n, vip, access = sys.argv[1:]
seconds, n, tick = float(seconds), int(n), os.sysconf("SC_CLK_TCK")
vip_hex = "%08X:" % struct.unpack("!I", socket.inet_aton(vip))[0]

def tree():  # root and every descendant, with their utime+stime
    parent, ticks = {}, {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            fields = open("/proc/%s/stat" % pid).read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parent[pid], ticks[pid] = fields[1], int(fields[11]) + int(fields[12])
    pids = {root}
    while True:
        more = {p for p, pp in parent.items() if pp in pids} - pids
        if not more:
            return {p: ticks.get(p, 0) for p in pids}
        pids |= more

def host_cpu():  # (wall ns, CPU ns) of the whole lab, as the host measures it (see uml-run.sh)
    wall, cpu = open(os.environ["LAB_RUN"] + "/host-cpu").read().split()
    return int(wall), int(cpu)

def lab_cpu():  # (idle+iowait, total) ticks of the lab kernel
    v = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    return v[3] + v[4], sum(v[:8])

def log_lines():
    with open(log, "rb") as f:
        return f.read().count(b"\n")

def rss_mb(pid):
    for line in open("/proc/%s/status" % pid):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0

def zero_weights():  # the weight-0 destinations of the VIP's services in the kernel's table
    zero, service = set(), None
    for line in open("/proc/net/ip_vs"):
        f = line.split()
        if not line.startswith(" "):
            service = f[1] if len(f) > 1 and f[1].startswith(vip_hex) else None
        elif service and f[0] == "->" and f[3] == "0":
            zero.add((service, f[1]))
    return zero

t0, c0, s0, l0, h0 = time.time(), sum(tree().values()), lab_cpu(), log_lines(), host_cpu()
zero = zero_weights()
drained_max, drained_any = len(zero), zero
while time.time() < t0 + seconds:
    time.sleep(min(0.5, max(0, t0 + seconds - time.time())))
    zero = zero_weights()
    drained_max, drained_any = max(drained_max, len(zero)), drained_any | zero
pids = tree()
t1, c1, s1, l1, h1 = time.time(), sum(pids.values()), lab_cpu(), log_lines(), host_cpu()
rss, rss_all = rss_mb(rss_pid), sum(rss_mb(p) for p in pids)
table = subprocess.run(["ipvsadm", "-Ln"], capture_output=True, text=True).stdout.splitlines()
inside, drained_end, dests_end = False, 0, 0
for line in table:
    f = line.split()
    if f and f[0] in ("TCP", "UDP", "FWM"):
        inside = f[1].startswith(vip + ":")
    elif inside and f and f[0] == "->" and f[1][0].isdigit():
        dests_end += 1
        drained_end += f[3] == "0"
drained_max = max(drained_max, drained_end)
per_dest = {}
for line in open(access):
    f = line.split(" ", 2)
    if t0 <= float(f[0]) < t1 and f[2].strip().startswith('"%s' % agent):
        per_dest[f[1]] = per_dest.get(f[1], 0) + 1
window, probes, cpu = t1 - t0, sum(per_dest.values()), (c1 - c0) / tick
idle = 100 * (s1[0] - s0[0]) / max(1, s1[1] - s0[1])
host = (h1[1] - h0[1]) / 1e9
print("checker=%s n=%d window_s=%.1f probes=%d probes_per_s=%.1f cpu_s=%.2f cpu_ms_per_probe=%.3f cpu_pct=%.1f "
      "rss_mb=%.1f rss_all_mb=%.1f drained_max=%d drained_any=%d drained_end=%d dests_end=%d log_lines=%d probed=%d "
      "interval_s=%.2f lab_idle_pct=%.1f lab_cpu_ms_per_probe=%.3f lab_cpu_pct=%.1f" % (
      name, n, window, probes, probes / window, cpu, 1000 * cpu / max(1, probes), 100 * cpu / window, rss,
      rss_all, drained_max, len(drained_any), drained_end, dests_end, l1 - l0, len(per_dest),
      window / (probes / n) if probes else float("inf"), idle, 1000 * host / max(1, probes),
      100 * host / ((h1[0] - h0[0]) / 1e9)))
PY
}

# run NAME PID RSS-PID AGENT LOG: warm-up (at least 5 s, at most 60 s and three intervals, until every destination
# was probed), the window, then stops PID (TERM) and flushes the table; keeps the figures in results.
run() {
  local name=$1 pid=$2 start=$EPOCHREALTIME start_s=$SECONDS probed=0 line
  sleep 5
  while probed=$(probed_since "$start" "$4") && [ "$probed" -lt "$n" ] &&
    [ $((SECONDS - start_s)) -lt $((60 + 3 * interval)) ] && kill -0 "$pid" 2>/dev/null; do
    sleep 1
  done
  kill -0 "$pid" 2>/dev/null || fail "$name stopped during the warm-up; its log: $(tail -n 5 "$5")"
  echo "== $name: warm-up $((SECONDS - start_s)) s, $probed of $n destinations probed; measuring $seconds s"
  line=$(measure "$@") || fail "measuring $name failed"
  echo "$line"
  [ "$name" != drcheck ] || line+=" $(director_leftovers)"
  results+=("$line")
  kill -TERM "$pid"
  wait "$pid"
  lab_in lvs ipvsadm -C
}

# director_leftovers: the director's sockets in TIME_WAIT now, and drcheck's local_error and dr_path results so far
# (from its /metrics), as "time_wait=N local_error=N dr_path=N".
director_leftovers() {
  local tw metrics
  tw=$(lab_in lvs ss -Htan state time-wait | wc -l)
  metrics=$(lab_in lvs curl -s --max-time 5 http://127.0.0.1:9469/metrics)
  awk -v tw="$tw" '/^drcheck_probe_results_total\{/ {
      if (index($0, "class=\"local_error\"")) l += $NF; if (index($0, "class=\"dr_path\"")) d += $NF }
    END { printf "time_wait=%d local_error=%d dr_path=%d\n", tw, l, d }' <<<"$metrics"
}

# keepalived_run: keepalived's checker alone (-C, no VRRP), in the foreground, building the table from its config.
keepalived_run() {
  local pid k
  keepalived_conf >"$dir/keepalived.conf"
  lab_in lvs ipvsadm -C
  ip netns exec lvs keepalived --dont-fork --dont-respawn --log-console --log-detail --check \
    -f "$dir/keepalived.conf" -p "$dir/keepalived.pid" -c "$dir/checker.pid" >"$dir/keepalived.log" 2>&1 &
  pid=$!
  lab_wait 20 test -s "$dir/checker.pid" || fail "keepalived's checker did not start: $(tail -n 5 "$dir/keepalived.log")"
  read -r k <"$dir/checker.pid"
  run keepalived "$pid" "$k" KeepAliveClient "$dir/keepalived.log"
}

# drcheck_run: the drcheck daemon discovering the same table, restored with ipvsadm -R.
drcheck_run() {
  lab_in lvs ipvsadm -C
  ipvs_rules | lab_in lvs ipvsadm -R || fail "ipvsadm -R failed"
  printf 'discover: true\ndefaults: {interval: %ss, timeout: 1s, rise: 1, fall: 2, mode: %s}\n' "$interval" "$mode" \
    >"$dir/drcheck.yaml"
  ip netns exec lvs "$drcheck" --config "$dir/drcheck.yaml" --state "$dir/state.json" --listen 127.0.0.1:9469 \
    --log-level info 2>"$dir/drcheck.log" >/dev/null &
  run drcheck "$!" "$!" drcheck/ "$dir/drcheck.log"
}

mkdir -p "$dir"
ulimit -n 65536 || fail "ulimit -n 65536 refused"
topology || fail "topology failed"
nginx_start || fail "nginx did not listen: $(tail -n 5 "$dir/nginx.err")"
echo "== $n destinations: $services service(s) $LAB_VIP:$LAB_PORT..$((LAB_PORT + services - 1)) x up to $rips RIPs" \
  "$(lab_rip 1)..$(lab_rip "$rips"), one nginx; every check ${interval} s; open-file limit $(ulimit -n) for both checkers"
[ -z "${TW_BUCKETS:-}" ] || lab_in lvs sysctl -q -w net.ipv4.tcp_max_tw_buckets="$TW_BUCKETS" || fail "tw_buckets"
echo "== the director: net.ipv4.tcp_max_tw_buckets $(lab_in lvs sysctl -n net.ipv4.tcp_max_tw_buckets)," \
  "local ports $(lab_in lvs sysctl -n net.ipv4.ip_local_port_range | tr '\t' '-'), drcheck in $mode mode"
[[ $checkers != *" keepalived "* ]] || keepalived_run
[[ $checkers != *" drcheck "* ]] || drcheck_run
mkdir -p "$LAB_ROOT/Checks/out/vs-keepalived"
cp "$dir"/*.log "$dir/nginx.err" "$dir/keepalived.conf" "$LAB_ROOT/Checks/out/vs-keepalived/" 2>/dev/null
echo
echo "== $n destinations, window $seconds s, drcheck $drcheck"
printf '%s\n' "${results[@]}" | awk '
  BEGIN { printf "%-10s %8s %10s %6s %8s %8s %12s %12s %12s %9s %6s %8s %13s %7s\n", "checker", "probes/s",
          "cpu/probe", "cpu", "RSS", "RSS all", "drained(max)", "drained(any)", "drained(end)", "log lines", "probed",
          "interval", "lab cpu/probe", "lab cpu" }
  { for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
    printf "%-10s %8s %7s ms %5s%% %5s MB %5s MB %12s %12s %12s %9s %6s %6s s %10s ms %6s%%\n", v["checker"],
      v["probes_per_s"], v["cpu_ms_per_probe"], v["cpu_pct"], v["rss_mb"], v["rss_all_mb"], v["drained_max"],
      v["drained_any"], v["drained_end"], v["log_lines"], v["probed"], v["interval_s"], v["lab_cpu_ms_per_probe"],
      v["lab_cpu_pct"]
    if ("time_wait" in v) printf "  %s: %s sockets in TIME_WAIT at the end, %s local_error and %s dr_path results\n",
      v["checker"], v["time_wait"], v["local_error"], v["dr_path"] }'
echo "(cpu: as the lab kernel samples it at its tick; lab cpu: the whole lab, servers and kernel included, as the host" \
  "measures it. RSS: the checking process, keepalived's --check child; RSS all: with its parent. drained: healthy" \
  "destinations at weight 0, most at once and all distinct ones in samples every 0.5 s, and at the end)"
