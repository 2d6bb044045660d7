#!/usr/bin/env bash
# A weight set by drcheck (`drcheck ipvs set-weight`, which echoes every field as read) is the weight ipvsadm
# shows, and nothing else about that destination changes: its whole ipvsadm line in every view (forwarding,
# tunnel type/port/checksum, thresholds, persistent connections, the saved rule) is as before but for the weight.
# The GUE destination keeps its tunnel settings. For contrast, `ipvsadm -e` given only the weight resets them.
. "$(dirname "$0")/../lab/scenario.sh"
drcheck=$(lab_exe drcheck) || exit 1

lab_step "services with DR, NAT-with-thresholds, GUE, GRE and IPIP destinations"
lab_modprobe ip_vs ip_vs_rr ip_vs_wlc || exit 1
ipvsadm -R <<'RULES' || { echo "FAIL - ipvsadm -R"; exit 1; }
-A -t 198.51.100.33:8000 -s rr
-a -t 198.51.100.33:8000 -r 203.0.113.21:8000 -g -w 3
-a -t 198.51.100.33:8000 -r 203.0.113.22:8080 -m -w 2 -x 100 -y 10
-a -t 198.51.100.33:8000 -r 203.0.113.23:8000 -i -w 4 --tun-type gue --tun-port 6080 --tun-remcsum
-a -t 198.51.100.33:8000 -r 203.0.113.24:8000 -i -w 4 --tun-type gre --tun-csum
-A -u [2001:db8::33]:53 -s wlc -p 120
-a -u [2001:db8::33]:53 -r [2001:db8::21]:53 -i -w 5 -x 50 -y 5 --tun-type gue --tun-port 6081
-a -u [2001:db8::33]:53 -r [2001:db8::22]:53 -i -w 5
-A -f 5 -s rr
-a -f 5 -r 203.0.113.25:0 -g -w 1 -x 7
RULES

# lines SERVICE-ARGS RIP:PORT: the destination's line in every ipvsadm view, and its saved rule, one per line.
lines() {
  local view
  for view in "" --thresholds --persistent-conn --tun-info; do
    # shellcheck disable=SC2086
    ipvsadm -Ln --exact $view $1 | grep -F -- "-> $2 "
  done
  ipvsadm -Sn | grep -F -- " -r $2 "
}

# weight_of SERVICE-ARGS RIP:PORT: the weight ipvsadm shows.
weight_of() {
  # shellcheck disable=SC2086
  ipvsadm -Ln --exact $1 | awk -v ep="$2" '$1 == "->" && $2 == ep {print $4}'
}

# weights LINES: the weight in each view's line (none in --thresholds), space-separated.
weights() { awk 'NR == 1 {w = $4} NR == 3 {w = w " " $3} NR == 4 {w = w " " $5} NR == 5 {
  for (i = 1; i < NF; i++) if ($i == "-w") w = w " " $(i + 1) } END {print w}' <<<"$1"; }

# without_weight LINES: the lines with spaces squeezed and the weight replaced by W (column widths follow it).
without_weight() { awk 'NR == 1 {$4 = "W"} NR == 3 {$3 = "W"} NR == 4 {$5 = "W"} NR == 5 {
  for (i = 1; i < NF; i++) if ($i == "-w") $(i + 1) = "W" } {$1 = $1; print}' <<<"$1"; }

# set_and_compare SERVICE-ARGS SERVICE-NAME RIP:PORT NEW-WEIGHT
set_and_compare() {
  local args=$1 name=$2 rip=$3 weight=$4 before after out
  before=$(lines "$args" "$rip")
  out=$("$drcheck" ipvs set-weight "$name" "$rip" "$weight" 2>&1)
  echo "drcheck ipvs set-weight $name $rip $weight: $out"
  after=$(lines "$args" "$rip")
  echo "$after" | sed 's/^/    /'
  lab_expect_eq "$name $rip: ipvsadm shows weight $weight in -Ln, --persistent-conn, --tun-info and -S" \
    "$weight $weight $weight $weight" "$(weights "$after")"
  lab_expect_eq "$name $rip: the rest of every ipvsadm line is as before" \
    "$(without_weight "$before")" "$(without_weight "$after")"
}

lab_step "drcheck sets each weight; ipvsadm is the oracle"
set_and_compare "-t 198.51.100.33:8000" tcp:198.51.100.33:8000 203.0.113.21:8000 9
set_and_compare "-t 198.51.100.33:8000" tcp:198.51.100.33:8000 203.0.113.22:8080 0
set_and_compare "-t 198.51.100.33:8000" tcp:198.51.100.33:8000 203.0.113.23:8000 17
set_and_compare "-t 198.51.100.33:8000" 198.51.100.33:8000/tcp 203.0.113.24:8000 1 # as logs write it
set_and_compare "-u [2001:db8::33]:53" "udp:[2001:db8::33]:53" "[2001:db8::21]:53" 65535
set_and_compare "-f 5" fwmark:5 203.0.113.25:0 0
lab_expect_eq "the GUE destination keeps gue, port 6080, remote checksum" "gue:6080:r+c" \
  "$(ipvsadm -Ln --tun-info -t 198.51.100.33:8000 | awk '$2 == "203.0.113.23:8000" {print $4}')"
lab_expect_eq "the other destinations' lines did not move (203.0.113.21 still weight 9 after the others)" 9 \
  "$(weight_of "-t 198.51.100.33:8000" 203.0.113.21:8000)"

lab_step "contrast: ipvsadm -e with only the weight resets the GUE settings drcheck kept"
ipvsadm -e -t 198.51.100.33:8000 -r 203.0.113.23:8000 -i -w 5
lab_expect_eq "after ipvsadm -e the GUE destination is plain ipip" "ipip" \
  "$(ipvsadm -Ln --tun-info -t 198.51.100.33:8000 | awk '$2 == "203.0.113.23:8000" {print $4}')"

lab_step "bad input is a one-line error, exit 2, and changes nothing"
before=$(ipvsadm -Sn)
for args in "tcp:198.51.100.33 203.0.113.21:8000 1" "tcp:198.51.100.33:8000 203.0.113.21 1" \
  "tcp:198.51.100.33:8000 203.0.113.21:8000 -1" "tcp:198.51.100.33:8000 203.0.113.21:8000 x"; do
  status=0
  # shellcheck disable=SC2086
  out=$("$drcheck" ipvs set-weight $args 2>&1) || status=$?
  echo "set-weight $args: $out"
  lab_expect_eq "set-weight $args: exit 2 with one line" "2 1" "$status $(echo "$out" | grep -c .)"
done
lab_expect_eq "the table is unchanged" "$before" "$(ipvsadm -Sn)"

lab_finish
