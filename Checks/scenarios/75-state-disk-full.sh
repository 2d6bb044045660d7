#!/usr/bin/env bash
# A drain on a full file system survives a kill -9: the state directory is a small tmpfs filled with dd while the
# daemon runs; rs1 (configured weight 7) stops and is drained. The state file cannot be replaced (no room for the
# temporary file), so it is rewritten in place within the room it keeps, and records drcheck's drain. After a kill -9
# and a restart (the disk still full) the kernel's 0 is drcheck's drain, not an operator's: rs1, back, is restored
# to 7 after rise.
. "$(dirname "$0")/../lab/scenario.sh" agent

# state_field FIELD: rs1's FIELD in the state file.
state_field() {
  python3 -c '
import json, sys
for entry in json.load(open(sys.argv[1]))["servers"]:
    if entry["server"] == sys.argv[2]:
        print(entry["record"].get(sys.argv[3]))
' "$AGENT_STATE" "$(lab_rip 1):$LAB_PORT" "$1"
}

lab_step "topology: rs1 (configured 7) and rs2; the state directory a 256 KiB tmpfs"
lab_topology_or_exit 2
full=$LAB_STATE/full
mkdir -p "$full"
mount -t tmpfs -o size=256k tmpfs "$full"
AGENT_STATE=$full/state.json
lab_weight 1 7
agent_web_config "fall: 2" -- "$(lab_rip 1) 7" | agent_config
agent_start || lab_finish
agent_wait_log "every server probed once" 1 10
lab_expect_eq "the state file keeps room to grow: a whole 4 KiB block" "4096" "$(stat -c %s "$AGENT_STATE")"

lab_step "the file system fills up; rs1 stops"
dd if=/dev/zero of="$full/filler" bs=4k 2>/dev/null
lab_expect_eq "no room left" "no" "$(echo x >"$full/probe" 2>/dev/null && echo yes || echo no)"
lab_rs_stop 1
agent_wait_weight 1 0 10
lab_expect_eq "rs1 drained" "0" "$(agent_weight 1)"
lab_expect_eq "the state was saved: no save error in the log" "0" "$(agent_log_count "cannot save state")"
lab_expect_eq "the state file records drcheck's drain" "drcheck 0" "$(state_field drained_by) $(state_field weight)"
lab_expect_eq "still 4096 bytes: rewritten in place" "4096" "$(stat -c %s "$AGENT_STATE")"

lab_step "kill -9; rs1 comes back; the daemon starts again, the file system still full"
agent_stop KILL
lab_rs_start 1
lab_wait_port rs1 "$LAB_PORT" "$(lab_rip 1)"
agent_start || lab_finish
lab_expect_eq "the kernel's 0 is not read as an operator's drain" "0" \
  "$(agent_log_count "an administrative drain left alone")"
agent_wait_weight 1 7 10
lab_expect_eq "rs1 restored to its configured 7 after rise" "7" "$(agent_weight 1)"
lab_expect_eq "the state file says so" "None 7" "$(state_field drained_by) $(state_field weight)"
agent_stop TERM
rm -f "$full/filler"
agent_finish
