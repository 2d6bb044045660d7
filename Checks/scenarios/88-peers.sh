#!/usr/bin/env bash
# Peers on the real kernel: two directors, lvs and lvs2, in front of the same real servers, each with its own drcheck
# naming the other in `peers`. A fault of lvs2's own path to rs1 (a wrong neighbour entry for it) drains rs1 in
# lvs2's table only; after 10 s both drchecks report the disagreement (log, drcheck_peer_disagreement, drcheck status),
# and lvs keeps rs1. The path mended, they agree again. lvs2's drcheck stopped: lvs says its peer is down and changes
# nothing. drcheck diagnose on each side names the side.
. "$(dirname "$0")/../lab/scenario.sh" agent

# lvs's drcheck listens on its br_e address (the VIP there) for lvs2 to read it.
AGENT_LISTEN=$LAB_VIP:9469
lvs2=198.51.100.4:9469
dir2=$LAB_STATE/drcheck2
mkdir -p "$dir2"

lab_step "topology: rs1 and rs2 behind two directors, lvs and lvs2 (203.0.113.11), each drcheck the other's peer"
lab_topology_or_exit 2
lab_second_director lvs2 198.51.100.4 203.0.113.11
check=("interval: 500ms" "timeout: 400ms" "fall: 2" "rise: 2" "keep_last: false")
{ echo "peers: [\"$lvs2\"]"; agent_web_config "${check[@]}"; } | agent_config
{ echo "peers: [\"$AGENT_LISTEN\"]"; agent_web_config "${check[@]}"; } >"$dir2/drcheck.yaml"
agent_start || agent_finish
ip netns exec lvs2 "$AGENT_BIN" --config "$dir2/drcheck.yaml" --state "$dir2/state.json" --listen "$lvs2" \
  --log-level info >>"$dir2/daemon.log" 2>&1 &
pid2=$!
agent_wait_ready
lab_wait 30 lab_prints 200 lab_in lvs2 curl -s -o /dev/null -w '%{http_code}' "http://$lvs2/healthz"
# get2 PATH: lvs2's drcheck's answer to GET PATH.
get2() { lab_drcheck_get lvs2 "$lvs2" "$1"; }
metric2() { lab_drcheck_metric lvs2 "$lvs2" "$1"; }
weight2() { lab_director_weight lvs2 "$1"; }
lab_wait 10 lab_prints 1.0 agent_metric "drcheck_peer_up{peer=\"$lvs2\"}"
lab_expect_eq "lvs reads lvs2's verdicts, lvs2 reads lvs's" "1.0 1.0" \
  "$(agent_metric "drcheck_peer_up{peer=\"$lvs2\"}") $(metric2 "drcheck_peer_up{peer=\"$AGENT_LISTEN\"}")"
lab_expect_eq "lvs2 serves its verdicts" "# drcheck verdicts 1|$LAB_SERVICE/tcp $(lab_rip 1):$LAB_PORT up|$LAB_SERVICE/tcp $(lab_rip 2):$LAB_PORT up" \
  "$(get2 /verdicts | paste -sd'|')"

lab_step "lvs2's own path to rs1 breaks (a wrong neighbour entry): only lvs2 drains rs1"
lab_in lvs2 ip neigh replace "$(lab_rip 1)" lladdr 02:00:00:00:00:99 dev lvs2-rs nud permanent
broke=$EPOCHREALTIME
lab_wait 15 lab_prints 0 weight2 1
lab_expect_eq "rs1 at 0 in lvs2's table, 1 in lvs's" "0 1" "$(weight2 1) $(agent_weight 1)"
series="drcheck_peer_disagreement{service=\"web\",real_server=\"$(lab_rip 1):$LAB_PORT\",peer="
lab_wait 20 lab_prints 1.0 agent_metric "$series\"$lvs2\"}"
reported=$(python3 -c 'import sys, time; print(round((time.time() - float(sys.argv[1])) * 1000))' "$broke")
echo "figure: the disagreement reported ${reported} ms after the path broke (drain after fall 2, then 10 s)"
# Each side reports it 10 s after its own first reading of it: lvs2's polls of lvs fall up to 2 s apart from lvs's.
lab_wait 5 lab_prints 1.0 metric2 "$series\"$AGENT_LISTEN\"}"
lab_expect_eq "both drchecks export the disagreement" "1.0 1.0" \
  "$(agent_metric "$series\"$lvs2\"}") $(metric2 "$series\"$AGENT_LISTEN\"}")"
lab_expect_match "lvs logs it: up here, down at lvs2" \
  "203.0.113.21:8000: up here, down at peer $lvs2 for 10s or more" "$(cat "$AGENT_LOG")"
lab_expect_match "lvs2 logs it: down here, up at lvs" \
  "203.0.113.21:8000: down here, up at peer $AGENT_LISTEN for 10s or more" "$(cat "$dir2/daemon.log")"
lab_expect_match "drcheck status on lvs shows lvs2's verdict beside its own" \
  "203\.0\.113\.21:8000 +up .* $lvs2 down" "$(lab_in lvs "$AGENT_BIN" status --listen "$AGENT_LISTEN")"
lab_expect_eq "rs2 is no disagreement" "" "$(agent_metric "drcheck_peer_disagreement{service=\"web\",real_server=\"$(lab_rip 2)")"
diag2=$(lab_in lvs2 "$AGENT_BIN" diagnose --config "$dir2/drcheck.yaml" --state "$dir2/state.json" 2>&1)
sed 's/^/    lvs2| /' <<<"$diag2"
lab_expect_match "drcheck diagnose on lvs2: rs1 fails from this director only" \
  "FAIL  fails from this director only \(up at peer $AGENT_LISTEN\): this director's path to it" "$diag2"
diag1=$(lab_in lvs "$AGENT_BIN" diagnose --config "$AGENT_CONFIG" --state "$AGENT_STATE" 2>&1)
lab_expect_match "drcheck diagnose on lvs: rs1 passes here, fails at lvs2" \
  "passes here, fails at peer $lvs2: that director's path to it" "$diag1"

lab_step "the path mended: lvs2 restores rs1, the two agree again"
lab_in lvs2 ip neigh del "$(lab_rip 1)" dev lvs2-rs
lab_wait 15 lab_prints 1 weight2 1
lab_wait 10 lab_prints "" agent_metric "$series\"$lvs2\"}"
lab_expect_eq "no disagreement left" "" "$(agent_metric "$series\"$lvs2\"}")"
lab_expect_match "lvs says they agree again" "203.0.113.21:8000: peer $lvs2 agrees again" "$(cat "$AGENT_LOG")"

lab_step "lvs2's drcheck stops: lvs says so and changes nothing"
kill "$pid2"
wait "$pid2" 2>/dev/null
lab_wait 10 lab_prints 0.0 agent_metric "drcheck_peer_up{peer=\"$lvs2\"}"
lab_expect_eq "drcheck_peer_up 0" "0.0" "$(agent_metric "drcheck_peer_up{peer=\"$lvs2\"}")"
lab_expect_match "said once" "peer $lvs2: its verdicts cannot be read" "$(cat "$AGENT_LOG")"
lab_expect_eq "lvs's weights unchanged" "rs1=1 rs2=1" "$(agent_weights)"
agent_finish
