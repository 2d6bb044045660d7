#!/usr/bin/env bash
# The DR-path classification on the real IPVS kernel: a real server without the VIP on lo answers on its RIP but not through the VIP:
# its class is dr_path, it is drained after `fall` and restored after `rise`, the others untouched. A director that
# cannot probe through the DR path (accept_local reset to 0 behind drcheck's back) drains nothing and says why;
# with `dr_sysctls: check` drcheck changes no sysctl, refuses dr mode with the exact command, and changes no weight.
. "$(dirname "$0")/../lab/scenario.sh" agent

lab_step "topology: rs1, rs2, rs3; drcheck in dr mode"
lab_topology_or_exit 3
# write_config DR_SYSCTLS: the lab's service with fall 3, and dr_sysctls DR_SYSCTLS.
write_config() { { echo "dr_sysctls: $1"; agent_web_config "fall: 3"; } | agent_config; }
write_config fix
agent_start || lab_finish
agent_wait_ready

lab_step "the VIP removed from rs1's lo"
lab_vip_del 1
agent_wait_weight 1 0 10
lab_expect_eq "rs1 drained" "0" "$(agent_weight 1)"
lab_expect_eq "after exactly fall=3 failed probes" "3" "$(agent_failures_before_down 1)"
lab_expect_match "the class is dr_path" "203.0.113.21:8000: down \(dr_path\)" "$(cat "$AGENT_LOG")"
lab_expect_eq "/status: rs1's last result is dr_path" "dr_path" "$(agent_status_field 1 last_result)"
lab_expect_match "/status explains it" "answers on its own address but not through the VIP" \
  "$(agent_status_field 1 last_detail)"
lab_expect_eq "rs2 and rs3 untouched" "rs1=0 rs2=1 rs3=1" "$(agent_weights)"

lab_step "the VIP back on rs1's lo"
lab_vip_add 1
agent_wait_weight 1 1 10
lab_expect_eq "rs1 restored" "rs1=1 rs2=1 rs3=1" "$(agent_weights)"

lab_step "accept_local reset to 0 behind drcheck's back: every DR probe fails, every RIP answers"
before=$(wc -l <"$AGENT_LOG")
lab_sysctl lvs net.ipv4.conf.lvs-rs.accept_local=0
lab_wait 15 agent_log_holds "the fault is the director's" 1
# The guard needs the evidence that would drain a server: fall (3) dr_path results in a row from every one of them.
lab_expect_eq "raised after at least fall=3 dr_path results from each server" "3 3 3" \
  "$(tail -n +"$((before + 1))" "$AGENT_LOG" | sed "/the fault is the director's/q" | awk '
    / dr_path / { for (i = 1; i <= 3; i++) if (index($0, "203.0.113.2" i ":8000: dr_path")) n[i]++ }
    END { for (i = 1; i <= 3; i++) printf "%s%d", (i > 1 ? " " : ""), (n[i] >= 3 ? 3 : n[i]) }')"
lab_expect_eq "no weight changed" "rs1=1 rs2=1 rs3=1" "$(agent_weights)"
lab_expect_eq "every server's class is dr_path" "dr_path dr_path dr_path" \
  "$(agent_status_field 1 last_result) $(agent_status_field 2 last_result) $(agent_status_field 3 last_result)"
lab_expect_match "the director-side fault is logged with the fix" \
  "the fault is the director's, nothing is drained for it; run: sysctl -w net.ipv4.conf.lvs-rs.accept_local=1" \
  "$(cat "$AGENT_LOG")"
lab_expect_eq "drcheck_director_dr_path_fault is 1" "1.0" "$(agent_metric drcheck_director_dr_path_fault)"
lab_expect_match "/status names the director fault" "the fault is the director's" "$(agent_status_agent director_fault)"
lab_sysctl lvs net.ipv4.conf.lvs-rs.accept_local=1
# Until every start of the fault has its end (a probe under way when the sysctl changed may start it once more).
fault_ended() { lab_prints "$(agent_log_count "the fault is the director's")" agent_log_count "DR-path probes pass again"; }
lab_wait 20 fault_ended
lab_expect_eq "drcheck_director_dr_path_fault back to 0" "0.0" "$(agent_metric drcheck_director_dr_path_fault)"
lab_expect_eq "/status: no director fault" "null" "$(agent_status_agent director_fault)"
lab_expect_match "its end is logged" "DR-path probes pass again" "$(cat "$AGENT_LOG")"
# A probe already under way when the sysctl changed may end either way, so the fault may start more than once;
# each start must have its end, and it may not be logged on every probe.
starts=$(grep -c "the fault is the director's" "$AGENT_LOG")
lab_expect_eq "each start of the fault is logged once, with its end" "$starts" \
  "$(grep -c "DR-path probes pass again" "$AGENT_LOG")"
lab_expect_match "not on every probe" "^[12]$" "$starts"
agent_stop TERM

lab_step "dr_sysctls: check with accept_local=0"
lab_sysctl lvs net.ipv4.conf.lvs-rs.accept_local=0
: >"$AGENT_LOG"
write_config check
agent_start || lab_finish
agent_wait_ready
lab_expect_eq "accept_local left at 0" "0" "$(lab_in lvs sysctl -n net.ipv4.conf.lvs-rs.accept_local)"
lab_expect_match "dr mode refused with the exact command" \
  "dr mode refused \(dr_sysctls: check\): .*sysctl -w net.ipv4.conf.lvs-rs.accept_local=1" "$(cat "$AGENT_LOG")"
lab_expect_eq "no weight changed" "rs1=1 rs2=1 rs3=1" "$(agent_weights)"
lab_expect_eq "no probe service created" "0" "$(lab_in lvs ipvsadm -Ln | grep -c '^FWM')"
agent_stop TERM
lab_finish
