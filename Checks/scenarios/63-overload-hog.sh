#!/usr/bin/env bash
# The checker's own overload never drains a healthy server: 200 checks at 1 s through the DR path (fall 1: any timeout
# or dr_path counted against a server drains it) while a real-time CPU hog takes 95 % of the lab's one CPU for 20 s.
# The daemon's loop then runs late, so its timeouts cannot be told from a reply that waited: none is counted (they show
# in drcheck_probes_discounted_total{reason="overload"}), no weight changes, the log says "overloaded" once and
# "overload over" once the hog is gone, and drcheck_overloaded is 1 as the hog ends and 0 after.
# Uses the shipped (release) binary from Packaging/out's .deb, or $DRCHECK.
. "$(dirname "$0")/../lab/scenario.sh"
if [ -z "${DRCHECK:-}" ]; then
  deb=$(lab_unpack_deb /tmp/pkg) || exit 1
  DRCHECK=/tmp/pkg/usr/sbin/drcheck
fi
. "$(dirname "$0")/../lab/agent.sh"
agent_require
servers=10
services=20
checks=$((servers * services))
LAB_RS_SERVER=nginx

# weights_not_one: prints how many of the checked destinations have a weight other than 1 in the kernel.
weights_not_one() { lab_in lvs ipvsadm -Ln | awk '$1 == "->" && $2 ~ /^203/ && $4 != 1 { n++ } END { print n + 0 }'; }

lab_step "topology: $servers nginx real servers, $services services over all of them: $checks checks, dr mode, fall 1"
lab_topology_or_exit "$servers"
agent_many_services "$servers" "$services" dr
sed -i 's/timeout: 900ms}/timeout: 900ms, rise: 1, fall: 1}/' "$AGENT_CONFIG"
AGENT_LOG_LEVEL=info agent_start || agent_finish
agent_wait_ready
sleep 3
lab_expect_eq "every weight is 1 before the hog" "0" "$(weights_not_one)"
lab_expect_eq "not overloaded before the hog" "0.0" "$(agent_metric drcheck_overloaded)"

lab_step "a real-time CPU hog for 20 s: the kernel leaves the daemon and nginx 5 % of the CPU (sched_rt_runtime_us)"
chrt -f 10 bash -c 'end=$((SECONDS + 20)); while [ $SECONDS -lt $end ]; do :; done' &
hog=$!
wait "$hog"
echo "the hog is gone"
# Read at once: a scrape during the hog gets too little CPU to finish, and the overload ends only after 10 s of calm.
overloaded_at_end=$(agent_metric drcheck_overloaded)

lab_step "verdict, after the overload has calmed down"
agent_wait_log "overload over" 1 40
lab_expect_eq "no weight changed: every destination still at 1" "0" "$(weights_not_one)"
lab_expect_eq "no server went down, none was drained" "0 0" \
  "$(agent_log_count ': down (') $(agent_log_count ', drain (')"
lab_expect_eq "overload logged once when it began and once when it ended" "1 1" \
  "$(agent_log_count 'overloaded: ') $(agent_log_count 'overload over')"
lab_expect_eq "drcheck_overloaded is 1 as the hog ends and 0 once calm" "1.0 0.0" \
  "$overloaded_at_end $(agent_metric drcheck_overloaded)"
echo "timeouts not counted: $(agent_metric 'drcheck_probes_discounted_total{reason="overload"}')"
echo "the daemon's log above debug:"
grep -E 'overload|down|drain' "$AGENT_LOG" | head -n 10
agent_finish
