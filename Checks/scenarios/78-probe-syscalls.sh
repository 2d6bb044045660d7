#!/usr/bin/env bash
# The system calls a probe costs, counted: the daemon probes 100 DR-path checks every 1 s (4 nginx real servers, 25
# services), and strace counts every system call it makes for 8 s, everything included (the loop's waits, discovery,
# the metrics). Per probe (one connect each, all healthy) the count must stay within its budget, so that a change
# that adds calls is seen. Budgets, from libcurl 7.88 as drcheck uses it:
# - socket calls and the loop's: 23 (21.4 measured: socket, setsockopt x3 for SO_MARK, SO_LINGER and libcurl's
#   IP_BIND_ADDRESS_NO_PORT, bind to the director's address, fcntl x2, connect, epoll_ctl x2, poll, getsockopt,
#   getsockname x4, getpeername x2, sendto, recvfrom, close; epoll_wait shared by the probes of a turn);
# - clock reads: 55 (48.9 measured: libcurl reads the monotonic clock some 46 times a transfer and time() 3 times;
#   in UML, without a vDSO, each is a system call; on a real kernel the vDSO serves them without one).
. "$(dirname "$0")/../lab/scenario.sh" agent
servers=4
services=25
LAB_RS_SERVER=nginx

lab_step "topology: $servers nginx real servers, $services services: $((servers * services)) DR-path checks at 1 s"
lab_topology_or_exit "$servers"
agent_many_services "$servers" "$services" dr
AGENT_LOG_LEVEL=notice agent_start || agent_finish
agent_wait_ready
sleep 2

lab_step "strace -c -f on the daemon for 8 s"
timeout -s INT 8 strace -c -f -p "$AGENT_PID" -o "$LAB_STATE/strace.txt" 2>/dev/null
sed 's/^/    | /' "$LAB_STATE/strace.txt"
# calls NAME...: the calls counted for those system calls, summed.
calls() { awk -v names=" $* " 'index(names, " " $NF " ") { n += ($4 ~ /^[0-9]+$/ ? $4 : $3) } END { print n + 0 }' "$LAB_STATE/strace.txt"; }
probes=$(calls connect)
total=$(awk '$NF == "total" { print $4 }' "$LAB_STATE/strace.txt")
clock=$(calls clock_gettime clock_nanosleep gettimeofday time)
other=$((total - clock))
echo "figure: $probes probes; per probe: $(python3 -c "print(f'{$other/$probes:.1f} socket and loop calls, {$clock/$probes:.1f} clock reads')")"
lab_expect_match "a few hundred probes counted" "^[0-9]{3,}$" "$probes"
lab_expect_eq "at most 23 socket and loop calls a probe" "yes" "$(python3 -c "print('yes' if $other <= 23 * $probes else 'no')")"
lab_expect_eq "at most 55 clock reads a probe" "yes" "$(python3 -c "print('yes' if $clock <= 55 * $probes else 'no')")"
lab_expect_eq "every probe passed (one connect a probe: no RIP follow-ups)" "0" \
  "$(lab_in lvs ipvsadm -Ln | awk '$1 == "->" && $2 ~ /^203/ && $4 != 1 { n++ } END { print n + 0 }')"
agent_finish
