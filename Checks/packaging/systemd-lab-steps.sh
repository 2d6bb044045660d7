#!/bin/bash
# The checks systemd-lab.sh runs under systemd (as lab-check.service) against the packaged drcheck.service.
# Writes $LAB_RUN/passed when every check held.
set -uo pipefail
source "$(dirname "$0")/../lab/lib.sh"
source "$(dirname "$0")/../lab/agent.sh"

prop() { systemctl show -P "$1" drcheck.service; }

lab_step "the lab: director lvs, real servers rs1 and rs2"
lab_topology 2 || { echo "FAIL - lab topology"; exit 0; }
# The director's /sys for drcheck.service (BindReadOnlyPaths= in systemd-lab.sh's drop-in).
mkdir -p /run/lvs-sys
nsenter --net=/run/netns/lvs mount -t sysfs sysfs /run/lvs-sys

lab_step "start: systemctl returns once drcheck has sent READY=1"
status=0
timeout 60 systemctl start drcheck.service || status=$?
started=$(date +%s)
lab_expect_eq "systemctl start drcheck exits 0" 0 "$status"
lab_expect_eq "the unit is active (running)" "active running" "$(prop ActiveState) $(prop SubState)"
lab_expect_eq "the main process runs as root" "0" "$(ps -o uid= -p "$(prop MainPID)" | tr -d ' ')"
lab_expect_eq "it holds only CAP_NET_ADMIN and CAP_NET_RAW (effective)" "0000000000003000" \
  "$(awk '/^CapEff/ { print $2 }' "/proc/$(prop MainPID)/status")"
lab_expect_eq "one probe service per real server" 2 "$(agent_probe_services | wc -l)"
lab_expect_eq "accept_local on lvs-rs, set by drcheck through the sandbox" 1 \
  "$(lab_in lvs cat /proc/sys/net/ipv4/conf/lvs-rs/accept_local)"
lab_expect_eq "STATUS= tallies the servers" "2 servers: 2 up, 0 down, 0 drained by hand" "$(prop StatusText)"
lab_expect_eq "OOMScoreAdjust=-500 holds" "-500" "$(cat "/proc/$(prop MainPID)/oom_score_adj")"

lab_step "fail and recover, asserted with ipvsadm"
lab_expect_eq "both at weight 1" "rs1=1 rs2=1" "$(agent_weights)"
lab_rs_stop 1
agent_wait_weight 1 0 15
lab_expect_eq "rs1 stopped: drained; rs2 keeps weight 1" "rs1=0 rs2=1" "$(agent_weights)"
lab_expect_eq "STATUS= follows" "2 servers: 1 up, 1 down, 0 drained by hand" "$(prop StatusText)"
drain=$(journalctl -b -u drcheck.service -p warning --no-pager -o cat | grep 'drain (')
lab_expect_match "journalctl -p warning shows the drain, without a timestamp of drcheck's own" \
  "^service=web 198.51.100.33:8000/tcp $(lab_rip 1):8000: weight 1 -> 0, drain \\(" "$drain"
lab_rs_start 1
agent_wait_weight 1 1 15
lab_expect_eq "rs1 back: weight 1 restored" "rs1=1 rs2=1" "$(agent_weights)"

lab_step "reload: systemctl returns once drcheck has sent RELOADING=1 and READY=1 again"
pid=$(prop MainPID)
status=0
timeout 30 systemctl reload drcheck.service || status=$?
lab_expect_eq "systemctl reload drcheck exits 0" 0 "$status"
lab_expect_eq "same process, still active" "$pid active" "$(prop MainPID) $(prop ActiveState)"

lab_step "ARP watch through the sandbox (AF_PACKET, CAP_NET_RAW): rs2 made to answer ARP for the VIP"
lab_sysctl rs2 net.ipv4.conf.rs2-e.arp_ignore=0 net.ipv4.conf.rs2-e.arp_announce=0
deadline=$((SECONDS + 30))
until journalctl -b -u drcheck.service --no-pager -o cat | grep -q 'ARP conflict:' || [ "$SECONDS" -ge "$deadline" ]; do
  sleep 1
done
lab_expect_match "drcheck logs the conflict" 'ARP conflict: .*arp_ignore=1' \
  "$(journalctl -b -u drcheck.service --no-pager -o cat | grep 'ARP conflict:')"
lab_sysctl rs2 net.ipv4.conf.rs2-e.arp_ignore=1 net.ipv4.conf.rs2-e.arp_announce=2

lab_step "watchdog: WatchdogSec=30s, so a daemon that stopped petting it would be killed by now"
wait=$((started + 35 - $(date +%s)))
[ "$wait" -le 0 ] || sleep "$wait"
lab_expect_eq "after more than 30 s: same process, no restart" "$pid active 0" \
  "$(prop MainPID) $(prop ActiveState) $(prop NRestarts)"
# systemd stamps WatchdogTimestamp at start and at every WATCHDOG=1; pings every 15 s put the last one 15 s on or more.
since_start=$(($(prop WatchdogTimestampMonotonic) - $(prop ExecMainStartTimestampMonotonic)))
lab_expect_eq "a WATCHDOG=1 ping came at least 10 s after the start" yes "$([ "$since_start" -ge 10000000 ] && echo yes)"

lab_step "the sandbox and the system call filter refused nothing"
journal=$(journalctl -b -u drcheck.service --no-pager -o cat 2>&1)
lab_expect_match "the journal holds drcheck's log (its start line)" 'drcheck [0-9.]+ started' "$journal"
lab_expect_eq "no 'Operation not permitted', 'Permission denied' or 'Read-only file system' in its journal" "" \
  "$(grep -E 'Operation not permitted|Permission denied|Read-only file system' <<<"$journal")"

lab_step "stop: STOPPING=1, clean exit, probe services removed"
status=0
timeout 30 systemctl stop drcheck.service || status=$?
lab_expect_eq "systemctl stop drcheck exits 0" 0 "$status"
lab_expect_eq "exited with status 0 (Result=success)" "0 success" "$(prop ExecMainStatus) $(prop Result)"
lab_expect_eq "no probe service left in IPVS" 0 "$(agent_probe_services | wc -l)"
lab_expect_eq "weights as they were" "rs1=1 rs2=1" "$(agent_weights)"

if [ "$LAB_FAILED" -gt 0 ]; then
  lab_step "drcheck's journal"
  journalctl -b -u drcheck.service --no-pager -o cat | tail -n 40
fi
echo
echo "$((LAB_CHECKS - LAB_FAILED)) of $LAB_CHECKS checks held"
[ "$LAB_FAILED" -eq 0 ] && touch "$LAB_RUN/passed"
exit 0
