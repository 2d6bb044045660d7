#!/usr/bin/env bash
# Discovery never judges a service by a protocol it does not speak. Beside the web service, the director carries
# SMTP-, Redis- and MySQL-like TCP services (Checks/lab/protocolserver.py on rs1 and rs2, weight 4). With only
# `discover: true` (and with no config at all, for --once) every weight holds, and `drcheck diagnose` blames no server: the defaults' HTTP check sees
# answers in another protocol, says so once per service, and checks those services by connecting from then on. That
# connect check still drains a stopped server and one without the VIP on lo (dr_path), and the web service is still
# judged by HTTP.
. "$(dirname "$0")/../lab/scenario.sh" agent

PORTS="2525 3306 6379 8000"
declare -A KIND=([2525]=smtp [3306]=mysql [6379]=redis)

# proto_start I PORT: starts rsI's server of PORT's kind; proto_stop I PORT stops it.
proto_start() { lab_proto_start "$1" "${KIND[$2]}" "$2"; }
proto_stop() { lab_proto_stop "$1" "$2"; }

# weights: every service's weights, "PORT:W1,W2" for each port of $PORTS.
weights() { lab_port_weights $PORTS; }

# weights_seen SECONDS: samples `weights` every 0.3 s for SECONDS; prints each distinct reading, "|"-separated.
weights_seen() {
  local deadline=$((SECONDS + $1)) out seen="|"
  while [ "$SECONDS" -lt "$deadline" ]; do
    out=$(weights)
    [[ $seen == *"|$out|"* ]] || seen+="$out|"
    sleep 0.3
  done
  seen=${seen#|}
  echo "${seen%|}"
}

# connecting_services: the /status services whose checked_by_connecting is set, "ADDRESS" each, space-separated.
connecting_services() {
  agent_get /status | python3 -c '
import json, sys
print(" ".join(s["address"] for s in json.load(sys.stdin)["services"] if s.get("checked_by_connecting")))'
}

lab_step "topology: web (8000) and SMTP (2525), MySQL (3306), Redis (6379) on rs1 and rs2, each at weight 4"
lab_topology_or_exit 2
lab_weight 1 4
lab_weight 2 4
for port in 2525 3306 6379; do
  proto_start 1 "$port"
  proto_start 2 "$port"
  printf -- '-A -t %s:%s -s rr\n-a -t %s:%s -r %s:%s -g -w 4\n-a -t %s:%s -r %s:%s -g -w 4\n' \
    "$LAB_VIP" "$port" "$LAB_VIP" "$port" "$(lab_rip 1)" "$port" "$LAB_VIP" "$port" "$(lab_rip 2)" "$port"
done | lab_in lvs ipvsadm -R
lab_wait_port lvs 2525 "$(lab_rip 1)" "$(lab_rip 2)" && lab_wait_port lvs 3306 "$(lab_rip 1)" "$(lab_rip 2)" &&
  lab_wait_port lvs 6379 "$(lab_rip 1)" "$(lab_rip 2)" || { echo "FAIL - protocol servers"; exit 1; }
lab_expect_match "the SMTP service greets a client through the VIP" "^220 rs[12]\.lab ESMTP ready" \
  "$(lab_in client timeout 2 bash -c "exec 3<>/dev/tcp/$LAB_VIP/2525; head -n 1 <&3")"
lab_expect_eq "every weight is 4" "2525:4,4 3306:4,4 6379:4,4 8000:4,4" "$(weights)"

lab_step "zero-config --once (no config file): one pass, every weight kept"
if agent_zero_config_once; then
  out=$AGENT_ONCE_OUT
  lab_expect_eq "exit 0 (healthy)" "0" "$AGENT_ONCE_STATUS"
  for port in 2525 3306 6379; do
    lab_expect_eq "$LAB_VIP:$port named as checked by connecting" "1" \
      "$(grep -cF "$LAB_VIP:$port (tcp): answers in another protocol than HTTP (Received HTTP/0.9 when not allowed): checked by connecting" <<<"$out")"
  done
  lab_expect_eq "every weight is still 4" "2525:4,4 3306:4,4 6379:4,4 8000:4,4" "$(weights)"
  rm -f "$AGENT_STATE"
fi

printf 'discover: true\ndiscovery_interval: 1s\ndefaults: {interval: 1s, timeout: 900ms, fall: 1}\n' | agent_config
lab_step "drcheck diagnose with only discover: true: no server blamed for its protocol"
status=0
out=$(lab_in lvs "$AGENT_BIN" diagnose --config "$AGENT_CONFIG" --state "$AGENT_STATE" 2>&1) || status=$?
sed 's/^/    | /' <<<"$out"
lab_expect_eq "exit 0" "0" "$status"
lab_expect_eq "no finding failed" "0" "$(grep -c '^ *FAIL' <<<"$out")"
lab_expect_eq "each of the three services named as checked by connecting" "3" \
  "$(grep -c 'answers in another protocol than HTTP (Received HTTP/0.9 when not allowed): checked by connecting' <<<"$out")"

lab_step "the daemon with only discover: true (fall 1: a single counted failure would drain)"
agent_start || agent_finish
lab_expect_eq "every weight holds at 4 for 8 s" "2525:4,4 3306:4,4 6379:4,4 8000:4,4" "$(weights_seen 8)"
for port in 2525 3306 6379; do
  lab_expect_eq "$LAB_VIP:$port: named once in the log" "1" \
    "$(agent_log_count "$LAB_VIP:$port (tcp): answers in another protocol than HTTP (Received HTTP/0.9 when not allowed): checked by connecting; list it with a check of its own to judge more")"
done
lab_expect_eq "/status: checked_by_connecting on the three, not on the web service" \
  "$LAB_VIP:2525 $LAB_VIP:3306 $LAB_VIP:6379" "$(connecting_services)"
lab_expect_match "drcheck status names them below the table" \
  "CONNECT CHECK: $LAB_VIP:2525 \(tcp\): answers in another protocol than HTTP" \
  "$(lab_in lvs "$AGENT_BIN" status --listen "$AGENT_LISTEN")"
lab_expect_eq "no server went down" "0" "$(agent_log_count ": down (")"
# The connect checks go on: rs1's SMTP server keeps seeing connections.
sent=$(grep -c "connected (smtp)" "$LAB_STATE/rs1-2525.log")
sleep 3
lab_expect_match "rs1's SMTP server is still probed (connections: $sent, then more)" "^[1-9]" \
  "$(($(grep -c "connected (smtp)" "$LAB_STATE/rs1-2525.log") - sent))"

lab_step "rs2's SMTP server stops: drained by the connect check, restored when it is back"
proto_stop 2 2525
lab_wait 15 lab_prints "2525:4,0 3306:4,4 6379:4,4 8000:4,4" weights
lab_expect_eq "rs2 drained in the SMTP service only" "2525:4,0 3306:4,4 6379:4,4 8000:4,4" "$(weights)"
lab_expect_eq "its down line names connect_refused" "1" \
  "$(agent_log_count "$LAB_VIP:2525/tcp $(lab_rip 2):2525: down (connect_refused")"
proto_start 2 2525
lab_wait 15 lab_prints "2525:4,4 3306:4,4 6379:4,4 8000:4,4" weights
lab_expect_eq "restored" "2525:4,4 3306:4,4 6379:4,4 8000:4,4" "$(weights)"

lab_step "the web service is still judged by HTTP: rs1 answers 500"
lab_rs_mode 1 error
lab_wait 15 lab_prints "2525:4,4 3306:4,4 6379:4,4 8000:0,4" weights
lab_expect_eq "rs1 drained in the web service only" "2525:4,4 3306:4,4 6379:4,4 8000:0,4" "$(weights)"
lab_rs_mode 1 ok
lab_wait 15 lab_prints "2525:4,4 3306:4,4 6379:4,4 8000:4,4" weights

lab_step "rs2 loses the VIP from lo: the connect checks see the DR path fail"
lab_vip_del 2
lab_wait 20 lab_prints "2525:4,0 3306:4,0 6379:4,0 8000:4,0" weights
lab_expect_eq "rs2 drained in every service" "2525:4,0 3306:4,0 6379:4,0 8000:4,0" "$(weights)"
lab_expect_eq "its SMTP down line names dr_path" "1" \
  "$(agent_log_count "$LAB_VIP:2525/tcp $(lab_rip 2):2525: down (dr_path")"
agent_finish
