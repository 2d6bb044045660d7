#!/usr/bin/env bash
# The director's conntrack table full: nf_conntrack loaded and tracking the director's own connections (one iptables
# rule that matches on conntrack state, as a director with a stateful firewall has; IPVS with conntrack=1), then
# nf_conntrack_max lowered below what the table holds. The kernel drops every new connection, the probes' included, for every server alike:
# the daemon names the fault once as the director's with the fix (drcheck_director_fault{reason="conntrack_full"}),
# judges no server by a probe that got no answer (counted in drcheck_probes_discounted_total), drains nothing, and
# says when it is over.
. "$(dirname "$0")/../lab/scenario.sh" agent

lab_step "topology: rs1..rs3; conntrack tracks the director's connections"
lab_topology_or_exit 3
lab_modprobe nf_conntrack ip_tables iptable_filter xt_conntrack || exit 1
lab_modprobe iptable_raw xt_CT xt_tcpudp || exit 1
# The daemon's metrics port left untracked (the advice the fault line gives, here for the scrapes), the rest tracked.
notrack() {
  local chain port
  for chain in OUTPUT PREROUTING; do
    for port in --dport --sport; do
      lab_in lvs iptables-legacy -t raw -A "$chain" -p tcp "$port" "${AGENT_LISTEN##*:}" -j CT --notrack || return 1
    done
  done
}
notrack && lab_in lvs iptables-legacy -A OUTPUT -m conntrack --ctstate NEW || { echo "FAIL - iptables"; exit 1; }
# IPVS with conntrack (a director with a stateful firewall or NAT): what it forwards, the DR-path probes included, is
# tracked too; with conntrack=0 IPVS leaves its packets untracked.
lab_sysctl lvs net.ipv4.vs.conntrack=1
max=$(sysctl -n net.netfilter.nf_conntrack_max)
agent_web_config | agent_config
AGENT_LOG_LEVEL=info agent_start || exit 1
agent_wait_ready
lab_expect_eq "every server at weight 1" "rs1=1 rs2=1 rs3=1" "$(agent_weights)"
lab_expect_eq "the probes are tracked" "1" "$(($(lab_in lvs cat /proc/sys/net/netfilter/nf_conntrack_count) > 0 ? 1 : 0))"
sleep 5
lab_expect_eq "drcheck_director_limit{limit=\"conntrack\"} is nf_conntrack_max" "$max" \
  "$(agent_metric 'drcheck_director_limit{limit="conntrack"}' | awk '{print $1 + 0}')"

lab_step "nf_conntrack_max lowered below the table: every new connection dropped"
sysctl -q -w net.netfilter.nf_conntrack_max=4
agent_wait_log "the director's fault: its conntrack table is full" 1 20 || echo "FAIL - no fault line"
# Longer than fall (3) probes at 1 s would take to drain every server.
sleep 8
grep -F "the director's fault" "$AGENT_LOG" | sed 's/^/    | /'
lab_expect_eq "said once" "1" "$(agent_log_count "the director's fault: its conntrack table is full")"
lab_expect_match "with the numbers and the fix" \
  "at nf_conntrack_max 4\): new connections are dropped, clients' and probes' alike; no server is judged by a probe that got no answer while it lasts; fix: sysctl -w net.netfilter.nf_conntrack_max=" \
  "$(grep -F "the director's fault" "$AGENT_LOG")"
lab_expect_eq "drcheck_director_fault{reason=\"conntrack_full\"}" "1" \
  "$(agent_metric 'drcheck_director_fault{reason="conntrack_full"}' | awk '{print $1 + 0}')"
drops=$(lab_in lvs cat /proc/net/stat/nf_conntrack | awk 'NR == 2 {print $11}')
lab_expect_eq "the kernel dropped new connections meanwhile" "1" "$((16#$drops > 0 ? 1 : 0))"
lab_expect_eq "and count against no server" "1" \
  "$(agent_metric 'drcheck_probes_discounted_total{reason="director_fault"}' | awk '{print ($1 >= 3)}')"
lab_expect_eq "no server drained" "rs1=1 rs2=1 rs3=1" "$(agent_weights)"
lab_expect_eq "no server down" "0" "$(agent_log_count "down (")"

lab_step "nf_conntrack_max back: the fault is over"
sysctl -q -w net.netfilter.nf_conntrack_max="$max"
agent_wait_log "the director's fault is over: its conntrack table is full" 1 20 || echo "FAIL - no end line"
lab_expect_eq "drcheck_director_fault{reason=\"conntrack_full\"}" "0" \
  "$(agent_metric 'drcheck_director_fault{reason="conntrack_full"}' | awk '{print $1 + 0}')"
sleep 3
lab_expect_eq "every server still at weight 1" "rs1=1 rs2=1 rs3=1" "$(agent_weights)"
lab_expect_eq "none ever down" "0" "$(agent_log_count "down (")"
agent_finish
