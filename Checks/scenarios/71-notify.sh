#!/usr/bin/env bash
# sd_notify without libsystemd: a unix datagram socket of the scenario's own as NOTIFY_SOCKET sees READY=1
# only after the first probe round, WATCHDOG=1 at half of WATCHDOG_USEC, RELOADING=1 then READY=1 around a SIGHUP,
# and STOPPING=1 on SIGTERM; STATUS= with the servers' tally once ready, and not again while it stays the same.
. "$(dirname "$0")/../lab/scenario.sh" agent

lab_step "topology: rs1, rs2; a datagram socket records what drcheck notifies, with the time"
lab_topology_or_exit 2
agent_web_config | agent_config
socket=$AGENT_DIR/notify.sock
record=$AGENT_DIR/notify.txt
python3 - "$socket" "$record" <<'PY' &
import socket, sys, time
path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
s.settimeout(30)
with open(out, "w", buffering=1) as f:
    try:
        while True:
            message = s.recv(4096).decode()
            f.write(f"{time.monotonic():.3f} {message}\n")
            if message == "STOPPING=1":
                break
    except socket.timeout:
        pass
PY
listener=$!
lab_wait 5 test -S "$socket"

lab_step "the daemon under NOTIFY_SOCKET with WATCHDOG_USEC=1000000"
NOTIFY_SOCKET=$socket WATCHDOG_USEC=1000000 agent_start || lab_finish
sleep 3
agent_signal HUP
sleep 1
agent_stop TERM
wait "$listener"
messages=$(awk '{print $2}' "$record" | grep -vE '^(WATCHDOG=1|STATUS=.*)$' | paste -sd' ')
lab_expect_eq "READY=1, then RELOADING=1 and READY=1 around SIGHUP, then STOPPING=1" \
  "READY=1 RELOADING=1 READY=1 STOPPING=1" "$messages"
lab_expect_eq "STATUS= once, the tally when ready (the reload changed nothing)" \
  "STATUS=2 servers: 2 up, 0 down, 0 drained by hand" "$(grep -o 'STATUS=.*' "$record" | paste -sd'|')"
lab_expect_match "READY=1 is sent where every server has been probed once (the same turn logs it)" \
  "every server probed once \(2\): ready" "$(cat "$AGENT_LOG")"
watchdogs=$(grep -c ' WATCHDOG=1$' "$record")
echo "figure: $watchdogs WATCHDOG=1 in the ~4.5 s run (one every 0.5 s expected)"
lab_expect_match "WATCHDOG=1 repeats (at least 3; a loaded machine may delay some)" "^([3-9]|[1-9][0-9])$" "$watchdogs"
lab_expect_eq "the daemon exits 0" "0" "$AGENT_EXIT"
lab_finish
