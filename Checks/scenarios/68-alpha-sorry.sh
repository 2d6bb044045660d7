#!/usr/bin/env bash
# alpha mode and a sorry server on the real IPVS kernel. The service has rs1 and rs2, and rs3 as its sorry server at
# weight 0: when both real servers stop, rs3 is raised (client requests through the VIP answered by it) and lowered
# as soon as one returns. With alpha, rs4 added at weight 0 is brought in by its checks (not a drain by hand), and
# added at weight 3 while it does not answer starts at 0 and gets 3 once it does; drcheck's start drains nothing.
. "$(dirname "$0")/../lab/scenario.sh" agent

rip4=$(lab_rip 4):$LAB_PORT
lab_step "topology: rs1, rs2 serving; rs3 the sorry server at 0; rs4 not in the service"
lab_topology_or_exit 4
lab_weight 3 0
lab_in lvs ipvsadm -d -t "$LAB_SERVICE" -r "$rip4"
{
  agent_web_config "fall: 1" "rise: 1" "alpha: true" -- "$(lab_rip 3) 2"
  echo "    sorry_server: $(lab_rip 3)"
} | agent_config
agent_start || agent_finish
sleep 2
lab_expect_eq "drcheck's start takes nothing out (alpha), the sorry server stays at 0" "1 1 1 0" \
  "$(agent_weights_seen 1 1) $(agent_weight 1) $(agent_weight 2) $(agent_weight 3)"
lab_expect_eq "the sorry server is never probed" "0" "$(grep -c "$(lab_rip 3):$LAB_PORT: ok\|$(lab_rip 3):$LAB_PORT: connect" "$AGENT_LOG")"

lab_step "both real servers stop: the sorry server is raised and answers through the VIP"
lab_rs_stop 1
lab_rs_stop 2
lab_wait 10 lab_prints 2 agent_weight 3
lab_expect_eq "rs1 and rs2 drained, rs3 at its weight 2" "rs1=0 rs2=0 rs3=2 rs4=" "$(agent_weights)"
lab_expect_eq "no panic (keep_last gives way to the sorry server)" "false" "$(agent_service_field panic web)"
lab_expect_eq "a client through the VIP gets the sorry server" "rs3" "$(lab_get client "http://$LAB_SERVICE/" | tr -d '\n')"
lab_expect_match "logged" "$(lab_rip 3):$LAB_PORT: weight 0 -> 2, sorry server: no real server is up" "$(cat "$AGENT_LOG")"

lab_step "rs1 returns: the sorry server goes back to 0"
lab_rs_start 1
lab_wait 10 lab_prints 0 agent_weight 3
lab_expect_eq "rs1 restored, rs3 lowered" "rs1=1 rs2=0 rs3=0 rs4=" "$(agent_weights)"
lab_expect_eq "a client through the VIP gets rs1" "rs1" "$(lab_get client "http://$LAB_SERVICE/" | tr -d '\n')"

lab_step "alpha: rs4 added at weight 0 is brought in by its checks"
lab_in lvs ipvsadm -a -t "$LAB_SERVICE" -r "$rip4" -g -w 0
agent_wait_weight 4 1 10
lab_expect_eq "rs4 at weight 1 (no configured weight)" "1" "$(agent_weight 4)"
lab_expect_eq "not taken for a drain by hand" "0" "$(agent_log_count "$rip4: weight 0 set by someone else")"

lab_step "alpha: rs4 added at weight 3 while it does not answer starts at 0, and gets 3 once it answers"
lab_in lvs ipvsadm -d -t "$LAB_SERVICE" -r "$rip4"
lab_rs_stop 4
sleep 1.5
lab_in lvs ipvsadm -a -t "$LAB_SERVICE" -r "$rip4" -g -w 3
agent_wait_weight 4 0 10
lab_expect_eq "rs4 set to 0 at once" "0" "$(agent_weight 4)"
lab_expect_eq "and kept there while it refuses" "0" "$(agent_weights_seen 4 3)"
lab_rs_start 4
agent_wait_weight 4 3 10
lab_expect_eq "rs4 at 3 once it answers" "3" "$(agent_weight 4)"
agent_finish
