#!/usr/bin/env bash
# `drcheck --once` for cron: without IPVS it exits 3; rise/fall counters carry across runs in the state
# file (fall=2: the first failing run leaves rs1 up, the second drains it; rise=2: the first passing run leaves it
# drained, the second restores its configured weight); --json is valid JSON; a broken config exits 2 with one
# file:line:key line and leaves IPVS byte-for-byte as it was; with a daemon running, --once probes and reports but
# changes nothing; an operator's weight set while a pass probes is not overwritten. The daemon keeps its running
# config when a broken file comes on SIGHUP and takes a good one, whose new weight a healthy server gets at once.
. "$(dirname "$0")/../lab/scenario.sh" agent

ONCE_CONFIG=$AGENT_DIR/once.yaml
BROKEN=$AGENT_DIR/broken.yaml
rs1=$(lab_rip 1):$LAB_PORT
rs2=$(lab_rip 2):$LAB_PORT

# write_config FILE FALL RS1_WEIGHT: a config for the lab's service with fall FALL and rs1's weight RS1_WEIGHT.
write_config() { agent_web_config "fall: $2" -- "$(lab_rip 1) $3" >"$1"; }

# once [ARG...]: one `drcheck --once` with $ONCE_CONFIG: stdout in $ONCE_OUT (and shown), stderr in $ONCE_ERR,
# exit status in $ONCE_STATUS.
once() {
  ONCE_OUT=$(lab_in lvs "$AGENT_BIN" --once --config "$ONCE_CONFIG" --state "$AGENT_STATE" "$@" 2>"$AGENT_DIR/once.err")
  ONCE_STATUS=$?
  ONCE_ERR=$(cat "$AGENT_DIR/once.err")
  sed 's/^/    | /' <<<"$ONCE_OUT"
}

# ipvs_save: the director's IPVS rules with their weights (ipvsadm -Sn: no counters).
ipvs_save() { lab_in lvs ipvsadm -Sn; }

lab_step "no IPVS in the kernel yet (ip_vs not loaded)"
mkdir -p "$AGENT_DIR"
write_config "$ONCE_CONFIG" 2 7
status=0
err=$("$AGENT_BIN" --once --config "$ONCE_CONFIG" --state "$AGENT_STATE" 2>&1 >/dev/null) || status=$?
lab_expect_eq "--once exits 3" "3" "$status"
lab_expect_eq "with one line that says what to do" \
  'drcheck: IPVS is not available in this kernel: load it with `modprobe ip_vs`' "$err"

lab_step "topology: rs1 and rs2 at weight 1; config: rise 2, fall 2, rs1 configured at 7"
lab_topology_or_exit 2
once
lab_expect_eq "all healthy: exit 0" "0" "$ONCE_STATUS"
lab_expect_eq "weights unchanged" "rs1=1 rs2=1" "$(agent_weights)"
lab_expect_eq "its DR probe services are gone after the pass" "0" "$(lab_in lvs ipvsadm -Ln | grep -c '^FWM')"

lab_step "rs1 stops; first --once"
lab_rs_stop 1
once
lab_expect_eq "exit 1" "1" "$ONCE_STATUS"
lab_expect_match "rs1's probe: connect_refused, still up" "web +$rs1 +connect_refused +[0-9.]+s? +up +1 +7" "$ONCE_OUT"
lab_expect_eq "rs1 keeps its weight (1 failure of fall=2)" "rs1=1 rs2=1" "$(agent_weights)"

lab_step "broken configs: unknown key, bad duration"
before=$(lab_in lvs ipvsadm -Ln)
state_before=$(sha256sum <"$AGENT_STATE")
write_config "$BROKEN" 2 7
sed -i 's/      timeout: 900ms/      timeot: 900ms/' "$BROKEN"
status=0
out=$(lab_in lvs "$AGENT_BIN" --once --config "$BROKEN" --state "$AGENT_STATE" 2>"$AGENT_DIR/err") || status=$?
lab_expect_eq "unknown key: exit 2, nothing on stdout" "2 ''" "$status '$out'"
lab_expect_match "one line naming file, line and key" \
  "^drcheck: $BROKEN:6: services\[0\]\.check\.timeot: unknown key \(known here: [a-z_, ]+\)$" "$(cat "$AGENT_DIR/err")"
write_config "$BROKEN" 2 7
sed -i 's/      interval: 1s/      interval: 5 seconds/' "$BROKEN"
status=0
out=$(lab_in lvs "$AGENT_BIN" --once --config "$BROKEN" --state "$AGENT_STATE" 2>"$AGENT_DIR/err") || status=$?
lab_expect_eq "bad duration: exit 2, nothing on stdout" "2 ''" "$status '$out'"
lab_expect_match "one line naming file, line and key" "^drcheck: $BROKEN:5: services\[0\]\.check\.interval: [^[:cntrl:]]+$" \
  "$(cat "$AGENT_DIR/err")"
echo "    | $(cat "$AGENT_DIR/err")"
lab_expect_eq "ipvsadm -Ln byte-for-byte unchanged" "$before" "$(lab_in lvs ipvsadm -Ln)"
lab_expect_eq "the state file unchanged (no failure counted)" "$state_before" "$(sha256sum <"$AGENT_STATE")"

lab_step "second --once: rs1 still failing"
once
lab_expect_eq "exit 1" "1" "$ONCE_STATUS"
lab_expect_eq "rs1 drained (2 failures of fall=2)" "rs1=0 rs2=1" "$(agent_weights)"
lab_expect_match "the drain is reported" "set web $rs1: weight 1 -> 0, drain \(connect_refused\)|set [^ ]+ $rs1: weight 1 -> 0, drain \(connect_refused\)" "$ONCE_OUT"

lab_step "rs1 recovers; third --once"
lab_rs_start 1
lab_wait_port lvs "$LAB_PORT" "$(lab_rip 1)"
once
lab_expect_eq "exit 1: rs1 passed once but is still down (rise=2)" "1" "$ONCE_STATUS"
lab_expect_match "rs1's row: ok, down, weight 0" "web +$rs1 +ok +[0-9.]+s? +down +0 +7" "$ONCE_OUT"
lab_expect_eq "rs1 stays drained" "rs1=0 rs2=1" "$(agent_weights)"

lab_step "fourth --once"
once
lab_expect_eq "exit 0" "0" "$ONCE_STATUS"
lab_expect_eq "rs1 back at its configured weight 7, not 1" "rs1=7 rs2=1" "$(agent_weights)"

lab_step "--once --json"
once --json
lab_expect_eq "valid JSON with the weights after the pass and exit status 0" "rs1=7 rs2=1 exit_status=0 changes=0" \
  "$(python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
w = {s["real_server"]: s["weight_after"] for s in d["servers"]}
print("rs1=%s rs2=%s exit_status=%s changes=%d" % (w[sys.argv[1]], w[sys.argv[2]], d["exit_status"], len(d["changes"])))
' "$rs1" "$rs2" <<<"$ONCE_OUT" 2>&1)"
lab_expect_eq "its exit status 0" "0" "$ONCE_STATUS"

lab_step "the operator drains rs1 while a --once pass probes it (rs1 hangs: the pass waits for its 3 s timeout)"
# fall 1, so that this pass drains rs1; the operator's weight 0 lands after the pass read the table.
write_config "$ONCE_CONFIG" 1 7
sed -i 's/      interval: 1s/      interval: 3s/; s/      timeout: 900ms/      timeout: 3s/' "$ONCE_CONFIG"
lab_rs_mode 1 hang
requests=$(grep -c "mode=hang" "$LAB_STATE/rs1.log")
lab_in lvs "$AGENT_BIN" --once --config "$ONCE_CONFIG" --state "$AGENT_STATE" >"$AGENT_DIR/race.out" 2>&1 &
pass=$!
until [ "$(grep -c "mode=hang" "$LAB_STATE/rs1.log")" -gt "$requests" ] || ! kill -0 "$pass" 2>/dev/null; do
  sleep 0.05
done
lab_weight 1 0
status=0
wait "$pass" || status=$?
sed 's/^/    | /' "$AGENT_DIR/race.out"
lab_expect_eq "the pass exits 1 (rs1 failed)" "1" "$status"
lab_expect_eq "rs1 at 0" "0" "$(agent_weight 1)"
lab_rs_mode 1 ok
once
once
lab_expect_eq "rs1 passes again: two passes (rise 2) later its weight is still the operator's 0" "rs1=0 rs2=1" \
  "$(agent_weights)"
lab_expect_match "the pass reports it as an administrative drain" "web +$rs1 +ok +[0-9.]+s? +admin_drained +0 " \
  "$ONCE_OUT"
lab_weight 1 7
once
lab_expect_eq "the operator sets 7 again: adopted, exit 0" "0 rs1=7 rs2=1" "$ONCE_STATUS $(agent_weights)"

lab_step "the daemon runs (fall: 1000, it will not drain); rs2 stops; --once with fall: 1"
write_config "$AGENT_CONFIG" 1000 7
write_config "$ONCE_CONFIG" 1 7
agent_start || agent_finish
lab_rs_stop 2
agent_wait_log "$rs2: connect_refused" 2 10
before=$(ipvs_save)
once
lab_expect_eq "exit 1 (rs2 fails)" "1" "$ONCE_STATUS"
lab_expect_match "it says a daemon runs and nothing was changed" \
  "a drcheck daemon \(pid $AGENT_PID\) is running: probed only, no weight changed" "$ONCE_OUT"
lab_expect_match "it says what it would have done" "would set \(not applied\) [^ ]+ $rs2: weight 1 -> 0" "$ONCE_OUT"
lab_expect_eq "ipvsadm -Sn (weights, probe services) byte-for-byte unchanged" "$before" "$(ipvs_save)"

lab_step "SIGHUP with a broken file: the running config goes on"
probes=$(agent_log_count "$rs2: connect_refused")
cp "$BROKEN" "$AGENT_CONFIG"
agent_signal HUP
agent_wait_log "reload refused, the running config goes on" 1 5
lab_expect_match "the refusal is logged with the file:line:key message" \
  "reload refused, the running config goes on: $AGENT_CONFIG:5: services\[0\]\.check\.interval: " "$(cat "$AGENT_LOG")"
lab_expect_eq "/status and metric say the reload failed" "false 0.0" \
  "$(agent_status_agent last_reload_succeeded) $(agent_metric drcheck_config_last_reload_successful)"
sleep 3
lab_expect_eq "probing goes on (more probes of rs2 after 3 s)" "yes" \
  "$([ "$(agent_log_count "$rs2: connect_refused")" -gt "$((probes + 1))" ] && echo yes || echo "no: $probes")"
lab_expect_eq "with the old config: rs2 not drained (fall 1000)" "rs1=7 rs2=1" "$(agent_weights)"

lab_step "SIGHUP with a good edited file: fall 2, rs1 configured at 9"
write_config "$AGENT_CONFIG" 2 9
agent_signal HUP
agent_wait_log "reloaded config $AGENT_CONFIG" 1 5
lab_expect_eq "the reload is logged" "1" "$(agent_log_count "reloaded config $AGENT_CONFIG")"
agent_wait_weight 2 0 5
lab_expect_eq "the new fall takes effect: rs2 drained" "0" "$(agent_weight 2)"
lab_expect_eq "/status: rs1's configured weight 9; metric says the reload succeeded" "9 1.0" \
  "$(agent_status_field 1 configured_weight) $(agent_metric drcheck_config_last_reload_successful)"
agent_wait_weight 1 9 5
lab_expect_eq "rs1, healthy, gets its new configured weight at once (as a reload does in keepalived)" "9" \
  "$(agent_weight 1)"
lab_expect_match "the change is logged with its reason" "$(lab_rip 1):$LAB_PORT: weight 7 -> 9, configured weight changed" \
  "$(cat "$AGENT_LOG")"
lab_rs_start 2
agent_wait_weight 2 1 10
lab_expect_eq "rs2 recovers: restored to 1" "1" "$(agent_weight 2)"
lab_rs_stop 1
agent_wait_weight 1 0 10
lab_expect_eq "rs1 fails: drained" "0" "$(agent_weight 1)"
lab_rs_start 1
agent_wait_weight 1 9 10
lab_expect_eq "after a drain cycle rs1 is restored to the configured 9" "rs1=9 rs2=1" "$(agent_weights)"
agent_finish
