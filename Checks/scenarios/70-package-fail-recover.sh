#!/bin/bash
# Scenario 70: the .deb's own binary and its shipped /etc/drcheck/drcheck.yaml, unpacked with dpkg -x, keep the lab's
# pool healthy: as the daemon (a real server fails and recovers, asserted with ipvsadm), then from "cron" (--once
# runs, the fall/rise counts carried in the state file, the exit statuses the cron file documents).
# Needs a .deb in Packaging/out (see lab_unpack_deb in lib.sh); takes the newest.
. "$(dirname "$0")/../lab/scenario.sh"

pkg=/tmp/pkg
deb=$(lab_unpack_deb "$pkg") || exit 1
DRCHECK=$pkg/usr/sbin/drcheck
source "$(dirname "$0")/../lab/agent.sh"
agent_require
AGENT_CONFIG=$pkg/etc/drcheck/drcheck.yaml


# once: one --once pass with the packaged config (output in /tmp/once.txt); prints its exit status.
once() {
  local status=0
  agent_once >/tmp/once.txt 2>&1 || status=$?
  echo "$status"
}

lab_step "the package: $(basename "$deb")"
lab_topology_or_exit 2
echo "lvs# drcheck (the daemon, shipped config: $(grep -vE '^(#|$)' "$AGENT_CONFIG"))"
agent_start || lab_finish
lab_in lvs "$AGENT_BIN" status
lab_expect_status "drcheck status answers (exit 0)" 0 lab_in lvs "$AGENT_BIN" status
lab_expect_eq "one probe service per real server" 2 "$(agent_probe_services | wc -l)"
lab_expect_eq "accept_local set on lvs-rs by drcheck (dr_sysctls: fix)" 1 \
  "$(lab_in lvs cat /proc/sys/net/ipv4/conf/lvs-rs/accept_local)"
metrics=$(lab_in lvs curl -sS --max-time 2 http://127.0.0.1:9469/metrics)
lab_expect_match "the dashboard's series: drcheck_real_server_up for rs1 is 1" \
  "drcheck_real_server_up\{service=\"$LAB_SERVICE\",real_server=\"$(lab_rip 1):$LAB_PORT\"\} 1" "$metrics"

lab_step "rs1 fails: drained; it recovers: weight restored"
lab_rs_stop 1
agent_wait_weight 1 0
lab_expect_eq "rs1 drained, rs2 keeps weight 1" "rs1=0 rs2=1" "$(agent_weights)"
lab_in lvs "$AGENT_BIN" status | tee /tmp/status.txt
lab_expect_match "drcheck status: rs1 down at weight 0 of 1, connect_refused" \
  "$(lab_rip 1):$LAB_PORT +down +0 +1 +[0-9]+/[0-9]+ +connect_refused" "$(cat /tmp/status.txt)"
lab_rs_start 1
agent_wait_weight 1 1
lab_expect_eq "rs1 back at weight 1" "rs1=1 rs2=1" "$(agent_weights)"

lab_step "--once beside the running daemon changes nothing and says so"
lab_weight 2 5
lab_expect_eq "--once exits 0 (every server healthy)" 0 "$(once)"
lab_expect_match "it names the daemon" "a drcheck daemon \(pid $AGENT_PID\) is running" "$(cat /tmp/once.txt)"

lab_step "SIGTERM: the daemon removes its probe services and leaves the weights"
agent_stop TERM
lab_expect_eq "the daemon exits 0" 0 "$AGENT_EXIT"
lab_expect_eq "no probe service left" 0 "$(agent_probe_services | wc -l)"
lab_expect_eq "weights as they were" "rs1=1 rs2=5" "$(agent_weights)"

lab_step "cron: --once passes drain on the third failure (fall: 3) and restore on the second success (rise: 2)"
lab_rs_stop 1
lab_expect_eq "1st pass with rs1 down: exit 1, weight kept" "1 1" "$(once) $(agent_weight 1)"
lab_expect_eq "2nd pass: exit 1, weight kept" "1 1" "$(once) $(agent_weight 1)"
lab_expect_eq "3rd pass: exit 1, drained" "1 0" "$(once) $(agent_weight 1)"
cat /tmp/once.txt
lab_rs_start 1
lab_wait_port lvs "$(lab_rip 1)" "$LAB_PORT" 10
lab_expect_eq "1st pass with rs1 up: exit 1 (not yet risen), still 0" "1 0" "$(once) $(agent_weight 1)"
lab_expect_eq "2nd pass: exit 0, weight 1 restored" "0 1" "$(once) $(agent_weight 1)"
lab_expect_eq "rs2's weight 5 (set by ipvsadm -e) untouched" 5 "$(agent_weight 2)"

lab_step "exit status 2: a bad config changes nothing"
printf 'defaults:\n  fall: 0\n' >/tmp/bad.yaml
status=0
lab_in lvs "$AGENT_BIN" --once --config /tmp/bad.yaml --state "$AGENT_STATE" >/tmp/bad.txt 2>&1 || status=$?
lab_expect_eq "--once with fall: 0 exits 2" 2 "$status"
lab_expect_match "the message names file, line and key" '/tmp/bad.yaml:2: defaults.fall' "$(cat /tmp/bad.txt)"

lab_finish
