#!/usr/bin/env bash
# keep_last: when every real server of a service fails, drcheck drains all but one; the last keeps its
# weight and the service is in panic (/status `panic: true`, drcheck_service_panic 1, one log line). A drained
# server that recovers ends the panic and the kept one, still failing, is drained then. With `keep_last: false` every
# failing server is drained and there is no panic.
. "$(dirname "$0")/../lab/scenario.sh" agent

# the panic line says what is kept after the comma; "panic over" has none
panic_line="$LAB_SERVICE/tcp: panic,"
panic_over="$LAB_SERVICE/tcp: panic over"
panic_metric="drcheck_service_panic{service=\"web\"}"

# write_config [KEEP_LAST]: the scenario's config, with keep_last set to KEEP_LAST (true or false) or left out.
write_config() {
  {
    echo "discovery_interval: 1s"
    agent_web_config "fall: 2" ${1:+"keep_last: $1"} -- "$(lab_rip 1) 3" "$(lab_rip 2) 4" "$(lab_rip 3) 5"
  } | agent_config
}

# zeros: prints how many of the three servers have weight 0.
zeros() { local w n=0; for w in $(agent_weights); do [ "${w#*=}" != 0 ] || n=$((n + 1)); done; echo "$n"; }

# wait_zeros N SECONDS: waits until N servers have weight 0.
wait_zeros() { lab_wait "$2" lab_prints "$1" zeros; }

lab_step "topology: rs1..rs3 at their configured weights 3, 4, 5; keep_last left at its default (true)"
lab_topology_or_exit 3
lab_weight 1 3
lab_weight 2 4
lab_weight 3 5
write_config
agent_start || agent_finish
agent_wait_ready
lab_expect_eq "no panic while all are healthy" "false 0.0" "$(agent_service_field panic) $(agent_metric "$panic_metric")"

lab_step "every server fails"
lab_rs_stop 1
lab_rs_stop 2
lab_rs_stop 3
agent_wait_log "$panic_line" 1 10
wait_zeros 2 5
kept=0
for i in 1 2 3; do [ "$(agent_weight "$i")" == 0 ] || kept=$i; done
configured=$((kept + 2))
echo "rs$kept is the one kept"
lab_expect_eq "two drained, one keeps its configured weight" "2 $configured" "$(zeros) $(agent_weight "$kept")"
lab_expect_eq "/status: the service is in panic" "true" "$(agent_service_field panic)"
lab_expect_eq "$panic_metric is 1" "1.0" "$(agent_metric "$panic_metric")"
lab_expect_eq "/status: the kept server is unhealthy and down" "False down" \
  "$(agent_status_field "$kept" healthy) $(agent_status_field "$kept" state)"
lab_expect_eq "over 3 s more, the kept server's weight holds" "$configured" "$(agent_weights_seen "$kept" 3)"
lab_expect_eq "and two stay drained" "2" "$(zeros)"
lab_expect_eq "the panic is logged once" "1" "$(agent_log_count "$panic_line")"
lab_expect_eq "the kept server was never drained" "0" \
  "$(agent_log_count "$(lab_rip "$kept"):$LAB_PORT: weight $configured -> 0")"

lab_step "one drained server recovers"
back=$((kept % 3 + 1))
lab_rs_start "$back"
agent_wait_log "$panic_over" 1 10
agent_wait_weight "$kept" 0 5
lab_expect_eq "rs$back is restored to its configured weight" "$((back + 2))" "$(agent_weight "$back")"
lab_expect_eq "the panic is over: /status, metric, one log line" "false 0.0 1" \
  "$(agent_service_field panic) $(agent_metric "$panic_metric") $(agent_log_count "$panic_over")"
lab_expect_eq "rs$kept, still failing, is drained now" "0" "$(agent_weight "$kept")"

lab_step "the others recover"
for i in 1 2 3; do [ "$i" == "$back" ] || lab_rs_start "$i"; done
agent_wait_weight 1 3 10
agent_wait_weight 2 4 10
agent_wait_weight 3 5 10
lab_expect_eq "every server back at its configured weight" "rs1=3 rs2=4 rs3=5" "$(agent_weights)"
lab_expect_eq "no second panic" "1" "$(agent_log_count "$panic_line")"

lab_step "restart with keep_last: false; every server fails"
agent_stop TERM
write_config false
agent_start || agent_finish
lab_rs_stop 1
lab_rs_stop 2
lab_rs_stop 3
wait_zeros 3 10
lab_expect_eq "all three drained" "rs1=0 rs2=0 rs3=0" "$(agent_weights)"
sleep 1
lab_expect_eq "no panic: /status, metric, log" "false 0.0 1" \
  "$(agent_service_field panic) $(agent_metric "$panic_metric") $(agent_log_count "$panic_line")"
agent_finish
