#!/usr/bin/env bash
# Metrics and status as operators see them: promtool check metrics passes on a real scrape of the daemon;
# a real Prometheus server scrapes it, and after rs1 is stopped its query API says drcheck_real_server_up is 0 for
# rs1 and 1 for the others, with weight series equal to ipvsadm's; `drcheck status` shows the same at a glance, and
# says so in one line (exit 3) when no daemon listens; the daemon serves on a unix socket too. A reload with the
# metrics block's two switches off drops exactly the duration histogram and the kernel counters (promtool still
# passes), and one back to the default shows them again with their counts kept.
. "$(dirname "$0")/../lab/scenario.sh" agent
PROM_DIR=$LAB_STATE/prometheus
PROM_LISTEN=127.0.0.1:9090
PROM_PID=

# prom_query PROMQL: prints "real_server=value" for each series of the instant query, sorted, space-separated.
prom_query() {
  lab_in lvs curl -s --max-time 2 -G "http://$PROM_LISTEN/api/v1/query" --data-urlencode "query=$1" | python3 -c '
import json, sys
result = json.load(sys.stdin)["data"]["result"]
print(" ".join(sorted("%s=%s" % (r["metric"].get("real_server", r["metric"].get("job")), r["value"][1]) for r in result)))'
}

# prom_wait PROMQL EXPECTED SECONDS: waits until prom_query prints EXPECTED; returns 1 on time-out.
prom_wait() { lab_wait "$3" lab_prints "$2" prom_query "$1" 2>/dev/null; }

finish() {
  [ -z "$PROM_PID" ] || { kill "$PROM_PID" 2>/dev/null; wait "$PROM_PID" 2>/dev/null; }
  agent_finish
}

lab_step "topology: rs1..rs3 at weight 1; rs3 set to 5 by the operator before drcheck starts"
lab_topology_or_exit 3
lab_weight 3 5
agent_web_config "fall: 3" | agent_config
agent_start || finish
rs1="$(lab_rip 1):$LAB_PORT" rs2="$(lab_rip 2):$LAB_PORT" rs3="$(lab_rip 3):$LAB_PORT"

lab_step "a real scrape"
lab_in lvs curl -s -D "$LAB_STATE/headers" -o "$LAB_STATE/scrape" "http://$AGENT_LISTEN/metrics"
lab_expect_eq "/metrics is Prometheus text format 0.0.4" "text/plain; version=0.0.4; charset=utf-8" \
  "$(awk -F': ' 'tolower($1) == "content-type" {sub(/\r$/, "", $2); print $2}' "$LAB_STATE/headers")"
lab_expect_eq "promtool check metrics finds nothing to fault" "" "$(promtool check metrics <"$LAB_STATE/scrape" 2>&1)"
lab_expect_eq "fixed families for every server (up, weight, configured weight)" "9" \
  "$(grep -cE '^drcheck_real_server_(up|weight|configured_weight)\{service="web",' "$LAB_STATE/scrape")"
lab_expect_eq "probe results, durations, kernel counters, config and build families are there" "6" \
  "$(grep -cE '^# TYPE drcheck_(probe_results_total|probe_duration_seconds|ipvs_connections_active|ipvs_incoming_packets_total|config_last_reload_successful|build_info) ' "$LAB_STATE/scrape")"

lab_step "a real Prometheus server scrapes drcheck every second"
mkdir -p "$PROM_DIR"
cat >"$PROM_DIR/prometheus.yml" <<EOF2
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: drcheck
    static_configs:
      - targets: ["$AGENT_LISTEN"]
EOF2
ip netns exec lvs prometheus --config.file="$PROM_DIR/prometheus.yml" --storage.tsdb.path="$PROM_DIR/data" \
  --web.listen-address="$PROM_LISTEN" >"$PROM_DIR/log" 2>&1 &
PROM_PID=$!
prom_wait 'up{job="drcheck"}' "drcheck=1" 60 || tail -n 20 "$PROM_DIR/log"
lab_expect_eq "Prometheus sees the target up" "drcheck=1" "$(prom_query 'up{job="drcheck"}')"
lab_expect_eq "and every server healthy" "$rs1=1 $rs2=1 $rs3=1" "$(prom_query drcheck_real_server_up)"

lab_step "rs1's HTTP server stops"
lab_rs_stop 1
agent_wait_weight 1 0 10
lab_expect_eq "rs1 drained in the kernel" "rs1=0 rs2=1 rs3=5" "$(agent_weights)"
prom_wait drcheck_real_server_up "$rs1=0 $rs2=1 $rs3=1" 20
lab_expect_eq "Prometheus: drcheck_real_server_up is 0 for rs1, 1 for the others" "$rs1=0 $rs2=1 $rs3=1" \
  "$(prom_query drcheck_real_server_up)"
prom_wait drcheck_real_server_weight "$rs1=0 $rs2=1 $rs3=5" 10
lab_expect_eq "Prometheus: drcheck_real_server_weight matches ipvsadm" \
  "$(agent_weights | sed "s/rs1=/$rs1=/; s/rs2=/$rs2=/; s/rs3=/$rs3=/")" "$(prom_query drcheck_real_server_weight)"
lab_expect_eq "Prometheus: drcheck_real_server_configured_weight" "$rs1=1 $rs2=1 $rs3=5" \
  "$(prom_query drcheck_real_server_configured_weight)"
lab_expect_eq "Prometheus: one transition of rs1 to down" "$rs1=1" \
  "$(prom_query 'drcheck_real_server_state_transitions_total{to="down"}')"

lab_step "a reload with metrics: {probe_durations: false, ipvs_counters: false}, then back to the default"
# families: the families of a scrape, sorted, one a line (the body is cached up to 1 s, hence the waits).
families() {
  lab_in lvs curl -s --max-time 5 "http://$AGENT_LISTEN/metrics" | sed -n 's/^# TYPE \([a-z_]*\) .*/\1/p' | sort
}
# has_durations 1|0: whether a scrape has the duration histogram.
has_durations() { [ "$(families | grep -cx drcheck_probe_duration_seconds)" == "$1" ]; }
# rs2_probes: rs2's probe count in the duration histogram.
rs2_probes() {
  lab_in lvs curl -s --max-time 5 "http://$AGENT_LISTEN/metrics" |
    sed -n "s/^drcheck_probe_duration_seconds_count{service=\"web\",real_server=\"$rs2\"} //p"
}
families >"$LAB_STATE/families-all"
before=$(rs2_probes)
{ agent_web_config "fall: 3"; printf 'metrics:\n  probe_durations: false\n  ipvs_counters: false\n'; } | agent_config
agent_signal HUP
lab_wait 10 has_durations 0
lab_in lvs curl -s -o "$LAB_STATE/scrape-light" "http://$AGENT_LISTEN/metrics"
gone="drcheck_ipvs_connections_active drcheck_ipvs_connections_inactive drcheck_ipvs_connections_total"
gone+=" drcheck_ipvs_incoming_bytes_total drcheck_ipvs_incoming_packets_total drcheck_ipvs_outgoing_bytes_total"
gone+=" drcheck_ipvs_outgoing_packets_total drcheck_probe_duration_seconds"
# (Files, not <(...): the lab has no /dev/fd.)
families >"$LAB_STATE/families-light"
lab_expect_eq "exactly the duration histogram and the seven kernel counters are gone" "$gone" \
  "$(comm -23 "$LAB_STATE/families-all" "$LAB_STATE/families-light" | tr '\n' ' ' | sed 's/ $//')"
lab_expect_eq "promtool check metrics passes on the lighter scrape" "" \
  "$(promtool check metrics <"$LAB_STATE/scrape-light" 2>&1)"
agent_web_config "fall: 3" | agent_config
agent_signal HUP
lab_wait 10 has_durations 1
families >"$LAB_STATE/families-again"
lab_expect_eq "the default again: the same families as before" "$(cat "$LAB_STATE/families-all")" \
  "$(cat "$LAB_STATE/families-again")"
after=$(rs2_probes)
lab_expect_eq "rs2's probe count went on meanwhile ($before, then $after)" "yes" \
  "$([ "${after:-0}" -gt "${before:-0}" ] && [ "${before:-0}" -gt 0 ] && echo yes || echo no)"

lab_step "drcheck status"
table=$(lab_in lvs "$AGENT_BIN" status --listen "$AGENT_LISTEN")
echo "$table"
lab_expect_match "the table shows rs1 down at kernel weight 0, configured 1, its connections, its failure class" \
  "$rs1 +down +0 +1 +[0-9]+/[0-9]+ +connect_refused " "$table"
lab_expect_match "and rs3 up at 5 of 5" "$rs3 +up +5 +5 +[0-9]+/[0-9]+ +ok " "$table"
lab_expect_eq "--json is the daemon's document" "down" \
  "$(lab_in lvs "$AGENT_BIN" status --listen "$AGENT_LISTEN" --json | python3 -c '
import json, sys
print(json.load(sys.stdin)["services"][0]["real_servers"][0]["state"])')"
lab_expect_eq "no daemon at the address: one line on stderr" \
  "drcheck: drcheck is not running at 127.0.0.1:1 (nothing listens there)" \
  "$(lab_in lvs "$AGENT_BIN" status --listen 127.0.0.1:1 2>&1)"
lab_expect_status "and exit status 3" 3 lab_in lvs "$AGENT_BIN" status --listen 127.0.0.1:1
kill "$PROM_PID" 2>/dev/null
wait "$PROM_PID" 2>/dev/null
PROM_PID=

lab_step "the daemon on a unix socket"
agent_stop TERM
socket=$LAB_STATE/drcheck.sock
AGENT_LISTEN=unix:$socket
ip netns exec lvs "$AGENT_BIN" --config "$AGENT_CONFIG" --state "$AGENT_STATE" --listen "$AGENT_LISTEN" \
  >>"$AGENT_LOG" 2>&1 &
AGENT_PID=$!
code=
for _ in $(seq 100); do
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 --unix-socket "$socket" http://drcheck/healthz)
  [ "$code" == 200 ] && break
  sleep 0.1
done
lab_expect_eq "curl over the socket: /healthz answers 200 once every server was probed" "200" "$code"
lab_expect_match "drcheck status --listen unix:PATH" "$rs3 +up +5 +5 " \
  "$(lab_in lvs "$AGENT_BIN" status --listen "$AGENT_LISTEN")"
agent_stop TERM
lab_expect_eq "the socket file is removed on exit" "gone" "$([ -e "$socket" ] && echo there || echo gone)"
finish
