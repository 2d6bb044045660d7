#!/usr/bin/env bash
# flap_damping on the real kernel: rs1 flaps (its answers switch between 200 and 500 every 0.7 s for 10 s) and is
# held at weight 0 from the change that takes its penalty above suppress until the penalty decays below reuse after
# it settles, at the time /status computed (no weight in between, whatever its checks say); rs2 fails once (down and
# up: penalty 2, below suppress 3) and is restored at once, never held. Prints the penalty, the hold and the times.
. "$(dirname "$0")/../lab/scenario.sh" agent

lab_step "topology: rs1 and rs2 at weight 1; interval 500ms, rise 1, fall 1, half_life 4s, suppress 3, reuse 1.5"
lab_topology_or_exit 2
agent_web_config "interval: 500ms" "timeout: 400ms" "rise: 1" "fall: 1" "keep_last: false" \
  "flap_damping: {half_life: 4s, suppress: 3, reuse: 1.5, max_suppress: 16s}" | agent_config
agent_start || lab_finish
agent_wait_ready

# Every weight rs1 has in the kernel from now on, with its time (one process polling /proc/net/ip_vs).
agent_watch_weight 1 99 99 60 >"$LAB_STATE/rs1.weights" &
watcher=$!

lab_step "rs2 fails once; rs1 flaps every 0.7 s for 10 s"
python3 -S -c '
import os, sys, time
def mode(path, text):
    with open(path + ".new", "w") as f:
        f.write(text)
    os.replace(path + ".new", path)
rs1, rs2 = sys.argv[1], sys.argv[2]
mode(rs2, "error")
time.sleep(0.6)
mode(rs2, "ok")
for _ in range(7):
    mode(rs1, "error")
    time.sleep(0.7)
    mode(rs1, "ok")
    time.sleep(0.7)
' "$LAB_STATE/rs1.mode" "$LAB_STATE/rs2.mode"
settled=$EPOCHREALTIME
held=$(agent_get /status | python3 -c '
import json, sys
for s in json.load(sys.stdin)["services"][0]["real_servers"]:
    if s["address"].startswith(sys.argv[1] + ":"):
        print(s["state"], s.get("flap_penalty"), s.get("suppressed_until"))
' "$(lab_rip 1)")
read -r state penalty until <<<"$held"
penalty=$(python3 -c 'import sys; print(round(float(sys.argv[1]), 2))' "$penalty")
echo "figure: rs1 when it stopped flapping: $state, penalty $penalty, held for" \
  "$(python3 -c 'import sys; print(round((float(sys.argv[1]) - float(sys.argv[2])) * 1000))' "$until" "$settled") ms more"
lab_expect_eq "rs1 is suppressed when it stops flapping" "suppressed" "$state"
lab_expect_eq "at weight 0" "0" "$(agent_weight 1)"
lab_expect_match "its penalty is exported" "^[3-9]\.|^1[0-9]\." \
  "$(agent_metric "drcheck_real_server_flap_penalty{service=\"web\",real_server=\"$(lab_rip 1):$LAB_PORT\"}")"
lab_expect_match "one line when the suppression began" \
  "203.0.113.21:8000: flapping, penalty 3\.[0-9]+ above suppress 3: held drained for [0-9]+s[0-9]*m?s? unless it flaps on" \
  "$(grep -c ': flapping, penalty' "$AGENT_LOG") $(grep ': flapping, penalty' "$AGENT_LOG")"
lab_expect_eq "rs2 failed once: down and up once, back at weight 1, never held" "1 1 1 0" \
  "$(grep -c '203.0.113.22:8000: down (' "$AGENT_LOG") $(grep -c '203.0.113.22:8000: up (' "$AGENT_LOG")\
 $(agent_weight 2) $(grep -c '203.0.113.22:8000: flapping' "$AGENT_LOG")"

lab_step "rs1 settled: restored when its penalty decays below reuse, at the computed time"
agent_watch_weight 1 1 1 30 >/dev/null
restored=$(agent_status_field 1 last_change_at)
late=$(python3 -c 'import sys; print(round((float(sys.argv[1]) - float(sys.argv[2])) * 1000))' "$restored" "$until")
echo "figure: rs1 restored ${late} ms after the computed end of its hold (penalty $penalty: 4 s x log2($penalty / 1.5) after its last change)"
lab_expect_eq "restored within 0.8 s of the computed time, not before it" "yes" \
  "$([ "$late" -ge -50 ] && [ "$late" -le 800 ] && echo yes || echo "no: $late ms")"
lab_expect_match "one line when it ended" "203.0.113.21:8000: no longer flapping, the penalty decayed below reuse 1.5" \
  "$(cat "$AGENT_LOG")"
kill "$watcher" 2>/dev/null
wait "$watcher" 2>/dev/null
began=$(awk '/: flapping, penalty/ { print $1; exit }' "$AGENT_LOG")
weights=$(python3 -c '
import datetime, sys
# The log has whole seconds: from the second after the line on.
began = datetime.datetime.fromisoformat(sys.argv[1]).timestamp() + 1
end = float(sys.argv[2])
print(" ".join(w for t, w in (line.split() for line in open(sys.argv[3])) if began < float(t) < end - 0.05) or "none")
' "$began" "$restored" "$LAB_STATE/rs1.weights")
lab_expect_eq "no weight for rs1 from the start of the hold to its end (changes seen)" "none" "$weights"
agent_finish
