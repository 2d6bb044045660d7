#!/usr/bin/env bash
# Services a director carries besides HTTP, on the real IPVS kernel with real DNS servers (dnsmasq) on rs1 and rs2:
# discovery leaves a UDP DNS service alone (an HTTP check cannot judge it: no probe, no weight change, named once);
# a config listing it with an HTTP check is refused; an exec check (dig, no shell, the server in ${DRCHECK_RIP})
# drains a stopped resolver and restores it; a hanging command is killed at its timeout (exec_timeout, no zombie);
# a dynamic check's exit status sets the weight; a TCP check on the non-HTTP DNS port catches a missing VIP on lo.
. "$(dirname "$0")/../lab/scenario.sh" agent

DNS=$LAB_VIP:53
rip1=$(lab_rip 1)
rip2=$(lab_rip 2)

# dns_start I / dns_stop I: rsI's dnsmasq, answering check.lab with 198.51.100.4I.
dns_start() { lab_dns_start "$1" "198.51.100.4$1"; }
dns_stop() { lab_dns_stop "$1"; }

# weight FLAG SERVICE RIP: prints the weight of RIP's destination (port 53) in service FLAG SERVICE (-u or -t).
weight() { lab_in lvs ipvsadm -Ln "$1" "$2" | awk -v rip="$3:53" '$2 == rip {print $4}'; }

# dns_weights: "W1 W2" of the UDP DNS service.
dns_weights() { echo "$(weight -u "$DNS" "$rip1") $(weight -u "$DNS" "$rip2")"; }

# weights_seen SECONDS CMD...: samples CMD every 0.2 s for SECONDS; prints each distinct output, "|"-separated.
weights_seen() {
  local deadline=$((SECONDS + $1)) out seen="|"
  shift
  while [ "$SECONDS" -lt "$deadline" ]; do
    out=$("$@")
    [[ $seen == *"|$out|"* ]] || seen+="$out|"
    sleep 0.2
  done
  seen=${seen#|}
  echo "${seen%|}"
}

lab_step "topology: web (tcp 8000) and DNS (udp 53) over rs1 and rs2, every destination at weight 5"
lab_topology_or_exit 2
lab_weight 1 5
lab_weight 2 5
lab_in lvs ipvsadm -R <<IPVS
-A -u $DNS -s rr
-a -u $DNS -r $rip1:53 -g -w 5
-a -u $DNS -r $rip2:53 -g -w 5
IPVS
dns_start 1 && dns_start 2 || { echo "FAIL - dnsmasq did not answer"; exit 1; }
lab_expect_match "a resolver answers through the VIP" "^198\.51\.100\.4[12]$" \
  "$(lab_in client dig +short +time=2 +tries=1 @"$LAB_VIP" check.lab)"

lab_step "discovery with nothing else configured: the UDP service is left alone"
printf 'discover: true\ndiscovery_interval: 1s\ndefaults: {interval: 1s, timeout: 900ms, fall: 1}\n' | agent_config
agent_start || agent_finish
lab_expect_eq "its weights hold at 5 for 6 s (fall 1, interval 1 s)" "5 5" "$(weights_seen 6 dns_weights)"
lab_expect_eq "the web service's are untouched" "rs1=5 rs2=5" "$(agent_weights)"
lab_expect_eq "named once in the log" "1" \
  "$(agent_log_count "$DNS (udp): not checked: a udp service, which an http check cannot judge")"
lab_expect_eq "no probe of port 53 was made" "0" "$(grep -c ':53: ' "$AGENT_LOG")"
lab_expect_eq "/status: not_checked says why" '"a udp service, which an http check cannot judge (list it with an exec check)"' \
  "$(agent_service_field not_checked "$DNS")"
lab_expect_match "drcheck status names it below the table" \
  "NOT CHECKED: $DNS \(udp\): a udp service, which an http check cannot judge" \
  "$(lab_in lvs "$AGENT_BIN" status --listen "$AGENT_LISTEN")"
lab_expect_eq "no series for it in /metrics" "" "$(agent_get /metrics | grep -F "service=\"$DNS\"")"

lab_step "a config listing the UDP service with an HTTP check is refused, by config check and by a reload"
dns_config() {
  printf 'discovery_interval: 1s\nservices:\n  - name: dns\n    vip: "%s"\n    protocol: udp\n' "$DNS"
  printf '    check:\n      interval: 2s\n      timeout: 1500ms\n      fall: 1\n      rise: 1\n%s' "$1"
}
dns_config "" | agent_config
refused=$(lab_in lvs "$AGENT_BIN" config check --config "$AGENT_CONFIG" 2>&1)
lab_expect_eq "config check: one line, exit 2" \
  "drcheck: $AGENT_CONFIG:7: services[0].check: cannot be checked: a udp service, which an http check cannot judge (list it with an exec check) exit 2" \
  "$refused exit $?"
agent_signal HUP
agent_wait_log "reload refused, the running config goes on" 1 10
lab_expect_eq "the reload is refused with the same line" "1" \
  "$(agent_log_count "reload refused, the running config goes on: $AGENT_CONFIG:7: services[0].check: cannot be checked")"

lab_step "an exec check (dig, no shell): the resolver on rs1 stops, then comes back"
dns_config "      type: exec
      command: [dig, +short, +time=1, +tries=1, -p, \"\${DRCHECK_RPORT}\", \"@\${DRCHECK_RIP}\", check.lab]
" | agent_config
agent_signal HUP
agent_wait_log "reloaded config $AGENT_CONFIG" 1 10
sleep 3
lab_expect_eq "both resolvers pass" "5 5" "$(dns_weights)"
dns_stop 1
lab_wait 15 lab_prints "0 5" dns_weights
lab_expect_eq "rs1 drained, rs2 kept" "0 5" "$(dns_weights)"
lab_expect_match "drained for exec_failed, with dig's own words" \
  "$rip1:53: weight 5 -> 0, drain \(exec_failed\)" "$(cat "$AGENT_LOG")"
lab_expect_match "the detail is dig's first line" "$rip1:53: exec_failed - [0-9.]+s \(exit 9: ;; " "$(cat "$AGENT_LOG")"
dns_start 1
lab_wait 15 lab_prints "5 5" dns_weights
lab_expect_eq "rs1 restored once it answers" "5 5" "$(dns_weights)"

lab_step "a command that hangs on rs1: killed at its timeout, reaped"
dns_config "      type: exec
      command: [/bin/sh, -c, 'if [ \"\$DRCHECK_RIP\" = $rip1 ]; then exec sleep 30; fi']
" | agent_config
agent_signal HUP
lab_wait 20 lab_prints "0 5" dns_weights
lab_expect_eq "rs1 drained, rs2 kept" "0 5" "$(dns_weights)"
lab_expect_match "the class is exec_timeout" \
  "$rip1:53: weight 5 -> 0, drain \(exec_timeout\)" "$(cat "$AGENT_LOG")"
# children_of PID STATE: how many processes whose parent is PID are in STATE (Z: zombies; . any).
# (Through cat: a process that ends between the glob and the read would stop awk.)
children_of() { cat /proc/[0-9]*/stat 2>/dev/null | awk -v p="$1" -v s="$2" '$4 == p && $3 ~ s {n++} END {print n + 0}'; }
zombies=0
sleeps=0
for _ in 1 2 3 4 5 6 7 8 9 10; do
  zombies=$((zombies + $(children_of "$AGENT_PID" '^Z$')))
  n=$(pgrep -c -x sleep)
  [ "$n" -le "$sleeps" ] || sleeps=$n
  sleep 0.3
done
lab_expect_eq "no zombie child of drcheck in 10 samples" "0" "$zombies"
lab_expect_eq "never more than the one command in flight left running" "1" "$((sleeps <= 1))"

lab_step "a dynamic check: the weight follows the command's exit status"
dynamic() { printf '%s\n' "$2" >"$LAB_STATE/exit-$1"; }
dynamic "$rip1" 0
dynamic "$rip2" 0
dns_config "      type: exec
      dynamic_weight: true
      command: [/bin/sh, -c, 'read -r code < $LAB_STATE/exit-\$DRCHECK_RIP; exit \$code']
" | agent_config
agent_signal HUP
lab_wait 15 lab_prints "5 5" dns_weights
lab_expect_eq "exit 0: the configured (first-seen) weight" "5 5" "$(dns_weights)"
dynamic "$rip1" 9
lab_wait 15 lab_prints "7 5" dns_weights
lab_expect_eq "exit 9: weight 7" "7 5" "$(dns_weights)"
lab_expect_match "logged as the reported weight" "$rip1:53: weight 5 -> 7, weight reported by its check" \
  "$(cat "$AGENT_LOG")"
dynamic "$rip1" 3
lab_wait 15 lab_prints "1 5" dns_weights
lab_expect_eq "exit 3: weight 1" "1 5" "$(dns_weights)"
dynamic "$rip1" 1
lab_wait 15 lab_prints "0 5" dns_weights
lab_expect_eq "exit 1: drained" "0 5" "$(dns_weights)"
dynamic "$rip1" 0
lab_wait 15 lab_prints "5 5" dns_weights
lab_expect_eq "exit 0 again: back to 5" "5 5" "$(dns_weights)"

lab_step "the same exec checks from cron: drcheck --once runs the commands and follows their exit status"
agent_stop
dynamic "$rip1" 9
once=$(agent_once)
lab_expect_eq "--once: exit 9 passes (exit status 0), weight 7" "0 7 5" "$? $(dns_weights)"
dynamic "$rip1" 1
agent_once >/dev/null
lab_expect_eq "--once: exit 1 drains (exit status 1)" "1 0 5" "$? $(dns_weights)"
lab_expect_match "--once's report names the class" "exec_failed" "$(agent_once --dry-run)"
dynamic "$rip1" 0
agent_once >/dev/null
lab_expect_eq "--once: exit 0 restores the configured weight" "0 5 5" "$? $(dns_weights)"

lab_step "a TCP check on the DNS servers' TCP port, through the DR path: the VIP missing from rs1's lo"
lab_in lvs ipvsadm -R <<IPVS
-A -t $DNS -s rr
-a -t $DNS -r $rip1:53 -g -w 5
-a -t $DNS -r $rip2:53 -g -w 5
IPVS
printf 'services:\n  - name: dns-tcp\n    vip: "%s"\n    check: {type: tcp, interval: 1s, timeout: 900ms, fall: 2, rise: 1}\n' \
  "$DNS" | agent_config
agent_start || agent_finish
tcp_weights() { echo "$(weight -t "$DNS" "$rip1") $(weight -t "$DNS" "$rip2")"; }
sleep 3
lab_expect_eq "both pass a connect through the DR path" "5 5" "$(tcp_weights)"
lab_vip_del 1
lab_wait 15 lab_prints "0 5" tcp_weights
lab_expect_eq "rs1 drained" "0 5" "$(tcp_weights)"
lab_expect_match "as dr_path: its RIP accepts, the VIP does not" "$rip1:53: weight 5 -> 0, drain \(dr_path\)" \
  "$(cat "$AGENT_LOG")"
lab_vip_add 1
lab_wait 15 lab_prints "5 5" tcp_weights
lab_expect_eq "restored with the VIP back" "5 5" "$(tcp_weights)"
agent_finish
