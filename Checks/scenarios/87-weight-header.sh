#!/usr/bin/env bash
# weight_header on the real kernel, through the DR path: rs1 tells its weight in X-Weight on each passing probe's
# answer. 50% of its configured 4 is 2; drain holds it at 0 while it stays up; up ramps it back to 4 under slow_start
# (1 first); a value not understood leaves 4, is counted and logged once; no header at all is the configured weight.
. "$(dirname "$0")/../lab/scenario.sh" agent

lab_step "topology: rs1 and rs2 configured at weight 4; interval 500ms, weight_header X-Weight, slow_start 2s"
lab_topology_or_exit 2
agent_web_config "interval: 500ms" "timeout: 400ms" "weight_header: X-Weight" "slow_start: 2s" \
  -- "$(lab_rip 1) 4" "$(lab_rip 2) 4" | agent_config
lab_weight 1 4
lab_weight 2 4
agent_start || lab_finish
agent_wait_ready

lab_step "rs1 says 50%"
lab_rs_mode 1 header "X-Weight: 50%"
agent_wait_weight 1 2 10
lab_expect_eq "rs1 at half its configured weight" "2" "$(agent_weight 1)"
lab_expect_match "logged as the weight it reported" "203.0.113.21:8000: weight 4 -> 2, weight reported by its check" \
  "$(cat "$AGENT_LOG")"

lab_step "rs1 says drain: weight 0 while it stays up"
lab_rs_mode 1 header "X-Weight: drain"
agent_wait_weight 1 0 10
lab_expect_eq "rs1 at weight 0, up in /status" "0 True" \
  "$(agent_weight 1) $(agent_status_field 1 healthy)"
sleep 2
lab_expect_eq "and still 0 two seconds later" "0" "$(agent_weight 1)"

lab_step "rs1 says up: back to 4 through slow start"
# The watcher first, so that it sees the first step (a process start takes a good part of a second in UML).
agent_watch_weight 1 4 4 15 >"$LAB_STATE/rs1.weights" &
watcher=$!
lab_wait 5 test -s "$LAB_STATE/rs1.weights"
lab_rs_mode 1 header "X-Weight: up"
wait "$watcher"
seen=$(awk '{print $2}' "$LAB_STATE/rs1.weights" | paste -sd' ')
lab_expect_match "weights seen on the way: 0, then 1 first, then 4" "^0 1( [0-9])* 4$" "$seen"

lab_step "rs1 says something else: ignored, counted, logged once"
lab_rs_mode 1 header "X-Weight: lots"
sleep 3
lab_expect_eq "rs1 keeps its configured weight" "4" "$(agent_weight 1)"
invalid=$(agent_metric "drcheck_feedback_invalid_total")
lab_expect_eq "each probe counted (6 in 3 s, give or take one)" "yes" \
  "$([ "${invalid:-0}" -ge 5 ] && [ "${invalid:-0}" -le 7 ] && echo yes || echo "no: $invalid")"
lab_expect_eq "one log line" "1" "$(grep -c 'X-Weight "lots" is none of N%, drain or up' "$AGENT_LOG")"

lab_step "rs1 says 25%, then nothing: 1, then its configured 4"
lab_rs_mode 1 header "X-Weight: 25%"
agent_wait_weight 1 1 10
lab_expect_eq "rs1 at a quarter of 4" "1" "$(agent_weight 1)"
lab_rs_mode 1 ok
agent_wait_weight 1 4 10
lab_expect_eq "no header: its configured weight" "4" "$(agent_weight 1)"
lab_expect_eq "rs2, which never said anything, kept 4 throughout" "4" "$(agent_weight 2)"
agent_finish
