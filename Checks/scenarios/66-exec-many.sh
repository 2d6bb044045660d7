#!/usr/bin/env bash
# Exec checks at scale on the real IPVS kernel: 500 UDP destinations (250 services over rs1 and rs2) checked by a
# command every second, under the default max_commands_in_flight (16). In UML every exec costs far more than on a
# real director, so the cap holds the commands back: that must show as drift (start delay, the interval achieved),
# never as a drained server; no zombie is left, the daemon never runs more commands than the cap, and once the exec
# checks are gone again the daemon's descriptors are back to what they were. Prints the rate and the CPU it cost.
. "$(dirname "$0")/../lab/scenario.sh" agent

SERVICES=${SERVICES:-250}
SECONDS_RUN=${SECONDS_RUN:-30}
lab_step "topology: rs1 and rs2; $SERVICES UDP services over both ($((SERVICES * 2)) destinations, weight 1)"
lab_topology_or_exit 2
for ((s = 0; s < SERVICES; s++)); do
  echo "-A -u $LAB_VIP:$((10000 + s)) -s rr"
  for i in 1 2; do echo "-a -u $LAB_VIP:$((10000 + s)) -r $(lab_rip "$i"):$((10000 + s)) -g -w 1"; done
done | lab_in lvs ipvsadm -R
# zeros: how many destinations of the kernel's table have weight 0.
zeros() { lab_in lvs ipvsadm -Ln | awk '$1 == "->" && $4 == "0" {n++} END {print n + 0}'; }
# fds: the daemon's open descriptors.
fds() { ls "/proc/$AGENT_PID/fd" | wc -l; }
# children STATE: how many processes whose parent is the daemon are in STATE (a regular expression).
# (Through cat: a process that ends between the glob and the read would stop awk.)
children() { cat /proc/[0-9]*/stat 2>/dev/null | awk -v p="$AGENT_PID" -v s="$1" '$4 == p && $3 ~ s {n++} END {print n + 0}'; }
# zombie_pids: the daemon's zombie children, one pid per line (an exited command not yet reaped).
zombie_pids() { cat /proc/[0-9]*/stat 2>/dev/null | awk -v p="$AGENT_PID" '$4 == p && $3 == "Z" {print $1}'; }
# common A B: how many lines of B are in A (newline-separated lists).
common() { awk -v a="$1" 'BEGIN {split(a, l, "\n"); for (i in l) if (l[i] != "") seen[l[i]]} ($0 in seen) {n++} END {print n + 0}' <<<"$2"; }
# cpu PID: user+system CPU seconds of PID, and of its reaped children.
cpu() { awk '{printf "%.2f %.2f", ($14 + $15) / 100, ($16 + $17) / 100}' "/proc/$1/stat"; }

lab_step "the daemon with the web service only: the baseline"
printf 'discovery_interval: 2s\n' | agent_config
AGENT_LOG_LEVEL=${AGENT_LOG_LEVEL:-info} agent_start || agent_finish
sleep 3
baseline=$(fds)
echo "descriptors: $baseline"

lab_step "every service checked by a command (/bin/true) every 1 s, for $SECONDS_RUN s"
printf 'discover: true\ndiscovery_interval: 2s\ndefaults: {type: exec, command: [/bin/true], interval: 1s, timeout: 900ms, fall: 1}\n' |
  agent_config
read -r cpu0 children0 <<<"$(cpu "$AGENT_PID")"
agent_signal HUP
started=$SECONDS
worst_zeros=0 lingering=0 most=0 samples=0 previous=""
while [ $((SECONDS - started)) -lt "$SECONDS_RUN" ]; do
  z=$(zeros)
  [ "$z" -le "$worst_zeros" ] || worst_zeros=$z
  # A command that has exited is a zombie until the loop reaps it: only one still there a second later is left.
  current=$(zombie_pids)
  lingering=$((lingering + $(common "$previous" "$current")))
  previous=$current
  n=$(children '.')
  [ "$n" -le "$most" ] || most=$n
  samples=$((samples + 1))
  sleep 1
done
read -r cpu1 children1 <<<"$(cpu "$AGENT_PID")"
# One scrape, with time to render 500 servers' series on a loop that spawns commands in UML.
metrics=$(lab_in lvs curl -s --max-time 30 "http://$AGENT_LISTEN/metrics")
runs=$(awk '/^drcheck_probe_results_total\{/ {n += $NF} END {printf "%d", n}' <<<"$metrics")
ok=$(awk '/^drcheck_probe_results_total\{.*class="ok"/ {n += $NF} END {printf "%d", n}' <<<"$metrics")
achieved=$(awk '/^drcheck_probe_interval_achieved_seconds / {print $NF}' <<<"$metrics")
echo "figures: $runs commands in ${SECONDS_RUN} s ($(awk -v n="$runs" -v s="$SECONDS_RUN" 'BEGIN {printf "%.1f", n / s}')/s), $ok ok;" \
  "interval achieved ${achieved}s; drcheck CPU $(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN {printf "%.2f", b - a}') s," \
  "its commands' CPU $(awk -v a="$children0" -v b="$children1" 'BEGIN {printf "%.2f", b - a}') s; most children $most"
lab_expect_eq "no destination was drained in $samples samples" "0" "$worst_zeros"
lab_expect_eq "no drain was logged" "0" "$(agent_log_count ", drain (")"
discounted=$(awk '/^drcheck_probes_discounted_total\{reason="overload"\}/ {print $NF}' <<<"$metrics")
discounted=$(printf '%.0f' "${discounted:-0}")
echo "figures: $((runs - ok)) commands did not pass, $discounted discounted (the director short of CPU)"
# The scrape renders its families a slice at a time, so later families may count a few more results.
lab_expect_eq "every command that did not pass was discounted" "1" "$((runs - ok <= discounted))"
lab_expect_eq "no zombie child of drcheck left for a second, in $samples samples" "0" "$lingering"
lab_expect_eq "never more commands at once than max_commands_in_flight (16)" "1" "$((most <= 16))"
lab_expect_eq "commands ran (at least one round of every destination)" "1" "$((runs >= SERVICES * 2))"
lab_expect_eq "the drift shows: the interval achieved is longer than 1 s" "1" \
  "$(awk -v a="$achieved" 'BEGIN {print (a > 1) ? 1 : 0}')"

lab_step "the exec checks removed again: descriptors back to the baseline"
printf 'discovery_interval: 2s\n' | agent_config
agent_signal HUP
lab_wait 15 lab_prints "0" children '.'
sleep 2
lab_expect_eq "no child left" "0" "$(children '.')"
lab_expect_eq "descriptors: as before the exec checks" "$baseline" "$(fds)"
agent_finish
