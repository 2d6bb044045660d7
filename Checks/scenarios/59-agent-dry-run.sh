#!/usr/bin/env bash
# --dry-run, daemon and --once: drcheck decides and logs, but never changes a weight or its state file;
# SIGINT stops the daemon as cleanly as SIGTERM.
. "$(dirname "$0")/../lab/scenario.sh" agent

lab_step "topology: rs1, rs2; the daemon with --dry-run"
lab_topology_or_exit 2
agent_web_config "fall: 2" | agent_config
agent_start --dry-run || lab_finish
agent_wait_ready
lab_expect_eq "/status says dry run" "true" "$(agent_status_agent dry_run)"

lab_step "rs1 stops"
lab_rs_stop 1
lab_wait 20 grep -q "dry run: would set .*203.0.113.21:8000: weight 1 -> 0" "$AGENT_LOG"
lab_expect_match "the drain it would make is logged" "dry run: would set .*203.0.113.21:8000: weight 1 -> 0, drain" \
  "$(cat "$AGENT_LOG")"
sleep 2.5
lab_expect_eq "no weight changed" "rs1=1 rs2=1" "$(agent_weights)"
lab_expect_eq "logged once, not at every probe" "1" "$(grep -c 'dry run: would set' "$AGENT_LOG")"
lab_expect_eq "no state file written" "absent" "$([ -e "$AGENT_STATE" ] && echo present || echo absent)"

lab_step "SIGINT"
agent_stop INT
lab_expect_eq "the daemon exits 0" "0" "$AGENT_EXIT"
lab_expect_eq "its probe services are gone" "0" "$(lab_in lvs ipvsadm -Ln | grep -c '^FWM')"

lab_step "--once --dry-run with fall 1 (a dry run saves no counters, so each pass starts from the state file)"
agent_web_config "fall: 1" | agent_config
out=$(agent_once --dry-run)
status=$?
lab_expect_eq "exit 1 (rs1 unhealthy)" "1" "$status"
lab_expect_match "says what it would set" "would set \(not applied\) .*203.0.113.21:8000: weight 1 -> 0" "$out"
lab_expect_eq "no weight changed" "rs1=1 rs2=1" "$(agent_weights)"
lab_expect_eq "no state file written" "absent" "$([ -e "$AGENT_STATE" ] && echo present || echo absent)"
lab_finish
