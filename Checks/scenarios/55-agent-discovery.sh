#!/usr/bin/env bash
# Discovery: with `discover: true` (and, when /etc/drcheck/drcheck.yaml is absent, with no config at all)
# every IPVS service is checked with the defaults. A destination added with ipvsadm is probed within the discovery
# period (series in /metrics, entry in /status, a DR probe service); one deleted is forgotten without a warning or
# error (series, entry and probe service gone). A whole service added with ipvsadm is discovered, and forgotten when
# deleted.
. "$(dirname "$0")/../lab/scenario.sh" agent

SERVICE2=$LAB_VIP:8001
rs3=$(lab_rip 3):$LAB_PORT

# series_of TEXT: prints the /metrics lines (not comments) that contain TEXT, sorted.
series_of() {
  agent_get /metrics | grep -v '^#' | grep -F -- "$1" | sort
}

# status_servers: prints "SERVICE=RIP:PORT,..." for every service in /status, space-separated.
status_servers() {
  agent_get /status | python3 -c '
import json, sys
print(" ".join(s["address"] + "=" + ",".join(r["address"] for r in s["real_servers"]) for s in json.load(sys.stdin)["services"]))'
}

# probe_services: prints the real servers of drcheck's DR probe services, space-separated, sorted.
probe_services() { agent_probe_services | awk '{print $2}' | sort | paste -sd' '; }

# warnings: prints how many lines of the daemon's log are at warning level or above.
warnings() { grep -cE '^[^ ]+ (warning|error|critical) ' "$AGENT_LOG"; }

lab_step "topology: rs1..rs3 serve, only rs1 and rs2 in the service"
lab_topology_or_exit 3
lab_in lvs ipvsadm -d -t "$LAB_SERVICE" -r "$rs3"

lab_step "zero-config --once: no config file at the default path"
if agent_zero_config_once; then
  out=$AGENT_ONCE_OUT
  lab_expect_eq "exit 0" "0" "$AGENT_ONCE_STATUS"
  lab_expect_eq "both servers probed with the defaults, the service named by its address" \
    "$LAB_SERVICE $(lab_rip 1):$LAB_PORT ok|$LAB_SERVICE $(lab_rip 2):$LAB_PORT ok" \
    "$(awk '$1 ~ /:/ && $2 ~ /:/ {print $1, $2, $3}' <<<"$out" | paste -sd'|')"
  rm -f "$AGENT_STATE"
fi

# A generous probe timeout: on this loaded 2-core machine a DR probe in UML takes up to ~300 ms now and then.
lab_step "the daemon with only discover: true and discovery_interval: 1s"
agent_config <<EOF2
discover: true
discovery_interval: 1s
defaults:
  interval: 1s
  timeout: 800ms
EOF2
agent_start || agent_finish
lab_expect_eq "/status lists the service and its two servers" \
  "$LAB_SERVICE=$(lab_rip 1):$LAB_PORT,$(lab_rip 2):$LAB_PORT" "$(status_servers)"
lab_expect_eq "a DR probe service for each" "$(lab_rip 1):0 $(lab_rip 2):0" "$(probe_services)"

lab_step "ipvsadm adds rs3 at weight 2"
lab_in lvs ipvsadm -a -t "$LAB_SERVICE" -r "$rs3" -g -w 2
added=$EPOCHREALTIME
agent_wait_log "$rs3: ok " 1 10
seen=$EPOCHREALTIME
echo "figure: discovery: added with ipvsadm to its first probe result in the log $(python3 -c "print(round($seen - $added, 2))") s" \
  "(an upper bound: it includes polling the log; discovery_interval 1s, interval 1s)"
lab_expect_eq "probed within the discovery period (+ one interval, + 3 s for polling on a loaded machine)" "yes" \
  "$(python3 -c "print('yes' if $seen - $added <= 1 + 1 + 3 else 'no')")"
lab_expect_eq "logged as a new destination" "1" "$(agent_log_count "$rs3: new destination, weight 2")"
lab_expect_eq "its series: not drained by hand, up 1, weight 2, configured 2" \
  "drcheck_real_server_admin_drained{service=\"$LAB_SERVICE\",real_server=\"$rs3\"} 0.0|drcheck_real_server_configured_weight{service=\"$LAB_SERVICE\",real_server=\"$rs3\"} 2.0|drcheck_real_server_up{service=\"$LAB_SERVICE\",real_server=\"$rs3\"} 1.0|drcheck_real_server_weight{service=\"$LAB_SERVICE\",real_server=\"$rs3\"} 2.0" \
  "$(series_of "drcheck_real_server_" | grep -F "$rs3" | paste -sd'|')"
lab_expect_eq "/status lists it" "$LAB_SERVICE=$(lab_rip 1):$LAB_PORT,$(lab_rip 2):$LAB_PORT,$rs3" "$(status_servers)"
lab_expect_eq "its DR probe service exists" "$(lab_rip 1):0 $(lab_rip 2):0 $(lab_rip 3):0" "$(probe_services)"

lab_step "ipvsadm deletes rs3"
lab_in lvs ipvsadm -d -t "$LAB_SERVICE" -r "$rs3"
agent_wait_log "$rs3: destination gone, forgotten" 1 10
sleep 1.5
lab_expect_eq "logged once as forgotten" "1" "$(agent_log_count "$rs3: destination gone, forgotten")"
lab_expect_eq "no series names it any more" "" "$(series_of "$rs3")"
lab_expect_eq "/status no longer lists it" "$LAB_SERVICE=$(lab_rip 1):$LAB_PORT,$(lab_rip 2):$LAB_PORT" \
  "$(status_servers)"
lab_expect_eq "its DR probe service is gone" "$(lab_rip 1):0 $(lab_rip 2):0" "$(probe_services)"
lab_expect_eq "no warning or error in the log" "0" "$(warnings)"
lab_expect_eq "rs1 and rs2 untouched" "rs1=1 rs2=1" "$(LAB_SERVERS=2 agent_weights)"

lab_step "ipvsadm adds a whole service $SERVICE2 (rs1 and rs2 serve port 8001 too)"
for i in 1 2; do
  ip netns exec "rs$i" python3 -S "$LAB_DIR/realserver.py" --name "rs$i" --port 8001 \
    --mode-file "$LAB_STATE/rs$i-8001.mode" >>"$LAB_STATE/rs$i-8001.log" 2>&1 &
done
lab_wait_port lvs 8001 "$(lab_rip 1)" "$(lab_rip 2)"
lab_in lvs ipvsadm -R <<EOF2
-A -t $SERVICE2 -s rr
-a -t $SERVICE2 -r $(lab_rip 1):8001 -g -w 3
-a -t $SERVICE2 -r $(lab_rip 2):8001 -g -w 3
EOF2
agent_wait_log "$SERVICE2/tcp $(lab_rip 2):8001: ok " 1 10
agent_wait_log "$SERVICE2/tcp $(lab_rip 1):8001: ok " 1 10
lab_expect_eq "/status lists both services" \
  "$LAB_SERVICE=$(lab_rip 1):$LAB_PORT,$(lab_rip 2):$LAB_PORT $SERVICE2=$(lab_rip 1):8001,$(lab_rip 2):8001" \
  "$(status_servers)"
lab_expect_eq "the new service's servers are up at weight 3" \
  "drcheck_real_server_up{service=\"$SERVICE2\",real_server=\"$(lab_rip 1):8001\"} 1.0|drcheck_real_server_up{service=\"$SERVICE2\",real_server=\"$(lab_rip 2):8001\"} 1.0|drcheck_real_server_weight{service=\"$SERVICE2\",real_server=\"$(lab_rip 1):8001\"} 3.0|drcheck_real_server_weight{service=\"$SERVICE2\",real_server=\"$(lab_rip 2):8001\"} 3.0" \
  "$(series_of "service=\"$SERVICE2\"" | grep -E '^drcheck_real_server_(up|weight)\{' | paste -sd'|')"
lab_expect_eq "probed through the same DR probe services (one per real server)" \
  "$(lab_rip 1):0 $(lab_rip 2):0" "$(probe_services)"

lab_step "ipvsadm deletes the service $SERVICE2"
lab_in lvs ipvsadm -D -t "$SERVICE2"
sleep 2.5
lab_expect_eq "/status lists only the first service" \
  "$LAB_SERVICE=$(lab_rip 1):$LAB_PORT,$(lab_rip 2):$LAB_PORT" "$(status_servers)"
lab_expect_eq "no series names it any more" "" "$(series_of "service=\"$SERVICE2\"")"
lab_expect_eq "no warning or error in the log" "0" "$(warnings)"
agent_finish
