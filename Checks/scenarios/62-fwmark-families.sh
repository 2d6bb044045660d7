#!/usr/bin/env bash
# fwmark services of both families with the same mark (a dual-stack director: keepalived users write
# `virtual_server fwmark 5` twice, once with `ip_family inet6`). IPVS keys fwmark services by (mark, family), and so
# does drcheck: the IPv4 service is `fwmark:5`, the IPv6 one `fwmark:5/ipv6`, each with its own series, /status entry,
# state-file entry and weights. The daemon drains exactly the failed real server, in its own family, and restores
# it; `--once` does the same; ipvsadm -Ln is the oracle. This is also the first live IPv6 probe.
# Why ::1: the lab may only carry traffic on loopback and the documentation ranges 198.51.100.0/24 and
# 203.0.113.0/24, so the only IPv6 address it may use is ::1. The IPv6 real servers are two python http.servers on
# [::1]:8101 and [::1]:8102 in the director's namespace, masqueraded destinations (IPVS accepts them:
# `ipvsadm -a -f 5 -6 -r [::1]:8101 -m`); a fwmark service has no VIP, so both families are probed at the real
# server (rip mode), the IPv6 ones at their destination ports. The IPv4 service is listed in the config
# (`family: ipv4`, check.port 8000); the IPv6 one, whose two servers need two ports, is found by `discover: true`.
. "$(dirname "$0")/../lab/scenario.sh" agent

rs1=$(lab_rip 1):$LAB_PORT
rs2=$(lab_rip 2):$LAB_PORT

# v6_start N: starts the IPv6 real server vN on [::1]:810N in the director's namespace, answering "vN".
v6_start() {
  mkdir -p "$LAB_STATE/v$1"
  echo "v$1" >"$LAB_STATE/v$1/index.html"
  ip netns exec lvs python3 -S -m http.server --bind ::1 --directory "$LAB_STATE/v$1" "810$1" \
    >>"$LAB_STATE/v$1.log" 2>&1 &
  echo $! >"$LAB_STATE/v$1.pid"
  lab_wait_port lvs "810$1" ::1
}

# v6_stop N: kills vN (connections to [::1]:810N are refused).
v6_stop() {
  local pid
  read -r pid <"$LAB_STATE/v$1.pid"
  kill "$pid"
  wait "$pid" 2>/dev/null
}

# fwmark_weights: the destinations of fwmark 5 in both families with their weights, as ipvsadm -Ln shows them:
# "v4 RIP:PORT=W ... v6 [::1]:PORT=W ...".
fwmark_weights() {
  lab_in lvs ipvsadm -Ln | awk '
    /^FWM/ { family = $2 != 5 ? "" : $3 == "IPv6" ? "v6" : "v4"; next }
    /^[A-Z]/ { family = ""; next }
    family != "" && $1 == "->" { out = out sep family " " $2 "=" $4; sep = " " }
    END { print out }'
}

# up_series: the drcheck_real_server_up lines of /metrics, sorted, joined by "|".
up_series() {
  agent_get /metrics | grep '^drcheck_real_server_up{' | sort |
    paste -sd'|'
}

# status_services: prints "ADDRESS(PROTOCOL)=SERVER:STATE,..." for every service in /status, space-separated.
status_services() {
  agent_get /status | python3 -c '
import json, sys
print(" ".join("%s(%s)=%s" % (s["address"], s["protocol"], ",".join(r["address"] + ":" + r["state"] for r in s["real_servers"]))
               for s in json.load(sys.stdin)["services"]))'
}

# up_line SERVICE SERVER VALUE: one drcheck_real_server_up line as the exposition writes it.
up_line() { printf 'drcheck_real_server_up{service="%s",real_server="%s"} %s' "$1" "$2" "$3"; }

all_up="v4 $rs1=1 v4 $rs2=1 v6 [::1]:8101=1 v6 [::1]:8102=1"

lab_step "topology: rs1, rs2 in IPv4 fwmark 5 (DR); v1, v2 on [::1]:8101/8102 in IPv6 fwmark 5 (masq)"
lab_topology_or_exit 2
v6_start 1 && v6_start 2 || { echo "FAIL - IPv6 real servers"; exit 1; }
lab_in lvs ipvsadm -R <<EOF2
-D -t $LAB_SERVICE
-A -f 5 -s rr
-a -f 5 -r $rs1 -g -w 1
-a -f 5 -r $rs2 -g -w 1
-A -f 5 -6 -s rr
-a -f 5 -6 -r [::1]:8101 -m -w 1
-a -f 5 -6 -r [::1]:8102 -m -w 1
EOF2
lab_run lvs ipvsadm -Ln
lab_expect_eq "ipvsadm: both families hold fwmark 5, every destination at weight 1" "$all_up" "$(fwmark_weights)"

lab_step "config: family is checked and printed"
agent_config <<EOF2
services:
  - fwmark: 5
    family: inet6
    check: {port: 8000}
EOF2
status=0
err=$(lab_in lvs "$AGENT_BIN" config check --config "$AGENT_CONFIG" 2>&1 >/dev/null) || status=$?
lab_expect_eq "an unknown family: exit 2, one line naming file, line and key" \
  "2 drcheck: $AGENT_CONFIG:3: services[0].family: must be one of ipv4, ipv6 (got \"inet6\")" "$status $err"
agent_config <<EOF2
discover: true
discovery_interval: 1s
defaults:
  interval: 1s
  timeout: 900ms
  rise: 2
  fall: 2
services:
  - fwmark: 5
    family: ipv4
    check: {port: $LAB_PORT}
EOF2
lab_expect_eq "config check prints the service's family" "fwmark: 5|family: ipv4" \
  "$(lab_in lvs "$AGENT_BIN" config check --config "$AGENT_CONFIG" | grep -A1 -- '- fwmark:' |
    sed 's/^[- ]*//' | paste -sd'|')"

lab_step "the daemon (discover: true): two services, four servers, distinct series"
agent_start || agent_finish
expected_up="$(up_line fwmark:5 "$rs1" 1.0)|$(up_line fwmark:5 "$rs2" 1.0)|$(up_line fwmark:5/ipv6 '[::1]:8101' 1.0)|$(up_line fwmark:5/ipv6 '[::1]:8102' 1.0)"
lab_wait 20 lab_prints "$expected_up" up_series
lab_expect_eq "/metrics: one up series per server, the IPv6 ones under fwmark:5/ipv6" "$expected_up" "$(up_series)"
lab_expect_eq "/status: two services, each with its own servers" \
  "fwmark:5(fwmark)=$rs1:up,$rs2:up fwmark:5/ipv6(fwmark)=[::1]:8101:up,[::1]:8102:up" "$(status_services)"
agent_wait_log "fwmark:5/ipv6 [::1]:8102: ok " 1 10
lab_expect_eq "both IPv6 servers probed, passing (the log's probe lines)" "yes yes" \
  "$(agent_log_holds "fwmark:5/ipv6 [::1]:8101: ok " 1 && echo yes) $(agent_log_holds "fwmark:5/ipv6 [::1]:8102: ok " 1 && echo yes)"
lab_expect_eq "no duplicate series in the exposition" "" \
  "$(agent_get /metrics | grep -v '^#' | sed 's/ [^ ]*$//' | sort | uniq -d)"

lab_step "v1 ([::1]:8101, IPv6) stops"
v6_stop 1
lab_wait 20 lab_prints "v4 $rs1=1 v4 $rs2=1 v6 [::1]:8101=0 v6 [::1]:8102=1" fwmark_weights
lab_expect_eq "ipvsadm: only [::1]:8101 in FWM 5 IPv6 is drained" \
  "v4 $rs1=1 v4 $rs2=1 v6 [::1]:8101=0 v6 [::1]:8102=1" "$(fwmark_weights)"
lab_expect_eq "its series says down, the IPv4 ones up" \
  "$(up_line fwmark:5 "$rs1" 1.0)|$(up_line fwmark:5 "$rs2" 1.0)|$(up_line fwmark:5/ipv6 '[::1]:8101' 0.0)|$(up_line fwmark:5/ipv6 '[::1]:8102' 1.0)" \
  "$(up_series)"
lab_expect_eq "the drain is logged for the IPv6 service" "1" \
  "$(agent_log_count "fwmark:5/ipv6 [::1]:8101: weight 1 -> 0, drain (connect_refused)")"

lab_step "v1 comes back"
v6_start 1
lab_wait 20 lab_prints "$all_up" fwmark_weights
lab_expect_eq "ipvsadm: [::1]:8101 restored to 1, nothing else touched" "$all_up" "$(fwmark_weights)"

lab_step "rs1 (IPv4) stops"
lab_rs_stop 1
lab_wait 20 lab_prints "v4 $rs1=0 v4 $rs2=1 v6 [::1]:8101=1 v6 [::1]:8102=1" fwmark_weights
lab_expect_eq "ipvsadm: only rs1 in FWM 5 (IPv4) is drained" \
  "v4 $rs1=0 v4 $rs2=1 v6 [::1]:8101=1 v6 [::1]:8102=1" "$(fwmark_weights)"
lab_expect_eq "the drain is logged for the IPv4 service" "1" \
  "$(agent_log_count "fwmark:5 $rs1: weight 1 -> 0, drain (connect_refused)")"
lab_rs_start 1
lab_wait_port lvs "$LAB_PORT" "$(lab_rip 1)"
lab_wait 20 lab_prints "$all_up" fwmark_weights
lab_expect_eq "rs1 comes back: restored to 1" "$all_up" "$(fwmark_weights)"

lab_step "the state file names both services"
agent_stop TERM
lab_expect_eq "the daemon stops cleanly" "0" "$AGENT_EXIT"
lab_expect_eq "servers per service in the state file" "fwmark:5=2 fwmark:5/ipv6=2" \
  "$(python3 -c '
import collections, json, sys
counts = collections.Counter(e["service"] for e in json.load(open(sys.argv[1]))["servers"])
print(" ".join("%s=%d" % item for item in sorted(counts.items())))' "$AGENT_STATE")"

lab_step "--once (fall 2): v2 ([::1]:8102) stops; two passes"
v6_stop 2
status=0
out=$(agent_once 2>&1) || status=$?
sed 's/^/    | /' <<<"$out"
lab_expect_eq "first pass: exit 1, no weight changed" "1 $all_up" "$status $(fwmark_weights)"
status=0
out=$(agent_once 2>&1) || status=$?
sed 's/^/    | /' <<<"$out"
lab_expect_eq "second pass: exit 1, only [::1]:8102 in FWM 5 IPv6 drained" \
  "1 v4 $rs1=1 v4 $rs2=1 v6 [::1]:8101=1 v6 [::1]:8102=0" "$status $(fwmark_weights)"
lab_expect_match "the pass reports the drain under fwmark:5/ipv6" \
  "fwmark:5/ipv6 \[::1\]:8102: weight 1 -> 0, drain \(connect_refused\)" "$out"
agent_finish
