#!/usr/bin/env bash
# A director that has grown past its neighbour table: 1,200 real servers on its own IPv6 segment, the kernel's default
# table (gc_thresh3 1,024). The thresholds exist only in the first network namespace, so this director is UML's first
# one (named "lvs" for the agent's helpers), not a namespace of its own; the servers are one namespace, rs1, holding
# every RIP (2001:db8::1:1..) on one veth pair, served by one nginx. The checks go to the RIPs (mode rip): the subject
# is the neighbour table, which probes and IPVS's forwarding need alike.
#   diagnose names the limit with its fix and changes nothing;
#   the daemon with dr_sysctls: check names the cause once as the director's (drcheck_director_fault), drains exactly
#   the servers the table left unresolved as neighbour_table_full, blames no server for a timeout, sets no sysctl;
#   reloaded with dr_sysctls: fix it raises the thresholds, the fault ends, and every server is back at its weight;
#   `drcheck --once` with fix raises them as well.
. "$(dirname "$0")/../lab/scenario.sh" agent
lab_require_uml

n=1200
vip="2001:db8::33"
service="[$vip]:$LAB_PORT"
dir=$LAB_STATE/pool
mkdir -p "$dir"
rip() { printf '2001:db8::1:%x' "$1"; }

lab_step "topology: the director in the first network namespace, $n RIPs on its segment"
lab_modprobe veth ip_vs ip_vs_rr || exit 1
ip netns attach lvs 1 || { echo "FAIL - cannot name the first network namespace"; exit 1; }
ip netns add rs1
ip link add dir-rs type veth peer name rs1-dir netns rs1
addrs=""
for ((i = 1; i <= n; i++)); do addrs+="addr add $(rip "$i")/64 dev rs1-dir nodad"$'\n'; done
ip -batch - <<<"link set lo up
addr add 2001:db8::10/64 dev dir-rs nodad
link set dir-rs up" || exit 1
ip -n rs1 -batch - <<<"link set lo up
${addrs}link set rs1-dir up" || exit 1
lab_sysctl rs1 net.core.somaxconn=4096
cat >"$dir/nginx.conf" <<NGINX
daemon off; master_process off; user root; worker_processes 1; worker_rlimit_nofile 65536;
pid $dir/nginx.pid; error_log $dir/nginx.err warn;
events { worker_connections 16384; }
http {
  access_log off; keepalive_timeout 0;
  client_body_temp_path $dir; proxy_temp_path $dir; fastcgi_temp_path $dir; uwsgi_temp_path $dir; scgi_temp_path $dir;
  server { listen [::]:$LAB_PORT backlog=4096; location / { return 200 "ok\n"; } }
}
NGINX
ip netns exec rs1 nginx -c "$dir/nginx.conf" -p "$dir" >>"$dir/nginx.err" 2>&1 &
lab_wait 20 lab_prints ok curl -s -g --max-time 1 "http://[$(rip 1)]:$LAB_PORT/" || { echo "FAIL - nginx"; exit 1; }
{
  echo "-A -t $service -s rr"
  for ((i = 1; i <= n; i++)); do echo "-a -t $service -r [$(rip "$i")]:$LAB_PORT -g -w 1"; done
} | ipvsadm -R
lab_expect_eq "IPVS holds the $n destinations" "$n" "$(ipvsadm -Ln | grep -c -- '->.*Route')"
lab_expect_eq "the default table: gc_thresh3" "1024" "$(sysctl -n net.ipv6.neigh.default.gc_thresh3)"

# config POLICY: the service checked at the RIPs every 4 s with a 2 s timeout: UML's one CPU, trapping every system
# call, runs the loop late enough at 600 probes a second that the overload guard would discount the timeouts.
config() {
  printf 'dr_sysctls: %s\narp_watch: 0s\nservices:\n  - vip: "%s"\n    check: {mode: rip, interval: 4s, timeout: 2s, fall: 2, rise: 1}\n' \
    "$1" "$service" | agent_config
}
# fault REASON: drcheck_director_fault{reason=REASON} (1,200 servers' /metrics take UML longer than agent_get waits).
fault() {
  lab_in lvs curl -s --max-time 20 "http://$AGENT_LISTEN/metrics" |
    awk -v q="drcheck_director_fault{reason=\"$1\"}" 'index($0, q) == 1 {print $NF + 0; exit}'
}
# drained REASON: the servers the log says were drained for REASON, one a line or counted in a turn's summary line
# ("N weight changes: M drain (REASON), ...", when a turn holds more than ten).
drained() {
  awk -v r="drain ($1)" '
    index($0, r) == 0 { next }
    { before = substr($0, 1, index($0, r) - 1) }
    / weight changes: / { if (match(before, /[0-9]+ $/)) n += substr(before, RSTART, RLENGTH - 1); next }
    { n++ }
    END { print n + 0 }' "$AGENT_LOG"
}
weighted() { ipvsadm -Ln | awk '$1 == "->" && $2 ~ /^\[/ && $4 == 1' | wc -l; }

lab_step "diagnose names the table's limit and its fix, and sets nothing"
config check
DIAG=$(lab_in lvs "$AGENT_BIN" diagnose --config "$AGENT_CONFIG" --state "$AGENT_STATE" 2>&1)
echo "$DIAG" | grep -E "neighbour|gc_thresh" | sed 's/^/    | /'
lab_expect_match "the limit, with the numbers" \
  "FAIL  $n real server\(s\) on the director's own IPv6 subnets, each needing a neighbour entry, against gc_thresh2 512 and gc_thresh3 1024: past gc_thresh3" \
  "$DIAG"
lab_expect_match "and the fix" \
  "fix: sysctl -w net.ipv6.neigh.default.gc_thresh1=1200 net.ipv6.neigh.default.gc_thresh2=2136 net.ipv6.neigh.default.gc_thresh3=3072" \
  "$DIAG"
lab_expect_eq "gc_thresh3 unchanged" "1024" "$(sysctl -n net.ipv6.neigh.default.gc_thresh3)"

lab_step "the daemon with dr_sysctls: check: the cause is the director's, named once"
AGENT_LOG_LEVEL=info agent_start || exit 1
agent_wait_log "the director's fault: its neighbour table (ipv6) is full" 1 40 ||
  echo "FAIL - no fault line; log: $(tail -n 5 "$AGENT_LOG")"
# fall 2 drains the servers left unresolved (the table's churn lets a few through now and then, which keeps them):
# the first drains, then three rounds more.
unweighted() { [ "$(weighted)" -lt "$n" ]; }
lab_wait 40 unweighted
sleep 12
grep -F "the director's fault" "$AGENT_LOG" | cut -c1-400 | sed 's/^/    | /'
lab_expect_eq "said once" "1" "$(agent_log_count "the director's fault: its neighbour table (ipv6) is full")"
lab_expect_match "with the fix" "fix: sysctl -w net.ipv6.neigh.default.gc_thresh1=1200" \
  "$(grep -F "the director's fault" "$AGENT_LOG")"
lab_expect_eq "drcheck_director_fault{reason=\"neighbour_table_full\"}" "1" "$(fault neighbour_table_full)"
drained=$(drained neighbour_table_full)
echo "    $drained servers drained as neighbour_table_full; $(weighted) of $n at weight 1"
lab_expect_eq "no server blamed for a timeout" "0" "$(agent_log_count "down (timeout)")"
lab_expect_eq "and no timeout discounted for overload" "0" "$(agent_log_count "timeout not counted")"
lab_expect_eq "the servers at weight 0 are those drained as the director's fault" "$((n - drained))" "$(weighted)"
lab_expect_eq "and there are some" "1" "$((drained > 0 ? 1 : 0))"
lab_expect_eq "check sets no sysctl" "1024" "$(sysctl -n net.ipv6.neigh.default.gc_thresh3)"

lab_step "reloaded with dr_sysctls: fix: the thresholds raised, every server back"
config fix
agent_signal HUP
agent_wait_log "set net.ipv6.neigh.default.gc_thresh3=3072 (was 1024), net.ipv6.neigh.default.gc_thresh2=2136 (was 512), net.ipv6.neigh.default.gc_thresh1=1200 (was 128) for $n on-link real server(s) (dr_sysctls: fix)" 1 30 ||
  echo "FAIL - no raise line; log: $(grep -F gc_thresh "$AGENT_LOG" | tail -n 3)"
lab_expect_eq "gc_thresh3" "3072" "$(sysctl -n net.ipv6.neigh.default.gc_thresh3)"
lab_wait 60 lab_prints "$n" weighted
lab_expect_eq "every server at weight 1 again" "$n" "$(weighted)"
agent_wait_log "the director's fault is over: its neighbour table (ipv6) is full" 1 30
lab_expect_eq "the fault over, said once" "1" "$(agent_log_count "the director's fault is over")"
lab_expect_eq "drcheck_director_fault{reason=\"neighbour_table_full\"}" "0" "$(fault neighbour_table_full)"
lab_expect_eq "still no server blamed for a timeout" "0" "$(agent_log_count "down (timeout)")"
agent_stop

lab_step "drcheck --once with dr_sysctls: fix raises them too"
sysctl -q -w net.ipv6.neigh.default.gc_thresh1=128 net.ipv6.neigh.default.gc_thresh2=512 \
  net.ipv6.neigh.default.gc_thresh3=1024
ONCE=$(agent_once 2>&1)
grep -F gc_thresh <<<"$ONCE" | sed 's/^/    | /'
lab_expect_match "--once says what it set" \
  "set net.ipv6.neigh.default.gc_thresh3=3072 \(was 1024\), net.ipv6.neigh.default.gc_thresh2=2136 \(was 512\), net.ipv6.neigh.default.gc_thresh1=1200 \(was 128\)" \
  "$ONCE"
lab_expect_eq "gc_thresh3" "3072" "$(sysctl -n net.ipv6.neigh.default.gc_thresh3)"
ip netns delete lvs
lab_finish
