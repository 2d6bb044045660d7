#!/usr/bin/env bash
# The lab is sound: the seed's DR pool with 3 real servers balances round robin through the VIP, a weight of 0
# drains a server, a real server without the VIP on lo fails through the VIP while its RIP still answers (the
# seed's warning, reproduced), and every mode of realserver.py gives the client-side outcome probes will see.
. "$(dirname "$0")/../lab/scenario.sh"

lab_step "topology: client, director lvs, rs1..rs3 (ipvsadm is the oracle)"
lab_topology_or_exit 3
lab_in lvs ipvsadm -Ln -t "$LAB_SERVICE"
lab_expect_eq "3 DR destinations at weight 1" 3 "$(lab_in lvs ipvsadm -Ln -t "$LAB_SERVICE" | grep -c 'Route *1 ')"
lab_expect_eq "the director's lvs-rs accept_local is left at 0 (drcheck's DR probe sets it)" 0 \
  "$(lab_in lvs cat /proc/sys/net/ipv4/conf/lvs-rs/accept_local)"

lab_step "6 requests from the client to the VIP"
names=$(lab_vip_names 6)
echo "${names//$'\n'/ }"
lab_expect_eq "each real server answers exactly twice" "rs1=2 rs2=2 rs3=2" "$(echo "$names" | lab_tally)"
readarray -t answer <<<"$names"
lab_expect_eq "round robin: the first three answers are three different servers" "rs1=1 rs2=1 rs3=1" \
  "$(printf '%s\n' "${answer[@]:0:3}" | lab_tally)"
lab_expect_eq "round robin: answers 4-6 repeat answers 1-3" "${answer[*]:0:3}" "${answer[*]:3:3}"
lab_expect_eq "the client's ARP entry for the VIP is the director's (no real server answers ARP for it)" \
  "$(lab_in lvs cat /sys/class/net/lvs-e/address)" \
  "$(lab_in client ip neigh show "$LAB_VIP" dev client-e | awk '{print $3}')"

lab_step "ipvsadm -e ... -w 0 on rs1: drained"
lab_weight 1 0
lab_expect_eq "ipvsadm shows rs1 at weight 0" 1 \
  "$(lab_in lvs ipvsadm -Ln -t "$LAB_SERVICE" | grep -c "$(lab_rip 1):$LAB_PORT *Route *0 ")"
names=$(lab_vip_names 6)
echo "${names//$'\n'/ }"
lab_expect_eq "no request reaches rs1; rs2 and rs3 take three each" "rs2=3 rs3=3" "$(echo "$names" | lab_tally)"
lab_weight 1 1

lab_step "VIP removed from rs1's lo (weight 1 again): the seed's DR misconfiguration"
lab_vip_del 1
names=$(lab_vip_names 6)
echo "${names//$'\n'/ }"
lab_expect_eq "the two requests IPVS sends to rs1 time out (curl 28); rs2 and rs3 answer" "ERR28=2 rs2=2 rs3=2" \
  "$(echo "$names" | lab_tally)"
lab_expect_eq "rs1 still answers on its RIP from the director" rs1 \
  "$(lab_get lvs "http://$(lab_rip 1):$LAB_PORT/")"
lab_vip_add 1
names=$(lab_vip_names 3)
lab_expect_eq "with the VIP back, all three answer again" "rs1=1 rs2=1 rs3=1" "$(echo "$names" | lab_tally)"

lab_step "realserver.py modes, from the director to rs1's RIP"
rip1="http://$(lab_rip 1):$LAB_PORT/"
code() { lab_get lvs "$rip1" -o /dev/null -w '%{http_code}'; }
lab_rs_mode 1 error
lab_expect_eq "error: status 500" 500 "$(code)"
lab_rs_mode 1 status 503
lab_expect_eq "status 503: status 503" 503 "$(code)"
lab_rs_mode 1 body hello lab
lab_expect_eq "body: the given body, exactly" "hello lab" "$(lab_get lvs "$rip1")"
lab_rs_mode 1 hang
lab_expect_status "hang: curl times out (28)" 28 lab_get lvs "$rip1" --max-time 1
lab_rs_mode 1 reset
lab_expect_status "reset: curl sees a reset (56)" 56 lab_get lvs "$rip1"
lab_rs_mode 1 close
lab_expect_status "close: curl sees an empty reply (52)" 52 lab_get lvs "$rip1"
lab_rs_mode 1 trickle
lab_expect_status "trickle: curl --max-time 1 times out (28)" 28 lab_get lvs "$rip1" --max-time 1
head=$(printf 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 4\r\n')
got=$(lab_in lvs timeout 3 bash -c "exec 3<>/dev/tcp/$(lab_rip 1)/$LAB_PORT; printf 'GET / HTTP/1.0\r\n\r\n' >&3; cat <&3")
lab_expect_match "trickle: 3 s bring a first part of the response, not all of it" '^HTTP' "$got"
lab_expect_eq "trickle: what arrived is a strict prefix of the full response" 1 \
  "$([ "${#got}" -lt "${#head}" ] && [ "${head:0:${#got}}" == "$got" ] && echo 1 || echo 0)"
lab_rs_stop 1
lab_expect_status "stopped: connection refused (7)" 7 lab_get lvs "$rip1"
lab_rs_mode 1 ok
lab_rs_start 1
lab_wait_port lvs "$LAB_PORT" "$(lab_rip 1)"
lab_expect_eq "restarted in mode ok: answers rs1" rs1 "$(lab_get lvs "$rip1")"

lab_finish
