#!/usr/bin/env bash
# An update from a stale read: drcheck reads a destination, then ipvsadm deletes the destination (or its whole
# service) before drcheck writes. The write fails with the typed error and its one-line message (ENOENT:
# destination gone; ESRCH: service gone), nothing is created, and the process exits normally (no crash).
. "$(dirname "$0")/../lab/scenario.sh"
drcheck=$(lab_exe drcheck) || exit 1
ipvs_lab=$(lab_exe ipvs-lab) || exit 1

lab_modprobe ip_vs ip_vs_rr || exit 1
ipvsadm -A -t 198.51.100.33:8000 -s rr
ipvsadm -a -t 198.51.100.33:8000 -r 203.0.113.21:8000 -g -w 3
ipvsadm -a -t 198.51.100.33:8000 -r 203.0.113.22:8000 -g -w 3

# stale SERVICE RIP:PORT WEIGHT CMD...: ipvs-lab reads, CMD runs, ipvs-lab writes; prints its output and status.
stale() {
  local service=$1 rip=$2 weight=$3 fifo=/tmp/stale.in log=/tmp/stale.out pid status=0 waited=0
  shift 3
  rm -f "$fifo" && mkfifo "$fifo"
  "$ipvs_lab" stale-weight "$service" "$rip" "$weight" <"$fifo" >"$log" 2>&1 &
  pid=$!
  exec 7>"$fifo"
  until grep -q . "$log" || [ "$waited" -ge 100 ]; do sleep 0.05; waited=$((waited + 1)); done
  "$@"
  echo go >&7
  exec 7>&-
  wait "$pid" || status=$?
  sed '1s/^/ipvs-lab: /' "$log"
  echo "(exit $status)"
}

lab_step "a destination deleted between drcheck's read and its write"
out=$(stale tcp:198.51.100.33:8000 203.0.113.21:8000 0 ipvsadm -d -t 198.51.100.33:8000 -r 203.0.113.21:8000)
echo "$out"
lab_expect_eq "the read saw weight 3" "ipvs-lab: read weight 3" "$(head -1 <<<"$out")"
lab_expect_eq "the write gives the typed destination-gone error, exit 1" \
  "error: IPVS destination 203.0.113.21:8000 of 198.51.100.33:8000/tcp no longer exists (ENOENT): it was deleted; re-read the table (exit 1)" \
  "$(tail -2 <<<"$out" | paste -sd" ")"
lab_expect_eq "the destination was not re-created" "-a -t 198.51.100.33:8000 -r 203.0.113.22:8000 -g -w 3" \
  "$(ipvsadm -Sn | grep -- '^-a')"

lab_step "a service deleted between drcheck's read and its write"
out=$(stale tcp:198.51.100.33:8000 203.0.113.22:8000 0 ipvsadm -D -t 198.51.100.33:8000)
echo "$out"
lab_expect_eq "the write gives the typed service-gone error, exit 1" \
  "error: IPVS service 198.51.100.33:8000/tcp no longer exists (ESRCH): it was deleted; re-read the table (exit 1)" \
  "$(tail -2 <<<"$out" | paste -sd" ")"
lab_expect_eq "the service was not re-created" "" "$(ipvsadm -Sn)"

lab_step "drcheck ipvs set-weight on what is not there"
ipvsadm -A -t 198.51.100.33:8000 -s rr
status=0
out=$("$drcheck" ipvs set-weight tcp:198.51.100.33:8000 203.0.113.21:8000 1 2>&1) || status=$?
echo "$out"
lab_expect_eq "a missing destination: its one-line message, exit 1" \
  "drcheck: IPVS destination 203.0.113.21:8000 of 198.51.100.33:8000/tcp no longer exists (ENOENT): it was deleted; re-read the table 1" \
  "$out $status"
lab_expect_eq "drcheck ipvs still reads the table" "TCP  198.51.100.33:8000 rr" "$("$drcheck" ipvs | tail -1)"

lab_finish
