#!/usr/bin/env bash
# The daemon on the real IPVS kernel, probing through the DR path: rs1 fails and is drained after exactly
# `fall` failed probes; it recovers and gets its configured weight 7 back (from the config, not the 1 IPVS had);
# rs2's configured weight 4 comes from first sight and survives a kill -9 while rs2 is drained (state file). Probe
# services exist while the daemon runs, go on SIGTERM, and stale ones from a killed run are pruned at start.
. "$(dirname "$0")/../lab/scenario.sh" agent

lab_step "topology: rs1 and rs2 at weight 1; rs2 set to 4 by the operator before drcheck starts"
lab_topology_or_exit 2
lab_weight 2 4
# This scenario's own timing: the detection latency figure prints the bound it gives.
interval_ms=500 timeout_ms=300 fall=3
agent_web_config "interval: ${interval_ms}ms" "timeout: ${timeout_ms}ms" "fall: $fall" 'expect_body: "^rs[0-9]+$"' \
  -- "$(lab_rip 1) 7" | agent_config

lab_step "the daemon starts (dr mode, dr_sysctls: fix)"
agent_start || lab_finish
lab_expect_eq "it set accept_local on the interface toward the real servers" "1" \
  "$(lab_in lvs sysctl -n net.ipv4.conf.lvs-rs.accept_local)"
lab_expect_match "and logged it" "set net.ipv4.conf.lvs-rs.accept_local=1 \(was 0\)" "$(cat "$AGENT_LOG")"
sleep 1.5
lab_expect_eq "/healthz answers 200 once every server was probed" "200" \
  "$(lab_in lvs curl -s -o /dev/null -w '%{http_code}' "http://$AGENT_LISTEN/healthz")"
lab_expect_eq "one DR probe service per real server, marks from the reserved range, weight 1" \
  "$AGENT_PROBE_MARK_FIRST 203.0.113.21:0 Route 1|$((AGENT_PROBE_MARK_FIRST + 1)) 203.0.113.22:0 Route 1" \
  "$(agent_probe_services | paste -sd'|')"
lab_expect_eq "healthy servers keep their weights" "rs1=1 rs2=4" "$(agent_weights)"

lab_step "rs1's HTTP server stops"
agent_rs_kill 1
agent_wait_weight 1 0 10
lab_expect_eq "rs1 drained to weight 0" "0" "$(agent_weight 1)"
echo "figure: detection latency $(agent_latency_ms 1) ms (kill to the drain written; (fall-1)*interval+timeout =" \
  "$(((fall - 1) * interval_ms + timeout_ms)) ms, plus up to one interval before the first failing probe)"
lab_expect_eq "after exactly fall=$fall failed probes" "$fall" "$(agent_failures_before_down 1)"
lab_expect_match "the drain is logged with the probe class, and service=web as its metrics name it" \
  "service=web \[Daemon\] [^ ]+ 203.0.113.21:8000: down \(connect_refused\)" "$(cat "$AGENT_LOG")"
lab_expect_eq "rs2 untouched" "4" "$(agent_weight 2)"
lab_expect_eq "drcheck_real_server_up of rs1 is 0" "0.0" \
  "$(agent_metric "drcheck_real_server_up{service=\"web\",real_server=\"$(lab_rip 1):8000\"}")"
lab_expect_eq "the DR probe service of a drained server stays at weight 1 (it is still probed)" "1" \
  "$(agent_probe_services | awk -v mark="$AGENT_PROBE_MARK_FIRST" '$1 == mark {print $4}')"

lab_step "rs1 comes back"
lab_rs_start 1
agent_wait_weight 1 7 10
lab_expect_eq "rs1 restored to its configured weight 7, not 1" "7" "$(agent_weight 1)"

lab_step "SIGTERM"
agent_stop TERM
lab_expect_eq "the daemon exits 0" "0" "$AGENT_EXIT"
lab_expect_eq "its probe services are gone" "0" "$(lab_in lvs ipvsadm -Ln | grep -c '^FWM')"
lab_expect_eq "weights stay as they are" "rs1=7 rs2=4" "$(agent_weights)"

lab_step "rs2 fails and is drained; then drcheck is killed with SIGKILL"
agent_start || lab_finish
lab_rs_stop 2
agent_wait_weight 2 0 10
lab_expect_eq "rs2 drained" "0" "$(agent_weight 2)"
agent_stop KILL
lab_expect_eq "the killed run left its probe services behind" "2" "$(agent_probe_services | wc -l)"

lab_step "drcheck starts again; rs2 comes back"
lab_rs_start 2
agent_start || lab_finish
lab_expect_match "the stale probe services were pruned at start" \
  "removed stale DR probe service fwmark $((AGENT_PROBE_MARK_FIRST + 1))" \
  "$(cat "$AGENT_LOG")"
agent_wait_weight 2 4 10
lab_expect_eq "rs2 gets its first-seen weight 4 back (known from the state file, not an operator's drain)" "4" \
  "$(agent_weight 2)"
lab_expect_eq "two probe services again, not four" "2" "$(lab_in lvs ipvsadm -Ln | grep -c '^FWM')"
agent_stop TERM
lab_finish
