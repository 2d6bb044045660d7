#!/usr/bin/env bash
# A fleet on the real kernel: three directors (lvs, lvs2, lvs3) in front of the same real servers, the `mh`
# scheduler on each, each with its own drcheck in one `fleet` (quorum 2, lease 6s) through a real etcd (Debian's
# etcd-server, in namespace store). A fault of one director's own path drains the server there only, said to be that
# director's path; a fault seen by two directors drains it on the third too (with the time it took); etcd stopped:
# each on its own verdicts (the fleet's drain lifted, nothing drained), restarted: agreement again; a stopped server
# drained by all three (the spread of their drains); a flow keeps its real server when its packets arrive through
# another director; a director killed leaves the fleet when its lease expires, and no weight changes for it.
. "$(dirname "$0")/../lab/scenario.sh" agent

etcd=198.51.100.9:2379
names=(lvs lvs2 lvs3)
declare -A listen=([lvs]=198.51.100.33:9469 [lvs2]=198.51.100.4:9469 [lvs3]=198.51.100.5:9469)
declare -A fleet_name=([lvs]=lvs1 [lvs2]=lvs2 [lvs3]=lvs3)
declare -A pid=()
AGENT_LISTEN=${listen[lvs]}

lab_step "topology: rs1 and rs2 behind lvs, lvs2 and lvs3 (mh, by source port), etcd at $etcd"
lab_topology_or_exit 2
lab_second_director lvs2 198.51.100.4 203.0.113.11
lab_second_director lvs3 198.51.100.5 203.0.113.12
lab_modprobe ip_vs_mh
for name in "${names[@]}"; do lab_in "$name" ipvsadm -E -t "$LAB_SERVICE" -s mh -b mh-port; done
lab_etcd_start "${etcd%:*}" || { echo "FAIL - etcd did not start"; tail -n 20 "$LAB_STATE/etcd.log"; exit 1; }
# config NAME: director NAME's drcheck config.
config() {
  echo "fleet: {etcd: [\"$etcd\"], name: ${fleet_name[$1]}, quorum: 2, lease: 6s}"
  agent_web_config "interval: 500ms" "timeout: 400ms" "fall: 2" "rise: 2" "keep_last: false"
}
config lvs | agent_config
agent_start || agent_finish
for name in lvs2 lvs3; do
  mkdir -p "$LAB_STATE/$name"
  config "$name" >"$LAB_STATE/$name/drcheck.yaml"
  ip netns exec "$name" "$AGENT_BIN" --config "$LAB_STATE/$name/drcheck.yaml" --state "$LAB_STATE/$name/state.json" \
    --listen "${listen[$name]}" --log-level info >>"$LAB_STATE/$name/daemon.log" 2>&1 &
  pid[$name]=$!
done
metric() { lab_drcheck_metric "$1" "${listen[$1]}" "$2"; }
weight() { lab_director_weight "$1" "$2"; }
# weights I: rsI's weight at lvs, lvs2 and lvs3.
weights() { echo "$(weight lvs "$1") $(weight lvs2 "$1") $(weight lvs3 "$1")"; }
log_of() { if [ "$1" == lvs ]; then cat "$AGENT_LOG"; else cat "$LAB_STATE/$1/daemon.log"; fi; }
# all_read N: every running director reads N live directors in the fleet.
all_read() {
  local name
  for name in "$@"; do [ "$(metric "$name" drcheck_fleet_directors)" == "$N.0" ] || return 1; done
}
N=3 lab_wait 30 all_read "${names[@]}"
lab_expect_eq "each director reads the three directors' verdicts" "3.0 3.0 3.0" \
  "$(metric lvs drcheck_fleet_directors) $(metric lvs2 drcheck_fleet_directors) $(metric lvs3 drcheck_fleet_directors)"
lab_expect_eq "their verdicts in etcd, a key each" "/drcheck/fleet/lvs1 /drcheck/fleet/lvs2 /drcheck/fleet/lvs3" \
  "$(lab_in store etcdctl --endpoints "http://$etcd" get --prefix --keys-only /drcheck/fleet/ | grep . | paste -sd' ')"
rs1="real_server=\"$(lab_rip 1):$LAB_PORT\""

lab_step "lvs3's own path to rs1 breaks: lvs3 alone drains rs1, and says it is its path"
neigh_break() { lab_in "$1" ip neigh replace "$(lab_rip 1)" lladdr 02:00:00:00:00:99 dev "$1-rs" nud permanent; }
neigh_mend() { lab_in "$1" ip neigh del "$(lab_rip 1)" dev "$1-rs"; }
neigh_break lvs3
lab_wait 15 lab_prints 0 weight lvs3 1
lab_wait 15 lab_prints 1.0 metric lvs3 "drcheck_fleet_down_here_only{service=\"web\",$rs1}"
lab_expect_eq "lvs3 exports it" "1.0" "$(metric lvs3 "drcheck_fleet_down_here_only{service=\"web\",$rs1}")"
lab_expect_eq "rs1: 1 at lvs and lvs2, 0 at lvs3" "1 1 0" "$(weights 1)"
lab_expect_match "lvs3 says rs1 fails from it only" \
  "203.0.113.21:8000: failing from this director only \(up at 2 others of the fleet\) for 10s: kept drained here" \
  "$(log_of lvs3)"
neigh_mend lvs3
lab_wait 15 lab_prints "1 1 1" weights 1

lab_step "lvs2's and lvs3's paths to rs1 break: a quorum sees it failing, lvs drains it too"
neigh_break lvs2
neigh_break lvs3
others() { echo "$(weight lvs2 1) $(weight lvs3 1)"; }
lab_wait 15 lab_prints "0 0" others
second=$EPOCHREALTIME
lab_wait 10 lab_prints 0 weight lvs 1
echo "figure: lvs drained rs1 $(((${EPOCHREALTIME/./} - ${second/./}) / 1000)) ms after the second director's drain was seen (bound: 2 s, one tick to publish and one to read, plus etcd's answers)"
lab_expect_eq "rs1 at 0 on every director" "0 0 0" "$(weights 1)"
lab_expect_match "lvs logs the fleet's drain" \
  "203.0.113.21:8000: failing at 2 other directors of the fleet \(quorum 2\): drained here too" "$(log_of lvs)"
lab_expect_eq "lvs exports it" "1.0" "$(metric lvs "drcheck_fleet_down{service=\"web\",$rs1}")"
lab_expect_match "lvs's /status: fleet_down, by 2" '"fleet_down":2.*"state":"fleet_down"' \
  "$(lab_drcheck_get lvs "${listen[lvs]}" /status)"

lab_step "etcd stopped: each director on its own verdicts, lvs restores rs1, nothing else changes"
lab_etcd_stop
lab_wait 10 lab_prints 1 weight lvs 1
lab_expect_eq "rs1: 1 at lvs (its own verdict), 0 at lvs2 and lvs3 (theirs)" "1 0 0" "$(weights 1)"
lab_expect_eq "rs2 untouched everywhere" "1 1 1" "$(weights 2)"
sleep 2 # a negative: the store stays away for two more ticks, and says so once
lab_expect_eq "drcheck_fleet_store_up 0 on every director" "0.0 0.0 0.0" \
  "$(metric lvs drcheck_fleet_store_up) $(metric lvs2 drcheck_fleet_store_up) $(metric lvs3 drcheck_fleet_store_up)"
lab_expect_eq "lvs says it once" "1" "$(log_of lvs | grep -c "on this director's own verdicts until the fleet is read again")"

lab_step "etcd restarted: the fleet read again, rs1 drained at lvs again"
lab_etcd_start "${etcd%:*}" || echo "FAIL - etcd did not start again"
lab_wait 15 lab_prints 0 weight lvs 1
lab_expect_eq "rs1 at 0 on every director" "0 0 0" "$(weights 1)"
lab_expect_match "lvs says the fleet is read again" "fleet: read again through etcd $etcd" "$(log_of lvs)"
neigh_mend lvs2
neigh_mend lvs3
lab_wait 15 lab_prints "1 1 1" weights 1
lab_expect_eq "rs1 back on every director" "1 1 1" "$(weights 1)"

lab_step "rs2 stopped: every director drains it, within a bound of each other"
lab_rs_stop 2
start=${EPOCHREALTIME/./}
declare -A drained=()
while [ ${#drained[@]} -lt 3 ] && [ $(((${EPOCHREALTIME/./} - start) / 1000000)) -lt 15 ]; do
  for name in "${names[@]}"; do
    [ -n "${drained[$name]:-}" ] || [ "$(weight "$name" 2)" != 0 ] || drained[$name]=$(((${EPOCHREALTIME/./} - start) / 1000))
  done
done
echo "figure: rs2 drained ${drained[lvs]:-never} ms (lvs), ${drained[lvs2]:-never} ms (lvs2), ${drained[lvs3]:-never} ms (lvs3) after it stopped"
lab_expect_eq "rs2 at 0 on every director" "0 0 0" "$(weights 2)"
spread=$(printf '%s\n' "${drained[@]}" | sort -n | sed -n '1p;$p' | paste -sd' ' | awk '{print $2 - $1}')
lab_expect_eq "the three drains within 2 s of each other" "yes" "$([ "${spread:-9999}" -le 2000 ] && echo yes || echo no)"
lab_rs_start 2
lab_wait 20 lab_prints "1 1 1" weights 2

lab_step "a flow keeps its real server when its packets arrive through another director (mh, equal weights)"
# lvs2 takes VIP traffic as an ECMP member does: the VIP on its lo, no ARP answer for it on br_e.
lab_in lvs2 ip addr add "$LAB_VIP/32" dev lo
lab_sysctl lvs2 net.ipv4.conf.lvs2-e.arp_ignore=1 net.ipv4.conf.all.arp_ignore=1
# flows: a request from each of twelve fixed source ports (closed with a reset, so the port is free again at once);
# prints the real server of each.
flows() {
  lab_in client python3 -c '
import socket, struct, sys
names = []
for port in range(40000, 40012):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.settimeout(2)
    s.bind((sys.argv[1], port))
    try:
        s.connect((sys.argv[2], int(sys.argv[3])))
        s.sendall(b"GET / HTTP/1.0\r\n\r\n")
        names.append(s.recv(4096).split(b"\r\n\r\n", 1)[-1].strip().decode() or "EMPTY")
    except OSError:
        names.append("ERR")
    s.close()
print(" ".join(names))' "$LAB_CIP" "$LAB_VIP" "$LAB_PORT"
}
via_lvs=$(flows)
lab_in client ip neigh replace "$LAB_VIP" lladdr "$(lab_in lvs2 cat /sys/class/net/lvs2-e/address)" dev client-e nud permanent
via_lvs2=$(flows)
lab_in client ip neigh del "$LAB_VIP" dev client-e
echo "    through lvs:  $via_lvs"
echo "    through lvs2: $via_lvs2"
lab_expect_match "flows through lvs reach both real servers" "rs1.*rs2|rs2.*rs1" "$via_lvs"
lab_expect_eq "each flow reaches the same real server through lvs2" "$via_lvs" "$via_lvs2"
lab_expect_eq "lvs2 served them (its connection table)" "12" \
  "$(lab_in lvs2 ipvsadm -Lnc | grep -c "$LAB_CIP:400")"

lab_step "lvs3 killed: its lease expires, the others go on with two, no weight changes"
kill -KILL "${pid[lvs3]}"
wait "${pid[lvs3]}" 2>/dev/null
killed=$EPOCHREALTIME
N=2 lab_wait 15 all_read lvs lvs2
echo "figure: lvs3 left the fleet $(((${EPOCHREALTIME/./} - ${killed/./}) / 1000)) ms after it was killed (lease 6 s)"
lab_expect_eq "lvs and lvs2 read two directors" "2.0 2.0" \
  "$(metric lvs drcheck_fleet_directors) $(metric lvs2 drcheck_fleet_directors)"
lab_expect_eq "weights unchanged" "1 1 1|1 1 1" "$(weights 1)|$(weights 2)"
kill "${pid[lvs2]}"
wait "${pid[lvs2]}" 2>/dev/null
lab_etcd_stop
agent_finish
