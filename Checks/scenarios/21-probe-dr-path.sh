#!/usr/bin/env bash
# The DR-path probe, as README.md describes it: from the director, a probe to VIP:8000 carrying fwmark M and sent
# from the DIP goes by IPVS direct routing to the one real server of fwmark probe service M (made here through
# drcheck's IPVS API by `drcheck probe --dr-server`). It sees what a probe of the RIP cannot: with the VIP removed
# from rs1's lo, rs1's DR probe fails while its RIP probe passes; rs2 passes both; with the VIP back, rs1's DR
# probe passes again. It needs accept_local=1 on the director's interface toward the real servers.
. "$(dirname "$0")/../lab/scenario.sh"
drcheck=$(lab_exe drcheck) || exit 1

lab_step "topology: director lvs, rs1 and rs2"
lab_topology_or_exit 2

# probe ARG...: drcheck probe from the director; prints "class status exit=N".
probe() {
  local out status=0
  out=$(lab_in lvs "$drcheck" probe --timeout 1s "$@" 2>/dev/null) || status=$?
  echo "$out exit=$status" | awk '{print $1, $2, $4}'
}

# dr I: the DR-path probe of rsI: fwmark 1000+I, from the DIP, to the VIP; the body must name rsI.
dr() {
  probe --mark $((1000 + $1)) --dr-server "$(lab_rip "$1")" --source "$LAB_DIP" --expect-body "^rs$1\$" \
    "http://$LAB_SERVICE/"
}

# rip I: the probe of rsI's own address.
rip() { probe --expect-body "^rs$1\$" "http://$(lab_rip "$1"):$LAB_PORT/"; }

lab_step "accept_local=0 (the lab's default) on lvs-rs: the reply from the VIP is dropped as martian"
lab_expect_eq "rs1's DR probe times out" "timeout - exit=1" "$(dr 1)"
lab_expect_eq "its probe service is removed after the probe" "" \
  "$(lab_in lvs ipvsadm -Ln | grep -E '^FWM +1001 ')"

lab_step "accept_local=1 on lvs-rs"
lab_sysctl lvs net.ipv4.conf.lvs-rs.accept_local=1
lab_expect_eq "rs1's DR probe passes, answered by rs1" "ok 200 exit=0" "$(dr 1)"
lab_expect_eq "rs2's DR probe passes, answered by rs2" "ok 200 exit=0" "$(dr 2)"
lab_expect_eq "the director's VIP service saw none of it (only fwmark services carried the probes)" \
  "0" "$(lab_in lvs ipvsadm -Ln --stats -t "$LAB_SERVICE" | awk '$1 == "TCP" {print $3}')"

lab_step "the VIP removed from rs1's lo"
lab_vip_del 1
lab_expect_eq "rs1's DR probe fails (timeout)" "timeout - exit=1" "$(dr 1)"
lab_expect_eq "rs1's RIP probe still passes" "ok 200 exit=0" "$(rip 1)"
lab_expect_eq "rs2's DR probe passes" "ok 200 exit=0" "$(dr 2)"
lab_expect_eq "rs2's RIP probe passes" "ok 200 exit=0" "$(rip 2)"

lab_step "the VIP back on rs1's lo"
lab_vip_add 1
lab_expect_eq "rs1's DR probe passes again" "ok 200 exit=0" "$(dr 1)"
lab_expect_eq "no fwmark probe service is left behind" "0" "$(lab_in lvs ipvsadm -Ln | grep -c '^FWM')"

lab_step "usage: --dr-server needs --mark and --source"
lab_expect_status "--dr-server without --mark" 2 lab_in lvs "$drcheck" probe --dr-server "$(lab_rip 1)" \
  "http://$LAB_SERVICE/"

lab_finish
