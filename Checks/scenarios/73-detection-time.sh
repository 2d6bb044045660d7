#!/usr/bin/env bash
# How soon a hanging real server is drained, in dr and rip mode alike: with interval 1s and timeout 1s (a probe as
# long as its interval), fall 1 and fall 2, rs1 switches to `hang`. Each run prints the time from the switch and from
# its first unanswered request (rs1's own log) to the drain in /status, against the bound: (fall-1)*interval+timeout
# after the first failing probe, which comes up to one interval after the hang. A dr-mode verdict no longer waits for
# a RIP probe after the DR probe's timeout (the RIP probe runs beside it within the same deadline), and a round that
# comes due while a probe still runs starts when it ends instead of being skipped. rs2, healthy, costs one request a
# second in dr mode: no RIP probe beside a DR probe that answers.
. "$(dirname "$0")/../lab/scenario.sh" agent

lab_step "topology: rs1 and rs2 at weight 1"
lab_topology_or_exit 2

# measure MODE FALL: one daemon run from a fresh state; rs1 hangs and is drained; prints the figures, asserts the bound
# with a margin of 1 s for UML's scheduling.
measure() {
  local mode=$1 fall=$2 switched first from_switch from_first requests window ready why
  lab_step "mode $mode, interval 1s, timeout 1s, fall $fall: rs1 hangs"
  rm -f "$AGENT_STATE"
  lab_rs_mode 1 ok
  lab_weight 1 1
  agent_web_config "mode: $mode" "interval: 1s" "timeout: 1s" "fall: $fall" "rise: 1" | agent_config
  : >>"$AGENT_LOG"
  ready=$(($(agent_log_count "every server probed once") + 1))
  agent_start || lab_finish
  lab_expect_eq "$mode, fall $fall: ready" "yes" \
    "$(agent_wait_log "every server probed once" "$ready" 10 && echo yes || echo no)"
  lab_rs_mode 1 hang
  switched=$EPOCHREALTIME
  agent_watch_weight 1 0 0 10 >/dev/null
  lab_expect_eq "$mode, fall $fall: rs1 drained" "0" "$(agent_weight 1)"
  why=""
  [ "$mode" == rip ] || why=" (the DR probe's class when both fail)"
  lab_expect_match "$mode, fall $fall: drained as timeout$why" \
    "203.0.113.21:8000: down \(timeout\)" "$(grep ': down (' "$AGENT_LOG" | tail -n 1)"
  first=$(awk -v t="$switched" '$1 >= t && / mode=hang$/ {print $1; exit}' "$LAB_STATE/rs1.log")
  from_switch=$(python3 -c 'import sys; print(round((float(sys.argv[1]) - float(sys.argv[2])) * 1000))' \
    "$(agent_status_field 1 last_change_at)" "$switched")
  from_first=$(python3 -c 'import sys; print(round((float(sys.argv[1]) - float(sys.argv[2])) * 1000))' \
    "$(agent_status_field 1 last_change_at)" "$first")
  echo "figure: $mode fall $fall: drained ${from_first} ms after its first unanswered request" \
    "(bound (fall-1)*interval+timeout = $(((fall - 1) * 1000 + 1000)) ms), ${from_switch} ms after the hang" \
    "(bound with the phase: $((fall * 1000 + 1000)) ms)"
  lab_expect_eq "$mode, fall $fall: within the bound after the first failing probe, plus 1 s" "yes" \
    "$([ "$from_first" -le $(((fall - 1) * 1000 + 1000 + 1000)) ] && echo yes || echo "no: $from_first ms")"
  lab_expect_eq "$mode, fall $fall: within the bound after the hang, plus 1 s" "yes" \
    "$([ "$from_switch" -le $((fall * 1000 + 1000 + 1000)) ] && echo yes || echo "no: $from_switch ms")"
  agent_stop TERM
  # rs2 passes: one request a probe, no RIP probe beside it (a RIP probe per DR probe would double this).
  window=$(python3 -c 'import math, sys, time; print(math.ceil(time.time() - float(sys.argv[1])))' "$switched")
  requests=$(awk -v t="$switched" '$1 >= t' "$LAB_STATE/rs2.log" | grep -c "mode=ok")
  echo "figure: $mode fall $fall: healthy rs2 answered $requests requests in the ${window} s since the hang"
  lab_expect_eq "$mode, fall $fall: rs2 probed once a second, no more" "yes" \
    "$([ "$requests" -le $((window + 1)) ] && echo yes || echo "no: $requests in $window s")"
}

measure dr 1
measure rip 1
measure dr 2
measure rip 2
agent_finish
