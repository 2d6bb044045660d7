#!/usr/bin/env bash
# Change hooks on the real IPVS kernel: a server that fails and recovers, a drcheck drain and undrain each run the
# configured on_change command with the right variables, in order; a hook that hangs is killed at on_change_timeout
# while probes keep their schedule and the next weight change is made at once.
. "$(dirname "$0")/../lab/scenario.sh" agent

rs1=$(lab_rip 1):$LAB_PORT
hook=$LAB_STATE/hook.sh
events=$LAB_STATE/events
lab_step "topology: rs1 and rs2; a hook that writes each event's variables to a file (and hangs while told to)"
lab_topology_or_exit 2
cat >"$hook" <<HOOK
#!/bin/sh
[ -e $LAB_STATE/hang ] && exec sleep 30
echo "\$DRCHECK_EVENT \$DRCHECK_SERVICE \$DRCHECK_RIP:\$DRCHECK_RPORT class=\$DRCHECK_CLASS \$DRCHECK_WEIGHT_FROM>\$DRCHECK_WEIGHT_TO reason=\$DRCHECK_REASON" >>$events
HOOK
chmod +x "$hook"
: >"$events"
{
  printf 'on_change_timeout: 2s\ndefaults:\n  on_change: [%s]\n' "$hook"
  agent_web_config "fall: 1" "rise: 1"
} | agent_config
agent_start || agent_finish
agent_wait_ready
lab_expect_eq "no event at start" "" "$(cat "$events")"

lab_step "rs1 stops, then starts again"
lab_rs_stop 1
agent_wait_weight 1 0 10
sleep 1
lab_rs_start 1
agent_wait_weight 1 1 10
sleep 1
lab_expect_eq "down, drained, up, restored: in order, with the class and the weights" \
  "down web $rs1 class=connect_refused > reason=|drained web $rs1 class=connect_refused 1>0 reason=|up web $rs1 class= > reason=|restored web $rs1 class= 0>1 reason=" \
  "$(paste -sd'|' "$events")"

lab_step "drcheck drain and undrain"
: >"$events"
lab_in lvs "$AGENT_BIN" drain web "$rs1" --reason "kernel update" --config "$AGENT_CONFIG" --state "$AGENT_STATE" >/dev/null
sleep 1
lab_in lvs "$AGENT_BIN" undrain web "$rs1" --config "$AGENT_CONFIG" --state "$AGENT_STATE" >/dev/null
agent_wait_weight 1 1 10
sleep 1
lab_expect_eq "maintenance with its reason, undrained, up, restored" \
  "maintenance web $rs1 class= > reason=kernel update|undrained web $rs1 class= > reason=|up web $rs1 class= > reason=|restored web $rs1 class= 0>1 reason=" \
  "$(paste -sd'|' "$events")"

lab_step "a hook that hangs: killed at its timeout; probes keep their schedule, the next drain is not held back"
: >"$events"
touch "$LAB_STATE/hang"
lab_rs_stop 1
agent_wait_weight 1 0 10
probes_before=$(grep -c "$(lab_rip 2):$LAB_PORT: ok" "$AGENT_LOG")
sleep 1
lab_rs_start 1
agent_wait_weight 1 1 10
lab_expect_eq "rs1 restored while the hooks of its drain still hang" "1" "$(agent_weight 1)"
lab_wait 10 agent_log_holds "change hook for down of web $rs1: timeout" 1
lab_expect_match "the hung hook is killed at 2 s and logged" \
  "change hook for down of web $rs1: timeout: still running at the timeout, process group killed" "$(cat "$AGENT_LOG")"
probes=$(($(grep -c "$(lab_rip 2):$LAB_PORT: ok" "$AGENT_LOG") - probes_before))
lab_expect_eq "rs2 was probed every second meanwhile ($probes probes)" "1" "$((probes >= 2))"
rm -f "$LAB_STATE/hang"
lab_wait 20 lab_prints "" sh -c "pgrep -x sleep"
lab_expect_eq "no hook left running" "" "$(pgrep -x sleep)"
lab_expect_match "drcheck_hook_runs_total counts the timeouts" 'drcheck_hook_runs_total\{result="timeout"\} [1-9]' \
  "$(agent_get /metrics)"
agent_finish
