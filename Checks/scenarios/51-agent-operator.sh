#!/usr/bin/env bash
# The daemon respects an operator's ipvsadm: a non-zero weight set by hand is adopted as the configured
# weight (a later drain/restore cycle restores it, not the old one); a weight 0 set by hand on a healthy server is
# an administrative drain that drcheck leaves alone, across probes, a fail/recover cycle and a restart; a new
# non-zero weight ends it.
. "$(dirname "$0")/../lab/scenario.sh" agent

rs2=$(lab_rip 2):$LAB_PORT
lab_step "topology: rs1 and rs2 at weight 1, no configured weights; discovery every 1s"
lab_topology_or_exit 2
{
  echo "discovery_interval: 1s"
  agent_web_config "fall: 2"
} | agent_config
agent_start || agent_finish
lab_expect_eq "healthy servers keep their first-seen weights" "rs1=1 rs2=1" "$(agent_weights)"

lab_step "the operator sets rs2 to 5 with ipvsadm"
lab_weight 2 5
agent_wait_log "$rs2: weight 5 set by someone else, adopted as configured" 1 5
lab_expect_eq "the change is logged once as adopted" "1" \
  "$(agent_log_count "$rs2: weight 5 set by someone else, adopted as configured")"
lab_expect_eq "drcheck leaves weight 5 in the kernel" "5" "$(agent_weight 2)"
lab_expect_eq "/status: configured weight 5" "5" "$(agent_status_field 2 configured_weight)"
lab_expect_eq "drcheck_real_server_configured_weight of rs2 is 5" "5.0" \
  "$(agent_metric "drcheck_real_server_configured_weight{service=\"web\",real_server=\"$rs2\"}")"

lab_step "rs2 fails and recovers"
agent_rs_kill 2
agent_wait_weight 2 0 10
lab_expect_eq "rs2 drained" "0" "$(agent_weight 2)"
echo "figure: detection latency $(agent_latency_ms 2) ms (kill to the drain written; fall=2, interval 1s, timeout 900ms:" \
  "(fall-1)*interval = 1000 ms plus up to one interval of phase)"
lab_rs_start 2
agent_wait_weight 2 5 10
lab_expect_eq "rs2 restored to the adopted 5, not its old 1" "5" "$(agent_weight 2)"
lab_expect_eq "rs1 untouched" "1" "$(agent_weight 1)"

lab_step "the operator sets rs2 to 0 while it is healthy"
lab_weight 2 0
agent_wait_log "$rs2: weight 0 set by someone else, an administrative drain left alone" 1 5
lab_expect_eq "over 3 s (3 probe intervals, 3 discovery periods) rs2's weight stays 0" "0" "$(agent_weights_seen 2 3)"
lab_expect_eq "/status says admin_drained" "admin_drained" "$(agent_status_field 2 state)"
lab_expect_eq "/status: still healthy" "True" "$(agent_status_field 2 healthy)"
lab_expect_eq "the administrative drain is logged once" "1" \
  "$(agent_log_count "$rs2: weight 0 set by someone else, an administrative drain left alone")"
lab_expect_eq "no weight written since: the last write to rs2 is still the restore to 5" "weight 0 -> 5, restore" \
  "$(grep -oE "${rs2//./\\.}: weight [0-9]+ -> [0-9]+, [a-z ]+" "$AGENT_LOG" | tail -n 1 | sed 's/^[^ ]* //')"

lab_step "while administratively drained, rs2 fails and recovers"
lab_rs_stop 2
agent_wait_log "$rs2: down (connect_refused)" 2 10
lab_rs_start 2
agent_wait_log "$rs2: up (ok)" 2 10
lab_expect_eq "rs2 went down (refused) and up again" "2 2" \
  "$(agent_log_count "$rs2: down (connect_refused)") $(agent_log_count "$rs2: up (ok)")"
lab_expect_eq "and its weight stayed 0 (drcheck never undoes an operator's drain)" "0" "$(agent_weights_seen 2 2)"
lab_expect_eq "no weight written to rs2 through it" "weight 0 -> 5, restore" \
  "$(grep -oE "${rs2//./\\.}: weight [0-9]+ -> [0-9]+, [a-z ]+" "$AGENT_LOG" | tail -n 1 | sed 's/^[^ ]* //')"

lab_step "drcheck restarts"
agent_stop TERM
agent_start || agent_finish
agent_wait_ready
lab_expect_eq "rs2 stays at 0 after a restart (the state file knows who drained it)" "0" "$(agent_weight 2)"
lab_expect_eq "/status says admin_drained" "admin_drained" "$(agent_status_field 2 state)"

lab_step "the operator sets rs2 to 3"
lab_weight 2 3
agent_wait_log "$rs2: weight 3 set by someone else, adopted as configured" 1 5
lab_expect_eq "adopted: state up, configured 3" "up 3" \
  "$(agent_status_field 2 state) $(agent_status_field 2 configured_weight)"
lab_expect_eq "weights" "rs1=1 rs2=3" "$(agent_weights)"
agent_stop TERM
lab_expect_eq "the daemon exits 0" "0" "$AGENT_EXIT"

# The operator's change and drcheck's next write can meet before drcheck's next read of the table (discovery): the
# write must not overwrite what the operator set. A long discovery interval makes the window certain.
rs1=$(lab_rip 1):$LAB_PORT
lab_step "restart with discovery every 60 s; the operator sets rs2 to 6 and rs2 fails at once"
sed -i 's/^discovery_interval: 1s$/discovery_interval: 60s/' "$AGENT_CONFIG"
agent_start || agent_finish
lab_weight 2 6
lab_rs_stop 2
agent_wait_weight 2 0 10
lab_expect_eq "rs2 drained" "0" "$(agent_weight 2)"
lab_expect_eq "the operator's 6 was adopted before the drain" "1" \
  "$(agent_log_count "$rs2: weight 6 set by someone else, adopted as configured")"
lab_rs_start 2
agent_wait_weight 2 6 10
lab_expect_eq "after the drain cycle rs2 gets the operator's 6, not the 3 before it" "rs1=1 rs2=6" "$(agent_weights)"

lab_step "the operator drains rs1 and stops it at once (maintenance), then starts it again"
ups=$(agent_log_count "$rs1: up (ok)")
lab_weight 1 0
lab_rs_stop 1
agent_wait_log "$rs1: down (connect_refused)" 1 10
lab_expect_eq "rs1 went down (refused)" "1" "$(agent_log_count "$rs1: down (connect_refused)")"
lab_rs_start 1
agent_wait_log "$rs1: up (ok)" $((ups + 1)) 10
lab_expect_eq "rs1 is up again" "True" "$(agent_status_field 1 healthy)"
lab_expect_eq "its weight stayed 0: the operator's drain is not undone" "0" "$(agent_weights_seen 1 2)"
lab_expect_eq "/status says admin_drained" "admin_drained" "$(agent_status_field 1 state)"
agent_finish
