#!/usr/bin/env bash
# fast_interval and down_interval on the real kernel, in dr mode: with interval 5s, fast_interval 500ms and fall 3,
# rs1 stopped right after a probe it answered is drained 5 s + 2 x 0.5 s after that probe, where the same check
# without fast_interval takes 3 x 5 s. While drained (answering 500) it is probed every down_interval (2 s); once it
# passes, its second success comes one fast interval after the first (rise 2) and restores it; back up, it is probed
# every 5 s again. Each run prints its figures.
. "$(dirname "$0")/../lab/scenario.sh" agent

lab_step "topology: rs1 and rs2 at weight 1"
lab_topology_or_exit 2

# seconds A B: B - A in milliseconds.
millis() { python3 -c 'import sys; print(round((float(sys.argv[2]) - float(sys.argv[1])) * 1000))' "$1" "$2"; }

# rounds FROM TO: rs1's probe rounds between the Unix times FROM and TO (requests less than 300 ms apart are one
# round: a failing DR probe is followed by the same request to the RIP).
rounds() {
  awk -v from="$1" -v to="$2" '$1 >= from && $1 < to { if ($1 - last > 0.3) n++; last = $1 } END { print n + 0 }' \
    "$LAB_STATE/rs1.log"
}

# stop_after_probe: waits (up to 12 s) for rs1 to answer a probe, stops rs1 at once and sets ANSWERED to that
# probe's time.
stop_after_probe() {
  python3 -S -c '
import os, sys, time
path, end = sys.argv[1], time.time() + 12
size = os.path.getsize(path)
while time.time() < end and os.path.getsize(path) == size:
    time.sleep(0.02)
' "$LAB_STATE/rs1.log"
  agent_rs_kill 1
  ANSWERED=$(awk 'END { print $1 }' "$LAB_STATE/rs1.log")
}

# detect NAME CHECK...: one daemon run from a fresh state; rs1 stops right after a probe; sets DRAINED to the
# milliseconds from that probe to the drain in /status.
detect() {
  local name=$1 ready
  shift
  rm -f "$AGENT_STATE"
  lab_rs_stop 1
  lab_rs_mode 1 ok
  lab_rs_start 1
  lab_weight 1 1
  agent_web_config "interval: 5s" "timeout: 400ms" "fall: 3" "$@" | agent_config
  : >>"$AGENT_LOG"
  ready=$(($(agent_log_count "every server probed once") + 1))
  agent_start || lab_finish
  agent_wait_log "every server probed once" "$ready" 12 >/dev/null
  stop_after_probe
  agent_watch_weight 1 0 0 20 >/dev/null
  lab_expect_eq "$name: rs1 drained" "0" "$(agent_weight 1)"
  DRAINED=$(millis "$ANSWERED" "$(agent_status_field 1 last_change_at)")
}

lab_step "interval 5s, fall 3, no fast_interval: rs1 stops right after a probe"
detect "no fast_interval"
plain=$DRAINED
agent_stop TERM
echo "figure: without fast_interval: drained ${plain} ms after its last answered probe (3 x 5 s = 15000 ms)"
lab_expect_eq "without fast_interval: 15 s after it, within 1 s" "yes" \
  "$([ "$plain" -ge 14500 ] && [ "$plain" -le 16000 ] && echo yes || echo "no: $plain ms")"

lab_step "interval 5s, fast_interval 500ms, down_interval 2s, fall 3, rise 2: rs1 stops right after a probe"
detect "fast_interval" "fast_interval: 500ms" "down_interval: 2s"
fast=$DRAINED
echo "figure: with fast_interval 500ms: drained ${fast} ms after its last answered probe (5 s + 2 x 0.5 s = 6000 ms)"
lab_expect_eq "with fast_interval: 5 s + 2 x 0.5 s after it, within 0.7 s" "yes" \
  "$([ "$fast" -ge 5800 ] && [ "$fast" -le 6700 ] && echo yes || echo "no: $fast ms")"
lab_expect_eq "after exactly fall=3 failed probes" "3" "$(agent_failures_before_down 1)"

lab_step "drained, rs1 answers 500: probed every down_interval (2 s)"
lab_rs_mode 1 error
lab_rs_start 1
start=$EPOCHREALTIME
sleep 9
count=$(rounds "$start" "$EPOCHREALTIME")
echo "figure: down: $count probe rounds of rs1 in 9 s (down_interval 2s: 4 or 5; interval 5s would be 1 or 2)"
lab_expect_eq "down: 4 or 5 rounds in 9 s" "yes" "$([ "$count" -ge 4 ] && [ "$count" -le 5 ] && echo yes || echo "no: $count")"
lab_expect_eq "rs1 still drained" "0" "$(agent_weight 1)"

lab_step "rs1 passes again: its second success comes one fast interval after the first"
lab_rs_mode 1 ok
switched=$EPOCHREALTIME
agent_watch_weight 1 1 1 10 >/dev/null
lab_expect_eq "rs1 restored" "1" "$(agent_weight 1)"
restored=$(agent_status_field 1 last_change_at)
first=$(awk -v t="$switched" '$1 >= t && / mode=ok$/ {print $1; exit}' "$LAB_STATE/rs1.log")
echo "figure: restored $(millis "$first" "$restored") ms after its first passing probe (rise 2, fast_interval" \
  "500ms), $(millis "$switched" "$restored") ms after it passed again (bound 2 s + 0.5 s)"
lab_expect_eq "restored one fast interval after its first passing probe, within 0.7 s" "yes" \
  "$(ms=$(millis "$first" "$restored"); [ "$ms" -ge 450 ] && [ "$ms" -le 1200 ] && echo yes || echo "no: $ms ms")"

lab_step "up again: probed every 5 s"
sleep 11
count=$(rounds "$restored" "$EPOCHREALTIME")
echo "figure: up: $count probe rounds of rs1 in the 11 s after its restore (interval 5s: 2)"
lab_expect_eq "up: every 5 s again" "2" "$count"
agent_stop TERM
agent_finish
