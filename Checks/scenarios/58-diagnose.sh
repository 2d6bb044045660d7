#!/usr/bin/env bash
# `drcheck diagnose` on the real kernel: a healthy lab exits 0 (and the director's limits are named against the
# table); each DR fault makes it exit 1 and name the fault and the server: a VIP missing on a real server's lo,
# accept_local=0 on the director, a real server answering ARP for the VIP, a dead real server. It changes no weight
# and no sysctl, and leaves no probe service behind.
. "$(dirname "$0")/../lab/scenario.sh" agent

lab_step "topology: rs1, rs2; accept_local=1 on the director"
lab_topology_or_exit 2
lab_sysctl lvs net.ipv4.conf.lvs-rs.accept_local=1
# A 500ms probe timeout of its own: diagnose shows it where the DR-path probe times out (0.5 s).
{ echo "arp_watch: 1s"; agent_web_config "timeout: 500ms"; } | agent_config
table=$(lab_in lvs ipvsadm -Ln)
diagnose() {
  DIAG_STATUS=0
  DIAG=$(lab_in lvs "$AGENT_BIN" diagnose --config "$AGENT_CONFIG" --state "$AGENT_STATE" 2>&1) || DIAG_STATUS=$?
  echo "$DIAG" | sed 's/^/    | /'
}

lab_step "healthy"
diagnose
lab_expect_eq "exit 0" "0" "$DIAG_STATUS"
lab_expect_match "all is well" "all is well" "$DIAG"
lab_expect_match "the service is named as in the config" "service web \(198.51.100.33:8000/tcp\)" "$DIAG"
# The lab's director is a network namespace of its own: the thresholds' sysctls belong to the first one, but the
# table is the kernel's and rtnetlink states its thresholds here too.
lab_expect_match "the neighbour table: 2 on-link servers against its thresholds, read from this namespace" \
  "ok    2 real server\(s\) on the director's own IPv4 subnets, each needing a neighbour entry, against gc_thresh2 512 and gc_thresh3 1024" \
  "$DIAG"
lab_expect_match "local ports against the DR probes to the VIP" \
  "ok    local ports: at most 1 held at once by DR-path probes to one VIP and port" "$DIAG"

lab_step "the VIP removed from rs1's lo"
lab_vip_del 1
diagnose
lab_expect_eq "exit 1" "1" "$DIAG_STATUS"
lab_expect_match "names rs1 and the DR path" \
  "real server 203.0.113.21:8000, weight 1"$'\n'"    FAIL  through the VIP \(DR path\): timeout - 0.5" "$DIAG"
lab_expect_match "with the fix" "fix: on 203.0.113.21: ip addr add <VIP>/32 dev lo" "$DIAG"
lab_expect_match "rs2 passes" "real server 203.0.113.22:8000, weight 1"$'\n'"    ok    through the VIP" "$DIAG"
lab_vip_add 1

lab_step "accept_local=0 on the director"
lab_sysctl lvs net.ipv4.conf.lvs-rs.accept_local=0
diagnose
lab_expect_eq "exit 1" "1" "$DIAG_STATUS"
lab_expect_match "names the sysctl and its fix" \
  "FAIL  net.ipv4.conf.lvs-rs.accept_local is 0.*"$'\n'"          fix: sysctl -w net.ipv4.conf.lvs-rs.accept_local=1" \
  "$DIAG"
lab_expect_eq "and changes no sysctl" "0" "$(lab_in lvs sysctl -n net.ipv4.conf.lvs-rs.accept_local)"
lab_sysctl lvs net.ipv4.conf.lvs-rs.accept_local=1

lab_step "arp_ignore=0 on rs1"
lab_sysctl rs1 net.ipv4.conf.rs1-e.arp_ignore=0
diagnose
lab_expect_eq "exit 1" "1" "$DIAG_STATUS"
lab_expect_match "names rs1 as answering ARP for the VIP" \
  "FAIL  real server 203.0.113.21 \(MAC [0-9a-f:]+\) answers ARP for VIP 198.51.100.33 on lvs-e" "$DIAG"
lab_sysctl rs1 net.ipv4.conf.rs1-e.arp_ignore=1

lab_step "rs2's HTTP server stopped"
lab_rs_stop 2
diagnose
lab_expect_eq "exit 1" "1" "$DIAG_STATUS"
lab_expect_match "names rs2 at its own address" \
  "real server 203.0.113.22:8000, weight 1"$'\n'".*"$'\n'"    FAIL  at its own address: connect_refused" "$DIAG"

lab_step "nothing changed"
lab_expect_eq "the IPVS table is as before every diagnose (no probe service left, no weight changed)" "$table" \
  "$(lab_in lvs ipvsadm -Ln)"
lab_finish
