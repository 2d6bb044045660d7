#!/usr/bin/env bash
# drcheck reads the kernel's IPVS table exactly as ipvsadm shows it: IPv4 and IPv6 services (tcp, udp, sctp),
# fwmark services (IPv4 and IPv6), DR, NAT and tunnel destinations (IPIP, GRE, one GUE with a port),
# thresholds, persistence (with a netmask, with the sip engine), scheduler flags (sh, mh), one-packet scheduling, live connections and 64-bit counters, and over 1,000
# destinations in all (dumps that span many netlink messages). Every field of `drcheck ipvs --json` equals
# ipvsadm -Ln --exact (with --stats, --rate, --thresholds, --persistent-conn, --tun-info) as read just before
# or just after drcheck (counters and rates move at the kernel's 2 s tick), and `drcheck ipvs` prints what
# `ipvsadm -Ln` prints, line for line.
. "$(dirname "$0")/../lab/scenario.sh"
drcheck=$(lab_exe drcheck) || exit 1

lab_step "a mixed IPVS table of 1,235 destinations, loaded with ipvsadm -R"
lab_modprobe ip_vs ip_vs_rr ip_vs_wlc ip_vs_sh ip_vs_mh ip_vs_pe_sip dummy || exit 1
# The director's own addresses: the VIP for local traffic, 203.0.113.1 toward the (absent) real servers.
ip link add dummy0 type dummy && ip link set dummy0 up
ip addr add 198.51.100.33/32 dev dummy0 && ip addr add 203.0.113.1/24 dev dummy0
{
  echo "-A -t 198.51.100.33:8000 -s rr"
  for i in $(seq 21 220); do echo "-a -t 198.51.100.33:8000 -r 203.0.113.$i:8000 -g -w $((i % 7))"; done
  echo "-A -t 198.51.100.34:80 -s wlc -p 300 -M 255.255.255.0"
  for port in 8081 8082 8083 8084 8085; do
    for i in $(seq 21 220); do
      thresholds=""
      [ $((i % 10)) -eq 0 ] && thresholds="-x $((i * 3)) -y $i"
      echo "-a -t 198.51.100.34:80 -r 203.0.113.$i:$port -m -w $((port - 8080)) $thresholds"
    done
  done
  echo "-A -u [2001:db8::33]:53 -s sh -b sh-port"
  for i in $(seq 1 20); do echo "-a -u [2001:db8::33]:53 -r [2001:db8::1:$i]:53 -i -w 2"; done
  echo "-a -u [2001:db8::33]:53 -r [2001:db8::2:1]:53 -i -w 4 --tun-type gue --tun-port 6080 --tun-remcsum"
  echo "-a -u [2001:db8::33]:53 -r [2001:db8::2:2]:53 -i -w 4 --tun-type gre --tun-csum"
  echo "-A --sctp-service 198.51.100.35:9 -s rr"
  echo "-a --sctp-service 198.51.100.35:9 -r 203.0.113.9:9 -m -w 1 -x 5 -y 2"
  echo "-A -u 198.51.100.36:514 -s rr -o"
  echo "-A -f 5 -s rr -p 60"
  for i in $(seq 21 30); do echo "-a -f 5 -r 203.0.113.$i:0 -g -w 1"; done
  echo "-A -u 198.51.100.37:5060 -s mh -b mh-port -p 30 --pe sip"
  echo "-a -u 198.51.100.37:5060 -r 203.0.113.40:5060 -m -w 1"
  echo "-A -f 6 -6 -s wlc"
  echo "-a -f 6 -6 -r [2001:db8::3:1]:0 -g -w 9"
  echo "-A -f 7 -s sh -b sh-fallback,sh-port"
} | ipvsadm -R || { echo "FAIL - ipvsadm -R"; exit 1; }
lab_expect_eq "ipvsadm shows 1,235 destinations" 1235 "$(ipvsadm -Ln | grep -c -- '-> [0-9[]')"

lab_step "traffic through the first service, so connections and counters are not all zero"
# 30 connection attempts at once (SYNs that no real server answers: IPVS schedules each, nothing replies).
python3 -c '
import socket, time
socks = [socket.socket() for _ in range(30)]
for s in socks:
    s.setblocking(False)
    s.connect_ex(("198.51.100.33", 8000))
time.sleep(0.5)
'
sleep 3 # IPVS adds its per-CPU counters into what it reports at its estimator's 2 s tick
lab_expect_eq "ipvsadm counts 30 connections on the first service" 30 \
  "$(ipvsadm -Ln --stats --exact -t 198.51.100.33:8000 | awk '$1 == "TCP" {print $3}')"

lab_step "drcheck ipvs --json and drcheck ipvs, between two rounds of ipvsadm's views"
dir=/tmp/ipvs-snapshot
# views DIR: every ipvsadm view of the table the comparison uses.
views() {
  mkdir -p "$1"
  ipvsadm -Ln --exact >"$1/ln.txt"
  ipvsadm -Ln --stats --exact >"$1/stats.txt"
  ipvsadm -Ln --thresholds --exact >"$1/thresholds.txt"
  ipvsadm -Ln --persistent-conn --exact >"$1/pconn.txt"
  ipvsadm -Ln --tun-info --exact >"$1/tun.txt"
  ipvsadm -Ln >"$1/plain.txt"
}
# The rates decay at every tick after the traffic: their two views are the ones right beside drcheck's read.
views "$dir/before"
ipvsadm -Ln --rate --exact >"$dir/before/rate.txt"
"$drcheck" ipvs --json >"$dir/drcheck.json"
mkdir -p "$dir/after" && ipvsadm -Ln --rate --exact >"$dir/after/rate.txt"
"$drcheck" ipvs >"$dir/drcheck.txt"
views "$dir/after"

python3 "$LAB_DIR/ipvs-compare.py" "$dir/before" "$dir/after" "$dir/drcheck.json"
lab_expect_eq "every field of every service and destination equals ipvsadm's" 0 "$?"
lab_expect_eq "drcheck ipvs --json lists 1,235 destinations" 1235 \
  "$(python3 -c 'import json,sys; print(sum(len(s["destinations"]) for s in json.load(sys.stdin)["services"]))' \
    <"$dir/drcheck.json")"
lab_expect_eq "the counters are read as 64-bit (STATS64): the first service's connections" 30 \
  "$(python3 -c 'import json,sys; print(json.load(sys.stdin)["services"][0]["stats"]["connections"])' \
    <"$dir/drcheck.json")"
# The plain listing has no counters or rates; only expiring connections could move it between the two rounds.
lab_expect_match "drcheck ipvs prints ipvsadm -Ln's listing, line for line" "^(before|after)$" \
  "$(cmp -s "$dir/before/plain.txt" "$dir/drcheck.txt" && echo before || { cmp -s "$dir/after/plain.txt" \
    "$dir/drcheck.txt" && echo after; } || diff "$dir/after/plain.txt" "$dir/drcheck.txt" | head -5)"

lab_finish
