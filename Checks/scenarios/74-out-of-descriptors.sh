#!/usr/bin/env bash
# The daemon out of descriptors keeps the operator's view: its open-file limit is lowered under the descriptors it
# holds (prlimit), so no probe can open a socket. /healthz, /status and /metrics still answer, each scrape accepted on
# the descriptor the listener keeps aside and taken back when the scrape ends; probes fail as local_error and count
# against no server, so no weight changes; drcheck_descriptors_exhausted_total counts the scrapes that found none.
# With the limit raised again, probes pass and the log says so.
. "$(dirname "$0")/../lab/scenario.sh" agent

lab_step "topology: rs1 and rs2 at weight 1; the daemon in dr mode"
lab_topology_or_exit 2
agent_web_config | agent_config
agent_start || lab_finish
agent_wait_log "every server probed once" 1 10

lab_step "the open-file limit is lowered to the listener's spare descriptor + 1: every lower number is held"
# The spare is the highest-numbered /dev/null (stdin is one too): a limit just above it leaves no number free.
spare=$(for fd in /proc/"$AGENT_PID"/fd/*; do [ "$(readlink "$fd")" == /dev/null ] && echo "${fd##*/}"; done | sort -n | tail -n 1)
echo "the daemon's descriptors: $(ls /proc/"$AGENT_PID"/fd | sort -n | paste -sd' '); the spare: $spare"
prlimit --pid "$AGENT_PID" --nofile=$((spare + 1)):$((spare + 1))
lab_expect_eq "the limit is set" "$((spare + 1))" "$(prlimit --pid "$AGENT_PID" --nofile --noheadings --output SOFT | tr -d ' ')"
lab_expect_eq "probes fail for want of a descriptor" "yes" \
  "$(agent_wait_log "cannot make probes" 1 10 && echo yes || echo no)"

lab_step "scrapes while out of descriptors"
for round in 1 2 3; do
  lab_expect_eq "round $round: /healthz answers 200" "200" \
    "$(lab_in lvs curl -s -o /dev/null --max-time 3 -w '%{http_code}' "http://$AGENT_LISTEN/healthz")"
done
lab_expect_eq "/status answers, rs1's last probe local_error" "local_error" "$(agent_status_field 1 last_result)"
lab_expect_eq "/status answers again, rs2's last probe local_error" "local_error" "$(agent_status_field 2 last_result)"
metrics=$(agent_get /metrics)
exhausted=$(awk '$1 == "drcheck_descriptors_exhausted_total" {print $2}' <<<"$metrics")
discounted=$(awk '$1 == "drcheck_probes_discounted_total{reason=\"local_error\"}" {print $2}' <<<"$metrics")
echo "figure: scrapes that found no descriptor: $exhausted; probes not counted as local_error: $discounted"
lab_expect_eq "/metrics answers and counts the scrapes accepted on the spare: 3 /healthz, 2 /status and itself" "6" \
  "$exhausted"
lab_expect_eq "probes fail as local_error, counted against no server" "yes" \
  "$([ "${discounted:-0}" -ge 2 ] && echo yes || echo "no: '$discounted'")"
lab_expect_eq "the log says what to raise, once" "1" "$(agent_log_count "raise LimitNOFILE")"
lab_expect_eq "no weight changed" "rs1=1 rs2=1" "$(agent_weights)"
lab_expect_eq "no server drained or restored" "0" "$(grep -cE ': (down|up) \(' "$AGENT_LOG")"
lab_expect_eq "the spare was taken back after the scrapes" "/dev/null" "$(readlink /proc/"$AGENT_PID"/fd/"$spare")"
lab_expect_eq "targets kept as they were (the director's addresses unreadable without a descriptor)" "0" \
  "$(agent_log_count "probing the RIP instead")"

lab_step "the limit raised again"
prlimit --pid "$AGENT_PID" --nofile=65536:65536
lab_expect_eq "the log says probes can be made again" "yes" \
  "$(agent_wait_log "probes can be made again" 1 10 && echo yes || echo no)"
# The first probe to pass (rs1's or rs2's) ends the condition; rs1's own comes within its interval.
lab_wait 5 lab_prints ok agent_status_field 1 last_result
lab_expect_eq "rs1 passes again" "ok" "$(agent_status_field 1 last_result)"
lab_expect_eq "weights unchanged" "rs1=1 rs2=1" "$(agent_weights)"
agent_finish
