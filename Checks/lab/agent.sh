# shellcheck shell=bash
# Running the drcheck daemon and `drcheck --once` in the lab's director namespace, sourced after lib.sh.
# The daemon logs at debug level (one line per probe result) to $AGENT_LOG; its state lives in $AGENT_STATE.

AGENT_BIN=                          # set by agent_require: the drcheck binary (lab_exe; $DRCHECK overrides it)
AGENT_DIR=$LAB_STATE/drcheck
AGENT_STATE=$AGENT_DIR/state.json
AGENT_CONFIG=$AGENT_DIR/drcheck.yaml
AGENT_LOG=$AGENT_DIR/daemon.log
AGENT_LISTEN=127.0.0.1:9469
AGENT_PID=
# The fwmarks of drcheck's own DR probe services: its default probe_marks, 0x44520000-0x4452ffff, handed out from the
# first one up.
AGENT_PROBE_MARK_FIRST=$((0x44520000))
AGENT_PROBE_MARK_LAST=$((0x4452ffff))

# agent_require: sets $AGENT_BIN, or fails the scenario at once when the drcheck binary is missing.
agent_require() {
  AGENT_BIN=$(lab_exe drcheck) || exit 1
  mkdir -p "$AGENT_DIR"
}

# agent_probe_services: drcheck's DR probe services in the director's IPVS table, "MARK RIP:PORT FORWARD WEIGHT" a
# destination, one a line, in ipvsadm's order.
agent_probe_services() {
  lab_in lvs ipvsadm -Ln | awk -v first="$AGENT_PROBE_MARK_FIRST" -v last="$AGENT_PROBE_MARK_LAST" '
    /^[A-Z]/ { mark = ($1 == "FWM" && $2 >= first && $2 <= last) ? $2 : ""; next }
    mark && $1 == "->" && $2 ~ /^[0-9]/ { print mark, $2, $3, $4 }'
}

# agent_config: writes standard input to $AGENT_CONFIG.
agent_config() { cat >"$AGENT_CONFIG"; }

# agent_web_config [CHECK-LINE...] [-- ADDRESS WEIGHT...]: prints a config for the lab's service, named web, probed
# every 1s with a 900ms timeout and rise 2 (on this loaded 2-core machine a 300 ms timeout fails healthy servers now
# and then), plus each CHECK-LINE ("key: value") in its check: one for interval, timeout or rise replaces that default
# (for a scenario whose figures depend on its own timing); after --, each "ADDRESS WEIGHT" a real server's
# configured weight. Top-level settings go before it: { echo "arp_watch: 1s"; agent_web_config; } | agent_config.
agent_web_config() {
  local line checks=() given=" "
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do
    checks+=("$1")
    given+="${1%%:*} "
    shift
  done
  printf 'services:\n  - name: web\n    vip: "%s"\n    check:\n' "$LAB_SERVICE"
  for line in "interval: 1s" "timeout: 900ms" "rise: 2"; do
    [[ $given == *" ${line%%:*} "* ]] || echo "      $line"
  done
  for line in "${checks[@]}"; do echo "      $line"; done
  [ $# -gt 1 ] || return 0
  shift
  echo "    real_servers:"
  for line in "$@"; do printf '      - address: %s\n        weight: %s\n' "${line% *}" "${line#* }"; done
}

# agent_many_services SERVERS SERVICES [MODE]: SERVICES tcp services VIP:8000.. each over all SERVERS real servers
# (DR, weight 1; the lab's topology must exist), and a config that checks each on its own path every 1 s with a
# 900 ms timeout, so that the real servers' request logs tell the checks apart; in MODE rip (the default: at its RIP)
# or dr (through the DR path).
agent_many_services() {
  local servers=$1 services=$2 mode=${3:-rip} s i
  for ((s = 1; s < services; s++)); do
    echo "-A -t $LAB_VIP:$((LAB_PORT + s)) -s rr"
    for ((i = 1; i <= servers; i++)); do echo "-a -t $LAB_VIP:$((LAB_PORT + s)) -r $(lab_rip "$i"):$((LAB_PORT + s)) -g -w 1"; done
  done | lab_in lvs ipvsadm -R
  {
    echo "services:"
    for ((s = 0; s < services; s++)); do
      echo "  - name: s$s"
      echo "    vip: \"$LAB_VIP:$((LAB_PORT + s))\""
      echo "    check: {mode: $mode, port: $LAB_PORT, path: /s$s, interval: 1s, timeout: 900ms}"
    done
  } | agent_config
}

# agent_start [ARG...]: starts the daemon in lvs with $AGENT_CONFIG (extra ARGs appended) at log level
# $AGENT_LOG_LEVEL (default debug: a line per probe result); waits until it listens.
agent_start() {
  : >>"$AGENT_LOG"
  # `ip netns exec` execs drcheck, so $! is drcheck itself and signals reach it.
  ip netns exec lvs "$AGENT_BIN" --config "$AGENT_CONFIG" --state "$AGENT_STATE" --listen "$AGENT_LISTEN" \
    --log-level "${AGENT_LOG_LEVEL:-debug}" "$@" >>"$AGENT_LOG" 2>&1 &
  AGENT_PID=$!
  local i
  for ((i = 0; i < 100; i++)); do
    lab_in lvs curl -s -o /dev/null --max-time 1 "http://$AGENT_LISTEN/healthz" && return 0
    kill -0 "$AGENT_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "FAIL - the daemon did not start; its log:"
  tail -n 20 "$AGENT_LOG"
  return 1
}

# agent_wait_ready [SECONDS]: waits (default 30 s) until the daemon's /healthz answers 200: every server probed once.
agent_wait_ready() {
  lab_wait "${1:-30}" lab_prints 200 lab_in lvs curl -s -o /dev/null -w '%{http_code}' "http://$AGENT_LISTEN/healthz"
}

# agent_zero_config_once: one `drcheck --once` pass in lvs without a config file (zero-config), its output shown
# indented; sets AGENT_ONCE_OUT and AGENT_ONCE_STATUS. Returns 1, saying so, when /etc/drcheck/drcheck.yaml exists on
# this machine (the pass would read it): the caller skips its checks.
agent_zero_config_once() {
  if [ -e /etc/drcheck/drcheck.yaml ]; then
    echo "skipped: /etc/drcheck/drcheck.yaml exists on this machine"
    return 1
  fi
  AGENT_ONCE_STATUS=0
  AGENT_ONCE_OUT=$(lab_in lvs "$AGENT_BIN" --once --state "$AGENT_STATE" 2>&1) || AGENT_ONCE_STATUS=$?
  sed 's/^/    | /' <<<"$AGENT_ONCE_OUT"
}

# agent_signal SIGNAL: sends SIGNAL to the daemon.
agent_signal() { kill -s "$1" "$AGENT_PID"; }

# agent_stop [SIGNAL]: stops the daemon (TERM by default) and waits for it; its exit status goes to $AGENT_EXIT.
# (Not from a $(...) subshell: only this shell can wait for the daemon.)
agent_stop() {
  AGENT_EXIT=0
  kill -s "${1:-TERM}" "$AGENT_PID" 2>/dev/null
  wait "$AGENT_PID" 2>/dev/null || AGENT_EXIT=$?
  AGENT_PID=
}

# agent_get PATH: prints the daemon's answer to GET PATH. The daemon serves one rendering of /metrics and of /status
# for up to 1 s (many scrapers cost it one rendering), so a read within 1 s of the previous one could show the state
# before the step just taken: each read waits until 1.1 s have passed since the previous read's answer.
AGENT_LAST_READ=$AGENT_DIR/last-read
agent_get() {
  local last
  last=$(cat "$AGENT_LAST_READ" 2>/dev/null || echo 0)
  sleep "$(awk -v last="$last" -v now="$(date +%s.%N)" 'BEGIN { w = last + 1.1 - now; print (w > 0 ? w : 0) }')"
  lab_in lvs curl -s --max-time 2 "http://$AGENT_LISTEN$1"
  date +%s.%N >"$AGENT_LAST_READ"
}

# agent_status_field I FIELD: prints FIELD of rsI's entry in the daemon's /status JSON (first service).
agent_status_field() {
  agent_get /status | python3 -c '
import json, sys
rip, field = sys.argv[1], sys.argv[2]
for service in json.load(sys.stdin)["services"]:
    for server in service["real_servers"]:
        if server["address"] == rip:
            print(server.get(field))
            sys.exit(0)
' "$(lab_rip "$1"):$LAB_PORT" "$2"
}

# agent_status_agent FIELD: prints FIELD of the agent object in the daemon's /status, as JSON (null when absent).
agent_status_agent() {
  agent_get /status |
    python3 -c 'import json, sys; print(json.dumps(json.load(sys.stdin)["agent"].get(sys.argv[1])))' "$1"
}

# agent_once [ARG...]: one `drcheck --once` pass in lvs with the scenario's config and state; output on stdout,
# its exit status returned.
agent_once() {
  lab_in lvs "$AGENT_BIN" --once --config "$AGENT_CONFIG" --state "$AGENT_STATE" "$@"
}

# agent_weight I: prints rsI's weight in the VIP service, as ipvsadm shows it.
agent_weight() {
  lab_in lvs ipvsadm -Ln -t "$LAB_SERVICE" | awk -v rip="$(lab_rip "$1"):$LAB_PORT" '$2 == rip {print $4}'
}

# agent_weights: prints every real server's weight, "rs1=W rs2=W ...".
agent_weights() {
  local i out=()
  for ((i = 1; i <= LAB_SERVERS; i++)); do out+=("rs$i=$(agent_weight "$i")"); done
  echo "${out[*]}"
}

# agent_wait_weight I W [SECONDS]: waits (default 20 s) until rsI's weight is W; returns 1 on time-out.
agent_wait_weight() { lab_wait "${3:-20}" lab_prints "$2" agent_weight "$1"; }

# agent_failures_before_down I: how many failed probes of rsI the log shows since its last "up" state before the
# first "down" transition after it: the fall count drcheck acted on.
agent_failures_before_down() {
  local rip
  rip="$(lab_rip "$1"):$LAB_PORT"
  awk -v rip="$rip" '
    index($0, rip ": down (") { print n; exit }
    index($0, rip ": ok ") { n = 0; next }
    index($0, rip ": ") && / (timeout|connect_refused|connect_error|reset|protocol_error|http_status|body_mismatch|tls_error|dr_path) / { n++ }
  ' "$AGENT_LOG"
}

# agent_metric QUERY: prints the value of the first /metrics line starting with QUERY (a name with labels).
agent_metric() {
  agent_get /metrics | awk -v q="$1" 'index($0, q) == 1 {print $NF; exit}'
}

# agent_last_detail SERVICE RIP:PORT: the last probe result's detail of that real server in the service named
# SERVICE (its label), from /status.
agent_last_detail() {
  agent_get /status | python3 -c '
import json, sys
service, server = sys.argv[1], sys.argv[2]
print(next(r.get("last_detail") for s in json.load(sys.stdin)["services"] if s["name"] == service
           for r in s["real_servers"] if r["address"] == server))' "$1" "$2"
}

# agent_descriptors: the daemon's open descriptors between probes: the fewest of ten counts 50 ms apart (a count taken
# while a probe runs includes its socket).
agent_descriptors() {
  local i count fewest=""
  for ((i = 0; i < 10; i++)); do
    count=$(ls "/proc/$AGENT_PID/fd" | wc -l)
    [ -n "$fewest" ] && [ "$count" -ge "$fewest" ] || fewest=$count
    sleep 0.05
  done
  echo "$fewest"
}

# agent_log_count TEXT: prints how many lines of the daemon's log contain TEXT (a fixed string).
agent_log_count() { grep -cF -- "$1" "$AGENT_LOG"; }

# agent_wait_log TEXT [COUNT] [SECONDS]: waits (default 20 s) until the daemon's log holds COUNT (default 1) lines
# containing TEXT; returns 1 on time-out.
agent_wait_log() { lab_wait "${3:-20}" agent_log_holds "$1" "${2:-1}"; }

# agent_log_holds TEXT COUNT: succeeds when the daemon's log holds at least COUNT lines containing TEXT.
agent_log_holds() { [ "$(agent_log_count "$1")" -ge "$2" ]; }

# agent_service_field FIELD [SERVICE]: prints FIELD of the service named SERVICE (default: the first) in /status;
# booleans as JSON writes them.
agent_service_field() {
  agent_get /status | python3 -c '
import json, sys
field, name = sys.argv[1], sys.argv[2]
for service in json.load(sys.stdin)["services"]:
    if name in ("", service["name"]):
        print(json.dumps(service.get(field)))
        sys.exit(0)
' "$1" "${2:-}"
}

# agent_weights_seen I SECONDS: samples rsI's weight for SECONDS and prints each distinct value in the order first
# seen, space-separated (e.g. "0" for a weight that held, "0 1 4" for one that changed).
agent_weights_seen() {
  local deadline=$((SECONDS + $2)) w seen=" "
  while [ "$SECONDS" -lt "$deadline" ]; do
    w=$(agent_weight "$1")
    [[ $seen == *" $w "* ]] || seen+="$w "
    sleep 0.2
  done
  seen=${seen# }
  echo "${seen% }"
}

# agent_finish: stops a daemon still running; when a check failed, shows its log without the probe lines (debug) and
# keeps the whole log as Checks/out/<scenario>.daemon.log (the lab's /tmp is gone after the run); then lab_finish.
agent_finish() {
  [ -z "$AGENT_PID" ] || agent_stop TERM
  if [ "$LAB_FAILED" -gt 0 ] && [ -s "$AGENT_LOG" ]; then
    echo "--- the daemon's log, last 80 lines above debug level:"
    grep -v '^[^ ]* debug ' "$AGENT_LOG" | tail -n 80
    mkdir -p "$LAB_ROOT/Checks/out"
    cp "$AGENT_LOG" "$LAB_ROOT/Checks/out/$(basename "$0" .sh).daemon.log"
  fi
  lab_finish
}

# agent_watch_weight I MIN MAX SECONDS: follows rsI's weight in the VIP service from the kernel's /proc/net/ip_vs in
# the director (one process polling every 20 ms: an exec per sample is far too slow in UML) until it lies in
# MIN..MAX, at most SECONDS; prints "UNIX-TIME WEIGHT" for the first reading and each change, flushed line by line.
# Returns 1 on time-out.
agent_watch_weight() {
  lab_in lvs python3 -S -u -c '
import socket, struct, sys, time
rip, service, low, high, limit = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
def hexed(endpoint):
    address, port = endpoint.split(":")
    return "%08X:%04X" % (struct.unpack("!I", socket.inet_aton(address))[0], int(port))
want_service, want_rip = "TCP  " + hexed(service), hexed(rip)
def weight():
    current = None
    for line in open("/proc/net/ip_vs"):
        if not line.startswith(" "):
            current = line.startswith(want_service)
        elif current and line.split()[1] == want_rip:
            return int(line.split()[3])
last, end = None, time.time() + limit
while time.time() < end:
    w = weight()
    if w != last:
        print("%.3f %s" % (time.time(), w))
        last = w
    if w is not None and low <= w <= high:
        sys.exit(0)
    time.sleep(0.02)
sys.exit(1)
' "$(lab_rip "$1"):$LAB_PORT" "$LAB_SERVICE" "$2" "$3" "$4"
}

# agent_rs_kill I: stops rsI's HTTP server as lab_rs_stop does, but takes the time of the kill in $AGENT_KILLED_AT
# with no exec before it (an exec takes a good part of a second in UML), for latency figures.
agent_rs_kill() {
  local pidfile="$LAB_STATE/rs$1.pid" pid
  read -r pid <"$pidfile"
  AGENT_KILLED_AT=$EPOCHREALTIME
  kill "$pid"
  wait "$pid" 2>/dev/null
  rm -f "$pidfile"
}

# agent_latency_ms I: milliseconds from $AGENT_KILLED_AT to rsI's last change in /status (its drain, once it is
# drained and nothing else changed since).
agent_latency_ms() {
  python3 -c 'import sys; print(round((float(sys.argv[1]) - float(sys.argv[2])) * 1000))' \
    "$(agent_status_field "$1" last_change_at)" "$AGENT_KILLED_AT"
}
