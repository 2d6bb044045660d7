#!/usr/bin/env bash
# drcheck's DR-path probe services, made through the IPVS API (ipvs-lab drives IPVSClient): a fwmark
# service per real server (scheduler rr, one-packet scheduling) with exactly one destination, the real server by
# direct routing at weight 1. They appear in ipvsadm exactly, creating again changes nothing, creating repairs what
# someone changed, IPv6 works, and deleting makes them vanish (deleting again is no error). Other services are never
# touched.
. "$(dirname "$0")/../lab/scenario.sh"
ipvs_lab=$(lab_exe ipvs-lab) || exit 1

lab_modprobe ip_vs ip_vs_rr || exit 1
ipvsadm -A -t 198.51.100.33:8000 -s rr && ipvsadm -a -t 198.51.100.33:8000 -r 203.0.113.21:8000 -g -w 3
production=$(ipvsadm -Sn)

# probes: ipvsadm's saved rules for fwmark services only.
probes() { ipvsadm -Sn | grep -E -- '-f [0-9]+' || true; }

# run ARG...: runs ipvs-lab and checks it succeeded.
run() {
  local out status=0
  out=$("$ipvs_lab" "$@" 2>&1) || status=$?
  echo "ipvs-lab $*: $out"
  lab_expect_eq "ipvs-lab $* succeeds" 0 "$status"
}

lab_step "create probe services for two IPv4 real servers and one IPv6"
run probe-create 65537 203.0.113.21
run probe-create 65538 203.0.113.22
run probe-create 65539 2001:db8::21
expected="-A -f 65537 -s rr -o
-a -f 65537 -r 203.0.113.21:0 -g -w 1
-A -f 65538 -s rr -o
-a -f 65538 -r 203.0.113.22:0 -g -w 1
-A -f 65539 -6 -s rr -o
-a -f 65539 -6 -r [2001:db8::21]:0 -g -w 1"
lab_expect_eq "ipvsadm shows exactly the three services, each with its one DR destination at weight 1" \
  "$expected" "$(probes)"

lab_step "creating again is idempotent"
run probe-create 65537 203.0.113.21
run probe-create 65539 2001:db8::21
lab_expect_eq "the same three services, nothing added" "$expected" "$(probes)"

lab_step "creating repairs a probe service someone changed (weight 0, thresholds, a stray destination)"
ipvsadm -e -f 65537 -r 203.0.113.21:0 -g -w 0 -x 5
ipvsadm -a -f 65537 -r 203.0.113.29:0 -g -w 4
run probe-create 65537 203.0.113.21
lab_expect_eq "back to exactly one DR destination at weight 1" "$expected" "$(probes)"
lab_expect_eq "its thresholds are 0 again" "0 0" \
  "$(ipvsadm -Ln --thresholds -f 65537 | awk '$1 == "->" && NF > 2 {print $3, $4}')"

lab_step "a probe service for a new real server of the same mark replaces the old one's destination"
run probe-create 65538 203.0.113.23
lab_expect_eq "mark 65538 now has 203.0.113.23 only" "-a -f 65538 -r 203.0.113.23:0 -g -w 1" \
  "$(ipvsadm -Sn | grep -- '-a -f 65538 ')"

lab_step "delete: the services vanish; deleting again is no error"
run probe-delete 65537 ipv4
run probe-delete 65538 ipv4
run probe-delete 65539 ipv6
lab_expect_eq "no fwmark service is left" "" "$(probes)"
run probe-delete 65537 ipv4
run probe-delete 65539 ipv6
lab_expect_eq "the production service is untouched" "$production" "$(ipvsadm -Sn)"

lab_finish
