#!/usr/bin/env bash
# IPVS goes away and comes back under drcheck in dr mode. rs2's web server is stopped and drained; then the IPVS side
# reboots as an operator's would: the VIP service's rules saved (rs2 at 0, as drcheck left it), the table flushed,
# ip_vs unloaded, and 4 s later ip_vs loaded and the saved rules restored. drcheck's own probe services went with the
# table: it makes them again (a line each), and no probe that did not take rs2's own probe service counts: ipvsadm,
# sampled every ~0.3 s through the outage and 15 s after, never shows rs2 at its weight while it is down; rs1 and rs3
# keep theirs. Then another manager rewrites drcheck's probe services in place, rs1's mark leading to rs2 and rs2's
# to rs1: drcheck notices (a probe whose verdict would change a server reads its service first), makes both again
# naming where they led, counts none of those probes, and rs2 stays at 0. rs2 is restored only once its web server
# answers through its own probe service.
. "$(dirname "$0")/../lab/scenario.sh" agent

# probe_services: drcheck's DR probe services (agent_probe_services) joined by "|".
probe_services() { agent_probe_services | paste -sd'|'; }

# sample_rs2 FILE: until FILE.stop exists, appends "UNIX-TIME WEIGHT" every ~0.3 s with rs2's weight in the VIP
# service as ipvsadm shows it ("none": no such destination, or no IPVS at all). One shell in lvs: one exec a sample.
sample_rs2() {
  lab_in lvs bash -c 'while [ ! -e "$1.stop" ]; do
      w=$(ipvsadm -Ln -t "$2" 2>/dev/null | awk -v rip="$3" "\$1 == \"->\" && \$2 == rip {print \$4}")
      echo "$EPOCHREALTIME ${w:-none}"
      sleep 0.1
    done' - "$1" "$LAB_SERVICE" "$(lab_rip 2):$LAB_PORT" >>"$1"
}

lab_step "topology: rs1, rs2, rs3 at weight 7; drcheck in dr mode"
lab_topology_or_exit 3
for i in 1 2 3; do echo "-e -t $LAB_SERVICE -r $(lab_rip "$i"):$LAB_PORT -g -w 7"; done | lab_in lvs ipvsadm -R
agent_web_config "fall: 2" | agent_config
agent_start || lab_finish
agent_wait_ready
mark1=$AGENT_PROBE_MARK_FIRST mark2=$((AGENT_PROBE_MARK_FIRST + 1)) mark3=$((AGENT_PROBE_MARK_FIRST + 2))
wanted="$mark1 203.0.113.21:0 Route 1|$mark2 203.0.113.22:0 Route 1|$mark3 203.0.113.23:0 Route 1"
lab_expect_eq "one DR probe service per real server" "$wanted" "$(probe_services)"

lab_step "rs2's web server stops"
lab_rs_stop 2
agent_wait_weight 2 0 15
lab_expect_eq "rs2 drained, rs1 and rs3 at their weight" "rs1=7 rs2=0 rs3=7" "$(agent_weights)"

lab_step "the IPVS side reboots: VIP rules saved, table flushed, ip_vs unloaded; 4 s later loaded and restored"
rules=$(lab_in lvs ipvsadm-save -n | grep -F -- "-t $LAB_SERVICE")
lab_expect_eq "the saved rules hold rs2 at 0, as drcheck left it" "-a -t $LAB_SERVICE -r $(lab_rip 2):$LAB_PORT -g -w 0" \
  "$(grep -F -- "$(lab_rip 2)" <<<"$rules")"
samples=$LAB_STATE/rs2-weights
sample_rs2 "$samples" &
sampler=$!
sleep 1
lab_in lvs ipvsadm -C && modprobe -d /tmp/m -r ip_vs_rr ip_vs
lab_expect_eq "ip_vs unloaded" "" "$(grep '^ip_vs' /proc/modules)"
sleep 4
lab_modprobe ip_vs ip_vs_rr && lab_in lvs ipvsadm -R <<<"$rules"
back=$EPOCHREALTIME
lab_expect_eq "the VIP service is back with rs2 at 0" "rs1=7 rs2=0 rs3=7" "$(agent_weights)"
agent_wait_log "recreated: it was gone from the IPVS table" 3 15
sleep "$(awk -v back="$back" -v now="$EPOCHREALTIME" 'BEGIN { w = back + 15 - now; print (w > 0 ? w : 0) }')"
touch "$samples.stop"
wait "$sampler"

lab_step "15 s after the table came back"
echo "figure: $(wc -l <"$samples") samples of rs2's weight, $(awk -v back="$back" '$1 > back' "$samples" | wc -l) after" \
  "the table came back; values in order: $(awk '{print $2}' "$samples" | uniq | paste -sd' ')"
lab_expect_eq "rs2 at 0 in every sample, absent only while IPVS was away (runs of values)" "0 none 0" \
  "$(awk '{print $2}' "$samples" | uniq | paste -sd' ')"
lab_expect_eq "the samples cover 15 s after the table came back" "yes" \
  "$(awk -v back="$back" 'END { print ($1 >= back + 14.5 ? "yes" : "no") }' "$samples")"
lab_expect_eq "the probe services are back, each leading to its own real server" "$wanted" "$(probe_services)"
lab_expect_eq "the log says each was recreated" "203.0.113.21 203.0.113.22 203.0.113.23" \
  "$(grep -o 'DR probe service fwmark [0-9]* -> [0-9.]* recreated' "$AGENT_LOG" | awk '{print $7}' | sort -u | paste -sd' ')"
lab_expect_eq "rs1 and rs3 keep their weights, rs2 stays drained" "rs1=7 rs2=0 rs3=7" "$(agent_weights)"
lab_expect_eq "rs2's probes through its own probe service are refused" "connect_refused" \
  "$(agent_status_field 2 last_result)"

lab_step "another manager rewrites drcheck's probe services in place: rs1's and rs2's marks swapped"
discounted() { agent_metric 'drcheck_probes_discounted_total{reason="probe_service"}' | awk '{print $1 + 0}'; }
before=$(discounted)
rewrite=$LAB_STATE/rs2-weights-rewrite
sample_rs2 "$rewrite" &
sampler=$!
sleep 1
lab_in lvs ipvsadm -R <<<"-d -f $mark1 -r 203.0.113.21
-a -f $mark1 -r 203.0.113.22 -g -w 1
-d -f $mark2 -r 203.0.113.22
-a -f $mark2 -r 203.0.113.21 -g -w 1"
back=$EPOCHREALTIME
agent_wait_log "recreated: it led to" 2 15
sleep "$(awk -v back="$back" -v now="$EPOCHREALTIME" 'BEGIN { w = back + 10 - now; print (w > 0 ? w : 0) }')"
touch "$rewrite.stop"
wait "$sampler"
echo "figure: $(wc -l <"$rewrite") samples of rs2's weight through the rewrite and 10 s after"
lab_expect_eq "rs2 at 0 in every sample" "0" "$(awk '{print $2}' "$rewrite" | uniq | paste -sd' ')"
lab_expect_eq "each swapped probe service was made again, naming where it led" \
  "fwmark $mark1 -> 203.0.113.21 recreated: it led to 203.0.113.22 at weight 1|fwmark $mark2 -> 203.0.113.22 recreated: it led to 203.0.113.21 at weight 1" \
  "$(grep -o 'fwmark [0-9]* -> [0-9.]* recreated: it led to [0-9.]* at weight [0-9]*' "$AGENT_LOG" | paste -sd'|')"
lab_expect_eq "the probe services lead to their own real servers again" "$wanted" "$(probe_services)"
lab_expect_eq "rs1 and rs3 keep their weights, rs2 stays drained" "rs1=7 rs2=0 rs3=7" "$(agent_weights)"
lab_expect_eq "probes through a swapped service were not counted (drcheck_probes_discounted_total grew)" "yes" \
  "$(awk -v a="$before" -v b="$(discounted)" 'BEGIN { print (b > a ? "yes" : "no") }')"

lab_step "rs2's web server starts again"
: >"$LAB_STATE/rs2.log"
lab_rs_start 2
agent_wait_weight 2 7 15
lab_expect_eq "rs2 restored to 7, the others untouched" "rs1=7 rs2=7 rs3=7" "$(agent_weights)"
# A DR probe reaches rs2 from the DIP with the VIP:port as its Host; a RIP probe names the VIP alone.
restored=$(agent_status_field 2 last_change_at)
lab_expect_eq "restored after exactly rise=2 answers through its probe service" "2" \
  "$(awk -v t="$restored" -v dip="$LAB_DIP" -v host="host=$LAB_SERVICE" '$1 <= t && $2 == dip && index($0, host)' \
    "$LAB_STATE/rs2.log" | wc -l)"
agent_finish
