#!/usr/bin/env bash
# Hostile clients against the daemon's metrics server while 200 checks run at a 1 s interval: slowloris
# connections, 1 MB headers, 1,000 idle connections, random bytes, half-closed sockets and clients that never read
# (Checks/bench/exporter-hostile.py). /metrics answers every scrape throughout, each attack gets its exact answer,
# every server stays up (by the daemon and by ipvsadm), and the daemon's descriptors come back to their baseline.
# Reported, not asserted (timing on a shared machine): how late the probes reached the real servers (their request
# logs), the daemon's own probe start delays, and its memory. Needs a .deb in Packaging/out (lab_unpack_deb).
# The real servers are nginx (LAB_RS_SERVER=nginx): inside UML's one CPU, ten python servers could not answer 200
# requests a second without timing probes out. HOSTILE_SERVERS x HOSTILE_SERVICES checks, default 10 x 20.
. "$(dirname "$0")/../lab/scenario.sh"
# The binary that ships (a release build): the debug build spends several times the CPU per probe, which UML's one
# CPU, shared with ten nginx and the attackers, does not have.
deb=$(lab_unpack_deb /tmp/pkg) || exit 1
DRCHECK=/tmp/pkg/usr/sbin/drcheck
. "$(dirname "$0")/../lab/agent.sh"
agent_require
servers=${HOSTILE_SERVERS:-10}
services=${HOSTILE_SERVICES:-20}
LAB_RS_SERVER=nginx

lab_step "$deb; topology: $servers real servers; $services services VIP:8000.. over all of them: $((servers * services)) checks"
lab_topology_or_exit "$servers"
agent_many_services "$servers" "$services"
# At the packaged unit's log level: a debug line per probe result is not what a director runs with.
AGENT_LOG_LEVEL=info agent_start || agent_finish
# Polled gently: a curl forked in UML costs the daemon's one CPU a good part of a second.
for _ in $(seq 40); do
  [ "$(lab_in lvs curl -s -o /dev/null -w '%{http_code}' "http://$AGENT_LISTEN/healthz")" == 200 ] && break
  sleep 0.5
done
lab_expect_eq "every check probed once: /healthz is 200" "200" \
  "$(lab_in lvs curl -s -o /dev/null -w '%{http_code}' "http://$AGENT_LISTEN/healthz")"
lab_expect_eq "$((servers * services)) checks in /status" "$((servers * services))" \
  "$(lab_in lvs curl -s "http://$AGENT_LISTEN/status" | python3 -c '
import json, sys
print(sum(len(s["real_servers"]) for s in json.load(sys.stdin)["services"]))')"
sleep 3

lab_step "the attacks, one after the other, while a scraper asks for /metrics every second"
lab_in lvs python3 "$LAB_ROOT/Checks/bench/exporter-hostile.py" "$AGENT_LISTEN" "$AGENT_PID" \
  --lateness-logs "$LAB_STATE/rs*.log" --last-scrape "$LAB_STATE/after.prom" | tee "$LAB_STATE/hostile.out"
# The daemon's view (the last scrape of the attacks' scraper) and the kernel's, taken at once: every fork in UML
# takes CPU from the daemon under test.
lab_in lvs ipvsadm -Ln >"$LAB_STATE/after.ipvs"
declare -A value
for pair in $(sed -n 's/^summary: //p' "$LAB_STATE/hostile.out"); do value[${pair%%=*}]=${pair#*=}; done

lab_step "verdict"
for key in baseline slowloris big_headers idle random half_closed never_read after; do
  lab_expect_eq "/metrics answered every scrape during $key" "0" "${value[${key}_scrapes_failed]:-}"
done
lab_expect_eq "all 200 slowloris connections closed at the request deadline" "200" "${value[slowloris_closed]:-}"
lab_expect_eq "every 1 MB header got 431" "10" "${value[big_header_431]:-}"
lab_expect_eq "every random request got 400" "100" "${value[random_400]:-}"
lab_expect_eq "every half-closed client got its whole response" "100" "${value[half_closed_answered]:-}"
lab_expect_eq "every check is up in the daemon's /metrics, none ever left up" "$((servers * services)) up, 0 left up" \
  "$(python3 -c '
import sys
samples = [line.rsplit(" ", 1) for line in open(sys.argv[1]).read().splitlines() if line.startswith("drcheck_")]
up = sum(1 for name, value in samples if name.startswith("drcheck_real_server_up{") and float(value) == 1)
left = sum(float(value) for name, value in samples
           if name.startswith("drcheck_real_server_state_transitions_total{") and "from=\"up\"" in name)
print(f"{up} up, {left:.0f} left up")' "$LAB_STATE/after.prom")"
echo "figure: probe results over the whole run, by class: $(python3 -c '
import collections, sys
classes = collections.Counter()
for line in open(sys.argv[1]):
    if line.startswith("drcheck_probe_results_total{"):
        name, value = line.rsplit(" ", 1)
        classes[name.split("class=\"", 1)[1].split("\"", 1)[0]] += float(value)
print(", ".join(f"{c} {n:.0f}" for c, n in classes.most_common()))' "$LAB_STATE/after.prom")"
lab_expect_eq "ipvsadm: every destination of every service still at weight 1" "$((servers * services))" \
  "$(awk '$1 == "->" && $2 ~ /:80[0-9][0-9]$/ && $4 == 1' "$LAB_STATE/after.ipvs" | wc -l)"
lab_expect_eq "no connection is left on the metrics port" "0" \
  "$(lab_in lvs ss -Htn state established "( sport = :${AGENT_LISTEN##*:} )" | wc -l)"
# Probe sockets come and go: each check may have one in flight, so the baseline is a band, not a number.
lab_expect_eq "the daemon's descriptors are back within its baseline band" "yes" \
  "$([ "${value[after_fds]:-999999}" -le $((${value[baseline_fds]:-0} + servers * services)) ] && echo yes || echo no)"
echo "figure: the daemon's descriptors ${value[baseline_fds]:-?} before the attacks, ${value[after_fds]:-?} after;" \
  "RSS ${value[baseline_rss_mib]:-?} MiB before, ${value[after_rss_mib]:-?} MiB after"
agent_finish
