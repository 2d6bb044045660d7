#!/usr/bin/env bash
# The daemon's own CPU inside the lab kernel (prints figures; asserts nothing): SERVERS real servers (nginx) in
# SERVICES services, every check at a 1 s interval, as scenario 61 sets them up but with no attack. Every 2 s for
# SECONDS it prints the daemon's user and system CPU (UML charges the cost of trapped syscalls and clock reads to
# user time), its voluntary context switches (0 means its epoll_wait never slept) and the lab's idle time; then
# what its epoll set holds by events and socket state.
# Why it exists: scenario 61 found the daemon at 100 % of UML's CPU, never sleeping, from start at 150-200 checks
# or after the slowloris phase, on an idle host; uml-run.sh's spinner is the answer it measured.
# Usage (from the host): Checks/bench/daemon-cpu.sh [SERVERS [SERVICES [SECONDS]]]   (defaults 10 20 20;
# DRCHECK=path for another binary, default the debug build)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lab/lib.sh"
lab_rerun_inside "$here/daemon-cpu.sh" DRCHECK="${DRCHECK:-}" -- "$@"
. "$here/../lab/agent.sh"
agent_require
servers=${1:-10}
services=${2:-20}
seconds=${3:-20}
LAB_RS_SERVER=nginx
lab_topology "$servers" >/dev/null || { echo "daemon-cpu: topology failed"; exit 1; }
agent_many_services "$servers" "$services"
AGENT_LOG_LEVEL=info agent_start >/dev/null || exit 1
echo "== $AGENT_BIN: $((servers * services)) checks at 1 s; every 2 s: the daemon's CPU in ticks of 10 ms"
start=$SECONDS
while [ $((SECONDS - start)) -lt "$seconds" ]; do
  read -r -a stat <"/proc/$AGENT_PID/stat"
  read -r -a cpu </proc/stat
  echo "t=$((SECONDS - start))s user ${stat[13]} system ${stat[14]}" \
    "voluntary switches $(awk '/^voluntary_ctxt/ {print $2}' "/proc/$AGENT_PID/status")" \
    "lab idle ${cpu[4]}"
  sleep 2
done
lab_in lvs ss -tanie 2>/dev/null >"$LAB_STATE/ss.txt"
echo "== the daemon's epoll set: registrations by events (hex) and TCP state"
python3 - "/proc/$AGENT_PID/fdinfo/3" "$LAB_STATE/ss.txt" <<'PY'
import collections, re, sys
states = {}
for line in open(sys.argv[2]):
    found = re.search(r'ino:(\d+)', line)
    if found and line[:1].strip():
        states[int(found.group(1))] = line.split()[0]
held = collections.Counter()
for line in open(sys.argv[1]):
    found = re.match(r'tfd:\s+\d+ events:\s+(\w+) .* ino:(\w+)', line)
    if found:
        held[(found.group(1), states.get(int(found.group(2), 16), 'not TCP'))] += 1
for (events, state), count in sorted(held.items()):
    print(f"  {count:4d} events {events} {state}")
PY
agent_stop TERM
