#!/usr/bin/env bash
# tcp checks that talk to their servers: a Redis-like pool checked with `send: "PING\r\n"` and `expect: "^\+PONG"`,
# an SMTP-like pool by its banner (`expect: "^220 "`), both through the DR path (Checks/lab/protocolserver.py on rs1
# and rs2, weight 4). Healthy servers keep their weight; a Redis that answers -LOADING is drained as body_mismatch
# and restored when it answers PONG again; a stopped SMTP server is drained (connect_refused); a server without the
# VIP on lo is drained as dr_path in both; `drcheck probe tcp://...` gives the same verdicts by hand; the daemon keeps
# no socket of a conversation that ended.
. "$(dirname "$0")/../lab/scenario.sh" agent

weights() { lab_port_weights 2525 6379; }

# down SERVICE-PORT I CLASS: how many times the log says rsI went down in the service on that port, for CLASS.
down() { agent_log_count "$LAB_VIP:$1/tcp $(lab_rip "$2"):$1: down ($3)"; }

# last_detail I: the last result's detail of rsI in the Redis service, from /status.
last_detail() { agent_last_detail redis "$(lab_rip "$1"):6379"; }

lab_step "topology: SMTP (2525) and Redis (6379) on rs1 and rs2, each at weight 4"
lab_topology_or_exit 2
for i in 1 2; do
  lab_proto_start "$i" smtp 2525
  lab_proto_start "$i" redis 6379
done
for port in 2525 6379; do
  printf -- '-A -t %s:%s -s rr\n-a -t %s:%s -r %s:%s -g -w 4\n-a -t %s:%s -r %s:%s -g -w 4\n' \
    "$LAB_VIP" "$port" "$LAB_VIP" "$port" "$(lab_rip 1)" "$port" "$LAB_VIP" "$port" "$(lab_rip 2)" "$port"
done | lab_in lvs ipvsadm -R
lab_wait_port lvs 2525 "$(lab_rip 1)" "$(lab_rip 2)" && lab_wait_port lvs 6379 "$(lab_rip 1)" "$(lab_rip 2)" ||
  { echo "FAIL - protocol servers"; exit 1; }

lab_step "drcheck probe tcp:// with --send and --expect, by hand"
out=$(lab_in lvs "$AGENT_BIN" probe "tcp://$(lab_rip 1):6379" --send 'PING\r\n' --expect '^\+PONG' 2>&1)
lab_expect_match "PING answered +PONG: ok" "^ok - [0-9.]+s$" "$out"
status=0
out=$(lab_in lvs "$AGENT_BIN" probe "tcp://$(lab_rip 1):6379" --send 'PING\r\n' --expect '^\+OK' --timeout 500ms \
  2>&1) || status=$?
lab_expect_eq "an answer that does not match: exit 1" "1" "$status"
lab_expect_match "... as body_mismatch" "body_mismatch - [0-9.]+s" "$out"
lab_expect_match "... saying what the server answered" 'the answer does not match "\^\\\+OK": "\+PONG\.\."' "$out"
out=$(lab_in lvs "$AGENT_BIN" probe "tcp://$(lab_rip 2):2525" --expect '^220 rs2\.lab ' 2>&1)
lab_expect_match "the SMTP banner: ok" "^ok - " "$out"
status=0
out=$(lab_in lvs "$AGENT_BIN" probe "http://$(lab_rip 2):2525/" --send 'x' 2>&1) || status=$?
lab_expect_eq "--send with an http:// URL is a usage error" "2" "$status"

cat <<EOF | agent_config
defaults: {interval: 1s, timeout: 900ms, rise: 1, fall: 1}
services:
  - name: redis
    vip: "$LAB_VIP:6379"
    check: {type: tcp, send: "PING\r\n", expect: "^\\\\+PONG"}
  - name: smtp
    vip: "$LAB_VIP:2525"
    check: {type: tcp, expect: "^220 "}
EOF
lab_step "the daemon: every weight holds while the servers answer as expected (fall 1)"
agent_start || agent_finish
agent_wait_ready
sleep 4
lab_expect_eq "every weight is 4" "2525:4,4 6379:4,4" "$(weights)"
lab_expect_eq "no server went down" "0" "$(agent_log_count ": down (")"
pings=$(grep -c "connected (redis)" "$LAB_STATE/rs1-6379.log")
sleep 2
lab_expect_match "rs1's Redis keeps being asked (connections: $pings, then more)" "^[1-9]" \
  "$(($(grep -c "connected (redis)" "$LAB_STATE/rs1-6379.log") - pings))"
fds=$(agent_descriptors)

lab_step "rs2's Redis answers -LOADING: drained as body_mismatch, back when it answers PONG"
lab_proto_stop 2 6379
lab_proto_start 2 redis-loading 6379
loading='the answer does not match "^\+PONG": "-LOADING Redis is loading the dataset in memory.."'
lab_wait 15 lab_prints "$loading" last_detail 2
lab_expect_eq "/status says what it answered" "$loading" "$(last_detail 2)"
lab_expect_eq "rs2 drained in the Redis service only" "2525:4,4 6379:4,0" "$(weights)"
# Between the two servers a probe may find nothing listening: the server went down once, either way.
lab_expect_eq "it went down once (body_mismatch, or refused between the two servers)" "1" \
  "$(($(down 6379 2 body_mismatch) + $(down 6379 2 connect_refused)))"
lab_proto_stop 2 6379
lab_proto_start 2 redis 6379
lab_wait 15 lab_prints "2525:4,4 6379:4,4" weights
lab_expect_eq "restored" "2525:4,4 6379:4,4" "$(weights)"

lab_step "rs1's SMTP server stops: drained as connect_refused, restored when it is back"
lab_proto_stop 1 2525
lab_wait 15 lab_prints "2525:0,4 6379:4,4" weights
# A probe under way when the server dies sees its connection reset; the next ones are refused.
lab_expect_eq "it went down once, refused (or reset mid-conversation)" "1" \
  "$(($(down 2525 1 connect_refused) + $(down 2525 1 reset)))"
lab_proto_start 1 smtp 2525
lab_wait 15 lab_prints "2525:4,4 6379:4,4" weights
lab_expect_eq "restored" "2525:4,4 6379:4,4" "$(weights)"

lab_step "the conversations leave no socket behind"
lab_expect_eq "the daemon's descriptors are as many as before the failures ($fds)" "$fds" \
  "$(agent_descriptors)"

lab_step "rs2 loses the VIP from lo: drained as dr_path in both services"
lab_vip_del 2
lab_wait 20 lab_prints "2525:4,0 6379:4,0" weights
lab_expect_eq "rs2 drained in both" "2525:4,0 6379:4,0" "$(weights)"
lab_expect_eq "its Redis and SMTP down lines name dr_path" "1 1" "$(down 6379 2 dr_path) $(down 2525 2 dr_path)"
lab_vip_add 2
lab_wait 20 lab_prints "2525:4,4 6379:4,4" weights
lab_expect_eq "restored once the VIP is back" "2525:4,4 6379:4,4" "$(weights)"
agent_finish
