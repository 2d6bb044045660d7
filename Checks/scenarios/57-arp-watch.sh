#!/usr/bin/env bash
# The ARP watch on the real kernel: a real server whose arp_ignore is back at 0 answers the director's
# duplicate-address-detection probe for the VIP (the seed's "VIP conflict"). drcheck names it within one watch
# period, logs once when it starts and once when it ends, changes no weight with `on_arp_conflict: report`, and
# drains it with `drain`.
. "$(dirname "$0")/../lab/scenario.sh" agent

lab_step "topology: rs1, rs2; drcheck with arp_watch 1s"
lab_topology_or_exit 2
# write_config ON_ARP_CONFLICT: the lab's service with fall 3, an ARP watch every 1s and on_arp_conflict ON_ARP_CONFLICT.
write_config() { { printf 'arp_watch: 1s\non_arp_conflict: %s\n' "$1"; agent_web_config "fall: 3"; } | agent_config; }
write_config report
agent_start || lab_finish
sleep 2.5
lab_expect_eq "a sound pool: no conflict" "0" "$(grep -c 'ARP conflict' "$AGENT_LOG")"

lab_step "arp_ignore=0 on rs1's interface toward the clients"
lab_sysctl rs1 net.ipv4.conf.rs1-e.arp_ignore=0
sleep 2.5
rs1mac=$(lab_in rs1 cat /sys/class/net/rs1-e/address)
lab_expect_match "the conflict is reported, naming rs1 and its MAC" \
  "ARP conflict: real server 203.0.113.21 \(MAC $rs1mac\) answers ARP for VIP 198.51.100.33 on lvs-e" \
  "$(cat "$AGENT_LOG")"
lab_expect_eq "logged once" "1" "$(grep -c 'ARP conflict: ' "$AGENT_LOG")"
lab_expect_eq "no weight changed (on_arp_conflict: report)" "rs1=1 rs2=1" "$(agent_weights)"
conflict_series="drcheck_arp_conflict{vip=\"$LAB_VIP\",mac=\"$rs1mac\",real_server=\"$(lab_rip 1)\"}"
lab_expect_eq "the metric names rs1" "1.0" "$(agent_metric "$conflict_series")"
lab_expect_eq "so does /status" "[{\"mac\": \"$rs1mac\", \"real_server\": \"$(lab_rip 1)\", \"vip\": \"$LAB_VIP\"}]" \
  "$(agent_status_agent arp_conflicts)"

lab_step "arp_ignore back to 1"
lab_sysctl rs1 net.ipv4.conf.rs1-e.arp_ignore=1
sleep 2.5
lab_expect_match "the end is logged" "ARP conflict over: $rs1mac no longer answers ARP for VIP 198.51.100.33" \
  "$(cat "$AGENT_LOG")"
lab_expect_eq "its series is gone" "" "$(agent_metric "$conflict_series")"
lab_expect_eq "and /status lists none" "[]" "$(agent_status_agent arp_conflicts)"
agent_stop TERM

lab_step "on_arp_conflict: drain, arp_ignore=0 on rs1 again"
write_config drain
agent_start || lab_finish
lab_sysctl rs1 net.ipv4.conf.rs1-e.arp_ignore=0
agent_wait_weight 1 0 10
lab_expect_eq "rs1 drained, rs2 untouched" "rs1=0 rs2=1" "$(agent_weights)"
lab_expect_match "for the ARP conflict" "203.0.113.21:8000: down \(arp_conflict\)" "$(cat "$AGENT_LOG")"
lab_sysctl rs1 net.ipv4.conf.rs1-e.arp_ignore=1
agent_wait_weight 1 1 10
lab_expect_eq "restored once the conflict is over" "rs1=1 rs2=1" "$(agent_weights)"
agent_stop TERM
lab_finish
