#!/usr/bin/env bash
# The DR lab demo, run inside User-Mode Linux by Checks/demo.sh: the seed's topology with 3 real servers, traffic
# through the VIP, and the DR misconfiguration the seed warns about. Each step is a lab_step block: add new ones
# (drcheck's own steps) at the end. Usage (inside the lab): demo-steps.sh DRCHECK-BINARY
set -euo pipefail
. "$(dirname "$0")/lib.sh"
drcheck=$1
DRCHECK=$drcheck . "$(dirname "$0")/agent.sh"

# requests COUNT: COUNT requests from the client to the VIP, one readable line each.
requests() {
  local k=0 answer
  lab_vip_names "$1" | while read -r answer; do
    k=$((k + 1))
    case $answer in
      ERR28) answer="no answer (curl timed out after 2 s)" ;;
      ERR*) answer="failed (curl exit ${answer#ERR})" ;;
    esac
    echo "  client -> $LAB_SERVICE  request $k: $answer"
  done
}

lab_step "1. The seed's DR topology on a real IPVS kernel (UML $(uname -r)), 3 real servers"
lab_topology 3
cat <<EOF
  client  $LAB_CIP                                      on br_e
  lvs     VIP $LAB_VIP (lvs-e, br_e)   DIP $LAB_DIP (lvs-rs, br_lvs)   the director
  rs1..3  RIP $(lab_rip 1)..$(lab_rip 3) on br_lvs, $(lab_rs_client_ip 1)..$(lab_rs_client_ip 3) on br_e, VIP on lo /32
  each real server runs Checks/lab/realserver.py on :$LAB_PORT and answers its own name
EOF

lab_step "2. The director's IPVS service: round robin, three direct-routing (Route) destinations"
lab_run lvs ipvsadm -Ln

lab_step "3. A real server's half of DR: the VIP on lo as /32, ARP for it kept quiet"
lab_run rs1 ip -4 -br addr show dev lo
lab_run rs1 sysctl net.ipv4.conf.rs1-e.arp_ignore net.ipv4.conf.rs1-e.arp_announce

lab_step "4. Six requests from the client to the VIP, spread round robin over rs1..rs3"
requests 6
lab_run lvs ipvsadm -Lnc

lab_step "5. ipvsadm -e ... -w 0 on rs1: drained, the others take every request"
lab_weight 1 0
lab_run lvs ipvsadm -Ln -t "$LAB_SERVICE"
requests 4
lab_weight 1 1

lab_step "6. The seed's warning: rs1 loses the VIP on lo (weight 1 again)"
lab_run rs1 ip addr del "$LAB_VIP/32" dev lo
requests 3
echo "  director -> rs1's RIP $(lab_rip 1):$LAB_PORT: $(lab_get lvs "http://$(lab_rip 1):$LAB_PORT/")"
echo "  A check of the RIP passes while clients sent to rs1 through the VIP get no answer."
lab_vip_add 1

lab_step "7. drcheck, built on the host, runs unchanged on the director: its commands"
echo "lvs# $drcheck --help   (its subcommands)"
lab_in lvs "$drcheck" --help | sed -n '/^SUBCOMMANDS:/,$p'

lab_step "8. drcheck reads the director's IPVS table over generic netlink"
lab_run lvs "$drcheck" ipvs

lab_step "9. drcheck as a daemon on the director: DR-path probes every 1 s, fall 3, rise 2"
agent_require
{ echo "arp_watch: 2s"; agent_web_config "fall: 3" 'expect_body: "^rs[0-9]+$"' -- "$(lab_rip 1) 5"; } | agent_config
sed 's/^/  /' "$AGENT_CONFIG"
agent_start
sleep 2
show_log() { grep -E "$1" "$AGENT_LOG" | sed 's/^[^ ]* [a-z]* drcheck: \[Daemon\] /  log: /'; }
show_log "started|accept_local|probe service"
echo "  its own fwmark probe services (one per real server, weight 1), beside the production service:"
lab_run lvs ipvsadm -Ln
lab_run lvs "$drcheck" status

lab_step "10. rs1's HTTP server stops: drained to weight 0 after 3 failed probes"
lab_rs_stop 1
agent_wait_weight 1 0 10
lab_run lvs ipvsadm -Ln -t "$LAB_SERVICE"
requests 4
show_log "203.0.113.21:8000: (down|weight)"

lab_step "11. rs1 is back: restored to its configured weight 5 (from the config, not the 1 IPVS had)"
lab_rs_start 1
agent_wait_weight 1 5 10
lab_run lvs ipvsadm -Ln -t "$LAB_SERVICE"

lab_step "12. The seed's warning again, now with drcheck: rs2 loses the VIP on lo"
lab_vip_del 2
agent_wait_weight 2 0 10
show_log "203.0.113.22:8000: (down|weight)"
echo "  rs2 answers on its RIP, but not through the VIP: class dr_path, drained; clients no longer reach it:"
requests 3
lab_vip_add 2
agent_wait_weight 2 1 10
echo "  the VIP back on rs2's lo: restored"

lab_step "13. rs3 answers ARP for the VIP (arp_ignore=0): the ARP watch names it, and so does diagnose"
lab_sysctl rs3 net.ipv4.conf.rs3-e.arp_ignore=0
sleep 3
show_log "ARP conflict"
echo "lvs# $drcheck diagnose"
lab_in lvs "$drcheck" diagnose --config "$AGENT_CONFIG" --state "$AGENT_STATE" | sed 's/^/  /' || true
lab_sysctl rs3 net.ipv4.conf.rs3-e.arp_ignore=1

lab_step "14. What Prometheus scrapes (the fixed series of /metrics)"
lab_in lvs curl -s "http://$AGENT_LISTEN/metrics" | grep -E '^drcheck_real_server_(up|weight|configured_weight)\{' |
  sed 's/^/  /'

lab_step "15. SIGTERM: drcheck removes its probe services and leaves the weights as they are"
agent_stop TERM
lab_run lvs ipvsadm -Ln
