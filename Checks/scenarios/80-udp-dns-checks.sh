#!/usr/bin/env bash
# UDP services checked natively, through the DR path: a DNS pool (dnsmasq on rs1 and rs2) with `type: dns` asking
# check.lab's A record and expecting the pool's addresses (and its TCP side with `dns_transport: tcp`), and a UDP status service (protocolserver.py udp-status)
# with `type: udp`, `send` and `expect`, all at weight 4. Healthy servers keep their weight; a stopped resolver is
# drained as connect_refused (ICMP port unreachable) and restored; a resolver answering another address and a
# status server answering "busy" are drained as body_mismatch, with what they answered in /status; a server without
# the VIP on lo is drained as dr_path in both services (the fwmark probe service carries UDP as it carries TCP, one
# packet at a time, so the probes leave no entry in IPVS's connection table); the daemon keeps no socket of a probe
# that ended.
. "$(dirname "$0")/../lab/scenario.sh" agent

# weights: "dns:W1,W2 status:W1,W2" from the VIP's UDP services on ports 53 and 7000.
weights() { lab_port_weights -u 53 7000 | sed 's/^53:/dns:/; s/ 7000:/ status:/'; }

# down PORT I CLASS: how many times the log says rsI went down in the UDP service on PORT, for CLASS.
down() { agent_log_count "$LAB_VIP:$1/udp $(lab_rip "$2"):$1: down ($3)"; }

# last_detail SERVICE I: the last result's detail of rsI in SERVICE (by name), from /status.
last_detail() {
  local port=53
  [ "$1" != status ] || port=7000
  agent_last_detail "$1" "$(lab_rip "$2"):$port"
}

lab_step "topology: DNS (53/udp, dnsmasq) and a status service (7000/udp) on rs1 and rs2, weight 4"
lab_topology_or_exit 2
lab_dns_start 1 198.51.100.41 && lab_dns_start 2 198.51.100.42 || { echo "FAIL - dnsmasq did not answer"; exit 1; }
lab_proto_start 1 udp-status 7000
lab_proto_start 2 udp-status 7000
for service in "-u 53" "-u 7000" "-t 53"; do
  set -- $service
  printf -- '-A %s %s:%s -s rr\n-a %s %s:%s -r %s:%s -g -w 4\n-a %s %s:%s -r %s:%s -g -w 4\n' \
    "$1" "$LAB_VIP" "$2" "$1" "$LAB_VIP" "$2" "$(lab_rip 1)" "$2" "$1" "$LAB_VIP" "$2" "$(lab_rip 2)" "$2"
done | lab_in lvs ipvsadm -R
lab_expect_eq "the kernel's table" "dns:4,4 status:4,4 53:4,4" "$(weights) $(lab_port_weights 53)"

lab_step "drcheck probe dns:// and udp://, by hand"
lab_expect_match "rs1 answers check.lab with its address" "^ok - [0-9.]+s$" \
  "$(lab_in lvs "$AGENT_BIN" probe "dns://$(lab_rip 1)" --query-name check.lab --query-type A \
    --expect-address 198.51.100.41 2>&1)"
status=0
out=$(lab_in lvs "$AGENT_BIN" probe "dns://$(lab_rip 1)" --query-name check.lab --query-type A \
  --expect-address 198.51.100.9 2>&1) || status=$?
lab_expect_eq "another expected address: exit 1" "1" "$status"
lab_expect_match "... body_mismatch, naming what it found" \
  "no expected address in the answer \(found: 198\.51\.100\.41\)" "$out"
lab_expect_match "rs2's status service answers ok" "^ok - " \
  "$(lab_in lvs "$AGENT_BIN" probe "udp://$(lab_rip 2):7000" --send 'status\n' --expect '^ok rs2' 2>&1)"

cat <<EOF | agent_config
defaults: {interval: 1s, timeout: 900ms, rise: 1, fall: 1}
services:
  - name: dns
    vip: "$LAB_VIP:53"
    protocol: udp
    check: {type: dns, query_name: check.lab, query_type: A, expect_address: ["198.51.100.41", "198.51.100.42"]}
  - name: status
    vip: "$LAB_VIP:7000"
    protocol: udp
    check: {type: udp, send: "status\n", expect: "^ok "}
  - name: dns-tcp
    vip: "$LAB_VIP:53"
    check: {type: dns, query_name: check.lab, query_type: A, dns_transport: tcp, expect_address: ["198.51.100.41", "198.51.100.42"]}
EOF
lab_step "the daemon: every weight holds while the servers answer as expected (fall 1)"
agent_start || agent_finish
agent_wait_ready
sleep 4
lab_expect_eq "every weight is 4, DNS over TCP too" "dns:4,4 status:4,4 53:4,4" "$(weights) $(lab_port_weights 53)"
lab_expect_eq "no server went down" "0" "$(agent_log_count ": down (")"
asked=$(grep -c "query\[A\] check.lab" "$LAB_STATE/dns1.log")
lab_expect_match "rs1's dnsmasq is asked for check.lab (queries logged: $asked)" "^[1-9]" "$asked"
fds=$(agent_descriptors)

lab_step "rs2's resolver stops: drained as connect_refused, restored when it is back"
lab_dns_stop 2
lab_wait 15 lab_prints "dns:4,0 status:4,4" weights
lab_expect_eq "rs2 drained in the DNS service only" "dns:4,0 status:4,4" "$(weights)"
# A query in flight when the resolver stopped times out (fall 1 makes that the down line); the next are refused.
lab_expect_eq "its down line names connect_refused (or timeout, a query it took as it stopped)" "1" \
  "$(($(down 53 2 connect_refused) + $(down 53 2 timeout)))"
refused_seen() { [ "$(agent_log_count "$LAB_VIP:53/udp $(lab_rip 2):53: connect_refused")" -ge 1 ]; }
lab_wait 5 refused_seen
lab_expect_eq "its probes while it is stopped are connect_refused" "yes" "$(refused_seen && echo yes || echo no)"
lab_wait 10 lab_prints "53:4,0" lab_port_weights 53
lab_expect_eq "... and in the TCP DNS service (refused)" "1" \
  "$(agent_log_count "$LAB_VIP:53/tcp $(lab_rip 2):53: down (connect_refused)")"
lab_dns_start 2 198.51.100.42
lab_wait 15 lab_prints "dns:4,4 status:4,4" weights
lab_expect_eq "restored" "dns:4,4 status:4,4" "$(weights)"

lab_step "rs2's resolver answers another address: body_mismatch, named in /status"
refused=$(down 53 2 connect_refused)
lab_dns_stop 2
lab_dns_start 2 198.51.100.99
other="no expected address in the answer (found: 198.51.100.99)"
lab_wait 15 lab_prints "$other" last_detail dns 2
lab_expect_eq "/status says what it answered" "$other" "$(last_detail dns 2)"
lab_expect_eq "rs2 drained in the DNS service only" "dns:4,0 status:4,4" "$(weights)"
# Between the two resolvers a probe may find nothing listening: the server went down once, either way.
lab_expect_eq "it went down once (body_mismatch, or refused between the two resolvers)" "1" \
  "$(($(down 53 2 body_mismatch) + $(down 53 2 connect_refused) - refused))"
lab_dns_stop 2
lab_dns_start 2 198.51.100.42
lab_wait 15 lab_prints "dns:4,4 status:4,4" weights

lab_step "rs1's status service answers busy: body_mismatch; back when it answers ok"
lab_proto_stop 1 7000
lab_proto_start 1 udp-busy 7000
busy='the reply does not match "^ok ": "busy rs1."'
lab_wait 15 lab_prints "$busy" last_detail status 1
lab_expect_eq "/status quotes the reply" "$busy" "$(last_detail status 1)"
lab_expect_eq "rs1 drained in the status service only" "dns:4,4 status:0,4" "$(weights)"
# Between the two servers a probe may find nothing listening: the server went down once, either way.
lab_expect_eq "it went down once (body_mismatch, or refused between the two servers)" "1" \
  "$(($(down 7000 1 body_mismatch) + $(down 7000 1 connect_refused)))"
lab_proto_stop 1 7000
lab_proto_start 1 udp-status 7000
lab_wait 15 lab_prints "dns:4,4 status:4,4" weights
lab_expect_eq "restored" "dns:4,4 status:4,4" "$(weights)"
lab_expect_eq "the daemon's descriptors are as many as before the failures ($fds)" "$fds" \
  "$(agent_descriptors)"

lab_step "rs2 loses the VIP from lo: drained as dr_path in both services"
lab_vip_del 2
lab_wait 20 lab_prints "dns:4,0 status:4,0" weights
lab_expect_eq "rs2 drained in all three" "dns:4,0 status:4,0 53:4,0" "$(weights) $(lab_port_weights 53)"
lab_expect_eq "its DNS and status down lines name dr_path" "1 1" "$(down 53 2 dr_path) $(down 7000 2 dr_path)"
lab_expect_eq "... and over TCP" "1" "$(agent_log_count "$LAB_VIP:53/tcp $(lab_rip 2):53: down (dr_path)")"
lab_vip_add 2
lab_wait 20 lab_prints "dns:4,4 status:4,4" weights
lab_wait 10 lab_prints "53:4,4" lab_port_weights 53
lab_expect_eq "restored once the VIP is back" "dns:4,4 status:4,4 53:4,4" "$(weights) $(lab_port_weights 53)"
lab_step "the DR probes leave nothing in IPVS's connection table (one-packet scheduling on the probe services)"
lab_expect_eq "both probe services schedule one packet at a time" "2 2" \
  "$(lab_in lvs ipvsadm -Ln | grep -c '^FWM') $(lab_in lvs ipvsadm -Ln | grep -c '^FWM .* ops')"
lab_expect_eq "no UDP entry, after a minute of UDP probes every second" "0" \
  "$(lab_in lvs ipvsadm -Lnc | grep -c '^UDP')"
agent_finish
