#!/usr/bin/env bash
# Moving from keepalived's checker, end to end on the real IPVS kernel: keepalived builds the table from its
# keepalived.conf and checks it; `drcheck config import keepalived` translates that file; drcheck in shadow mode
# (--dry-run) beside it agrees through a server failure and recovery, and disagrees (correctly) when a real server
# loses the VIP on lo, which keepalived's check cannot see; then keepalived stops with its table kept
# (--dont-release-ipvs), drcheck takes over without changing a weight, and drains the next failure itself.
. "$(dirname "$0")/../lab/scenario.sh" agent

kdir=$LAB_STATE/keepalived
rs2=$(lab_rip 2):$LAB_PORT
# weights: the three real servers' weights as ipvsadm shows them.
weights() { echo "$(agent_weight 1) $(agent_weight 2) $(agent_weight 3)"; }

lab_step "keepalived builds the table from its config and checks it (HTTP_GET every 1 s, inhibit_on_failure)"
lab_topology_or_exit 3
lab_in lvs ipvsadm -C
mkdir -p "$kdir"
{
  printf 'global_defs {\n  router_id lab\n}\n'
  printf 'virtual_server %s %s {\n  delay_loop 1\n  lb_algo rr\n  lb_kind DR\n  protocol TCP\n' "$LAB_VIP" "$LAB_PORT"
  for i in 1 2 3; do
    printf '  real_server %s %s {\n    weight 5\n    inhibit_on_failure\n    HTTP_GET {\n' "$(lab_rip "$i")" "$LAB_PORT"
    printf '      url {\n        path /\n        status_code 200\n      }\n'
    printf '      connect_timeout 1\n      retry 1\n      delay_before_retry 1\n    }\n  }\n'
  done
  echo "}"
} >"$kdir/keepalived.conf"
ip netns exec lvs keepalived --dont-fork --dont-respawn --log-console --check --dont-release-ipvs \
  -f "$kdir/keepalived.conf" -p "$kdir/keepalived.pid" -c "$kdir/checker.pid" >"$kdir/keepalived.log" 2>&1 &
keepalived=$!
lab_wait 20 lab_prints "5 5 5" weights
lab_expect_eq "keepalived's table: every server at 5" "5 5 5" "$(weights)"

lab_step "drcheck config import keepalived"
lab_in lvs "$AGENT_BIN" config import keepalived "$kdir/keepalived.conf" >"$AGENT_CONFIG" 2>"$kdir/import.err"
lab_expect_eq "imported without a warning" "0 " "$? $(cat "$kdir/import.err")"
lab_expect_eq "drcheck accepts the translation" "0" \
  "$(lab_in lvs "$AGENT_BIN" config check --config "$AGENT_CONFIG" >/dev/null 2>&1; echo $?)"

lab_step "shadow mode: drcheck --dry-run beside keepalived"
agent_start --dry-run || agent_finish
agent_wait_ready
lab_rs_stop 1
lab_wait 15 lab_prints "0 5 5" weights
lab_expect_eq "keepalived inhibits rs1" "0 5 5" "$(weights)"
sleep 12
lab_rs_start 1
lab_wait 15 lab_prints "5 5 5" weights
sleep 6
lab_expect_eq "they agreed through the failure and recovery: no shadow line" "0" "$(agent_log_count "shadow:")"

lab_vip_del 2
lab_wait 30 agent_log_holds "shadow: web" 1 || lab_wait 1 agent_log_holds "shadow:" 1
lab_expect_match "rs2 without the VIP on lo: drcheck disagrees (dr_path), keepalived keeps weight 5" \
  "shadow: [^ ]+ $rs2: drcheck finds it down \(last probe: dr_path\), the kernel has it at weight 5" "$(cat "$AGENT_LOG")"
lab_expect_match "the disagreement is a series" "drcheck_shadow_disagreement\{service=\"[^\"]+\",real_server=\"$rs2\",drcheck=\"down\"\} 1" \
  "$(agent_get /metrics)"
lab_expect_match "and a SHADOW line in drcheck status" "SHADOW: .*$rs2: drcheck finds it down" \
  "$(lab_in lvs "$AGENT_BIN" status --listen "$AGENT_LISTEN")"
lab_expect_eq "drcheck changed no weight" "5 5 5" "$(weights)"
lab_vip_add 2
lab_wait 20 agent_log_holds "$rs2: drcheck and the kernel agree again" 1
lab_expect_eq "the end is logged" "1" "$(agent_log_count "$rs2: drcheck and the kernel agree again")"

lab_step "the switch: keepalived stops with its table kept, drcheck takes over"
agent_stop
kill "$keepalived"
wait "$keepalived"
lab_expect_eq "keepalived left its table" "5 5 5" "$(weights)"
agent_start || agent_finish
lab_expect_eq "no weight changes at the switch (5 s sampled)" "5" "$(agent_weights_seen 2 5)"
lab_expect_eq "every server still at 5" "5 5 5" "$(weights)"
lab_rs_stop 3
lab_wait 15 lab_prints "5 5 0" weights
lab_expect_eq "the next failure is drained by drcheck" "5 5 0" "$(weights)"
lab_expect_match "drcheck's drain is in its log" "$(lab_rip 3):$LAB_PORT: weight 5 -> 0, drain" "$(cat "$AGENT_LOG")"
agent_finish
