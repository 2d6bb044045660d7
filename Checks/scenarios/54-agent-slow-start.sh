#!/usr/bin/env bash
# slow_start: a recovered server's weight climbs in steps to its configured weight over slow_start, as
# ipvsadm shows it (sampled as fast as the lab allows): strictly increasing, more than 2 steps, ending at the
# configured weight no earlier than about slow_start after the first step. A restart in the middle of a ramp finishes
# it at once (the state file says a ramp was under way).
. "$(dirname "$0")/../lab/scenario.sh" agent

rs1=$(lab_rip 1):$LAB_PORT
TRACE=$AGENT_DIR/trace

# watch_in_background I MIN MAX: agent_watch_weight into $TRACE in the background (pid in $WATCHER); returns once it
# has read the kernel's first value.
watch_in_background() {
  : >"$TRACE"
  agent_watch_weight "$1" "$2" "$3" 40 >"$TRACE" &
  WATCHER=$!
  until [ -s "$TRACE" ] || ! kill -0 "$WATCHER" 2>/dev/null; do sleep 0.1; done
}

lab_step "topology: rs1 at its configured weight 10, rs2 at 1; slow_start 4s, interval 1s"
lab_topology_or_exit 2
lab_weight 1 10
agent_web_config "fall: 2" "slow_start: 4s" -- "$(lab_rip 1) 10" | agent_config
agent_start || agent_finish

lab_step "rs1 fails, then recovers"
agent_rs_kill 1
agent_wait_weight 1 0 10
lab_expect_eq "rs1 drained" "0" "$(agent_weight 1)"
echo "figure: detection latency $(agent_latency_ms 1) ms (kill to the drain written; fall=2, interval 1s, timeout 900ms:" \
  "(fall-1)*interval = 1000 ms plus up to one interval of phase)"
lab_expect_eq "/status: its kernel weight is 0 at once, as ipvsadm shows (discovery_interval is 5 s)" "0" \
  "$(agent_status_field 1 kernel_weight)"
watch_in_background 1 10 10
lab_rs_start 1
wait "$WATCHER"
final_at=$(agent_status_field 1 last_change_at)
read -r sequence steps ramp <<<"$(python3 -c '
import sys
rows = [line.split() for line in open(sys.argv[1])]
seq = []
for _, w in rows:
    if not seq or seq[-1] != int(w): seq.append(int(w))
first = next(float(t) for t, w in rows if int(w) > 0)
print(",".join(map(str, seq)), len([w for w in seq if w > 0]), round(float(sys.argv[2]) - first, 2))
' "$TRACE" "$final_at")"
echo "    weights seen: $sequence"
echo "figure: slow start: first step seen to the last write $ramp s (slow_start 4 s), $steps distinct weights seen"
lab_expect_eq "the weights seen rise strictly" "yes" "$(python3 -c '
import sys
s = [int(w) for w in sys.argv[1].split(",")]
print("yes" if all(a < b for a, b in zip(s, s[1:])) else "no")' "$sequence")"
lab_expect_match "from 0 to the configured 10" "^0,.*,10$" "$sequence"
lab_expect_eq "more than 2 steps seen" "yes" "$([ "$steps" -gt 2 ] && echo yes || echo "no: $steps")"
lab_expect_eq "the configured weight came 3 to 7 s after the first step seen (slow_start 4 s)" "yes" \
  "$(python3 -c 'import sys; print("yes" if 3 <= float(sys.argv[1]) <= 7 else "no")' "$ramp")"
logged=$(grep -oE "${rs1//./\\.}: weight [0-9]+ -> [0-9]+, slow start [0-9]+/[0-9]+" "$AGENT_LOG" |
  sed -E 's/.*-> ([0-9]+), slow start ([0-9]+)\/([0-9]+)/\1@\2\/\3/' | paste -sd' ')
echo "    logged steps: $logged"
lab_expect_match "the log shows the steps, the last one 10/10 at weight 10" "^1@1/10 .* 10@10/10$" "$logged"

lab_step "rs1 fails again; drcheck is killed with SIGKILL in the middle of the ramp, then started again"
lab_rs_stop 1
agent_wait_weight 1 0 10
watch_in_background 1 2 9
lab_rs_start 1
wait "$WATCHER"
agent_stop KILL
mid=$(agent_weight 1)
echo "    weight when killed: $mid"
lab_expect_match "killed mid-ramp" "^[2-9]$" "$mid"
agent_start || agent_finish
agent_wait_weight 1 10 10
lab_expect_eq "the restarted daemon finishes the ramp at once" "10" "$(agent_weight 1)"
lab_expect_match "logged as a restore" "${rs1//./\\.}: weight $mid -> 10, restore" "$(cat "$AGENT_LOG")"
agent_finish
