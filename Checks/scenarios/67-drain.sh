#!/usr/bin/env bash
# An operator's drain on the real IPVS kernel: `drcheck drain` sets the weight to 0 at once and records why, who and
# when; --wait follows a client's connections through the VIP (exit 1 at the timeout while they are held, 0 once
# they close); the drain holds through a failure and recovery of the server, a daemon restart, a kill -9 and a run
# without the daemon; `drcheck undrain` hands the server back to its checks; bad input is one line and exit 2.
. "$(dirname "$0")/../lab/scenario.sh" agent

rs1=$(lab_rip 1):$LAB_PORT
OTHER=$LAB_VIP:8001
lab_step "topology: web over rs1 and rs2; a second service (8001) over rs2 only"
lab_topology_or_exit 2
lab_in lvs ipvsadm -R <<IPVS
-A -t $OTHER -s rr
-a -t $OTHER -r $(lab_rip 2):8001 -g -w 1
IPVS
{
  agent_web_config "fall: 1" "rise: 1"
  printf '  - name: other\n    vip: "%s"\n    check: {port: %s, interval: 1s, timeout: 900ms}\n' "$OTHER" "$LAB_PORT"
} | agent_config
agent_start || agent_finish
agent_wait_ready
# drcheck_cmd ARG...: the drcheck command line in the director, with the scenario's config and state.
drcheck_cmd() { lab_in lvs "$AGENT_BIN" "$@" --config "$AGENT_CONFIG" --state "$AGENT_STATE"; }

lab_step "bad input: one line, exit 2, nothing changed"
out=$(drcheck_cmd drain nosuch "$rs1" 2>&1)
lab_expect_eq "an unknown service" "drcheck: no checked service nosuch in the IPVS table (services: web, other) exit 2" \
  "$out exit $?"
out=$(drcheck_cmd drain other "$rs1" 2>&1)
status=$?
lab_expect_eq "a server of another service" \
  "drcheck: $rs1 is not a real server of other (its real servers: $(lab_rip 2):8001); it is one of web exit 2" \
  "$out exit $status"
out=$(drcheck_cmd undrain web "$rs1" 2>&1)
lab_expect_eq "undrain of a server not drained" \
  "drcheck: web $rs1 is not drained with drcheck drain (a weight 0 set with ipvsadm ends with ipvsadm) exit 2" "$out exit $?"
lab_expect_eq "no weight changed" "rs1=1 rs2=1" "$(agent_weights)"

lab_step "a client holds two connections to each server through the VIP; drain rs1 with --wait --timeout 3s"
lab_in client python3 -S -c '
import socket, sys, time, os
held = [socket.create_connection((sys.argv[1], int(sys.argv[2]))) for _ in range(4)]
while os.path.exists(sys.argv[3]):
    time.sleep(0.1)
' "$LAB_VIP" "$LAB_PORT" "$LAB_STATE/hold" &
touch "$LAB_STATE/hold"
holder=$!
# active I: rsI's active connections in the web service.
active() { lab_in lvs ipvsadm -Ln -t "$LAB_SERVICE" | awk -v rip="$(lab_rip "$1"):$LAB_PORT" '$2 == rip {print $5}'; }
lab_wait 10 lab_prints 2 active 1
lab_expect_eq "rs1 holds 2 active connections" "2" "$(active 1)"
out=$(drcheck_cmd drain web "$rs1" --reason "deploy 4.2" --wait --timeout 3s)
status=$?
lab_expect_eq "exit 1 at the timeout while the client holds them" "1" "$status"
lab_expect_match "it says so" "$rs1: 2 active connections left at the timeout" "$out"
lab_expect_eq "the weight went to 0 at once" "0" "$(agent_weight 1)"
lab_expect_eq "/status: admin_drained" "admin_drained" "$(agent_status_field 1 state)"
lab_expect_eq "/status: the drain's reason, user and not empty" '{"by": "root", "empty": false, "reason": "deploy 4.2"}' \
  "$(agent_get /status | python3 -c '
import json, sys
for s in json.load(sys.stdin)["services"]:
    for r in s["real_servers"]:
        if r["address"] == sys.argv[1]:
            d = r["drain"]; print(json.dumps({k: d[k] for k in ("by", "empty", "reason")}, sort_keys=True))
' "$rs1")"
lab_expect_eq "drcheck_real_server_admin_drained 1" "1.0" \
  "$(agent_metric "drcheck_real_server_admin_drained{service=\"web\",real_server=\"$rs1\"}")"
lab_expect_match "drcheck status shows who, why and the connections" \
  "$rs1 +admin_drained +0 +1 +2/0 .*drained by root [0-9]+s ago: deploy 4.2, connections left" \
  "$(lab_in lvs "$AGENT_BIN" status --listen "$AGENT_LISTEN")"
lab_expect_eq "logged once" "1" "$(agent_log_count "$rs1: drained by root with drcheck drain (deploy 4.2)")"

lab_step "drain --wait again; the client closes its connections after 2 s"
( drcheck_cmd drain web "$rs1" --reason "deploy 4.2" --wait --timeout 30s >"$LAB_STATE/wait.out"; echo $? >"$LAB_STATE/wait.rc" ) &
waiter=$!
sleep 2
rm -f "$LAB_STATE/hold"
wait "$holder" "$waiter"
lab_expect_eq "exit 0 once empty" "0" "$(cat "$LAB_STATE/wait.rc")"
lab_expect_match "it says empty" "$rs1: empty" "$(cat "$LAB_STATE/wait.out")"

lab_step "rs1 fails and recovers under the drain: its weight stays 0"
lab_rs_mode 1 status 500
sleep 3
lab_rs_mode 1 ok
lab_expect_eq "weights during 4 s of healthy probes" "0" "$(agent_weights_seen 1 4)"
lab_expect_eq "rs2 untouched" "1" "$(agent_weight 2)"

lab_step "a restart, a kill -9 and a pass without the daemon keep the drain"
agent_stop
agent_start || agent_finish
lab_expect_eq "after a restart" "0" "$(agent_weights_seen 1 3)"
agent_stop KILL
agent_start || agent_finish
lab_expect_eq "after a kill -9" "0" "$(agent_weights_seen 1 3)"
agent_stop
agent_once >/dev/null
lab_expect_eq "--once keeps it" "0" "$(agent_weight 1)"

lab_step "undrain without the daemon, then --once restores it (rise 1)"
out=$(drcheck_cmd undrain web "$rs1")
lab_expect_eq "undrain: exit 0, and when it takes effect" \
  "web $rs1: undrained, back to its checks: restored once they pass at the next drcheck --once or daemon start 0" "$out $?"
agent_once >/dev/null
lab_expect_eq "--once restores it" "1" "$(agent_weight 1)"

lab_step "drain and undrain with the daemon running"
agent_start || agent_finish
drcheck_cmd drain web "$rs1" --reason maintenance >/dev/null
lab_expect_eq "drained" "0" "$(agent_weight 1)"
drcheck_cmd undrain web "$(lab_rip 1)" >/dev/null
agent_wait_weight 1 1 10
lab_expect_eq "undrained by its RIP alone, restored after one passing probe" "rs1=1 rs2=1" "$(agent_weights)"
lab_expect_eq "the hand-back is logged" "1" "$(agent_log_count "$rs1: undrained, back to its checks")"
lab_expect_eq "drcheck_real_server_admin_drained back to 0" "0.0" \
  "$(agent_metric "drcheck_real_server_admin_drained{service=\"web\",real_server=\"$rs1\"}")"
agent_finish
