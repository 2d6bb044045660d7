#!/usr/bin/env bash
# Who may read IPVS: as an unprivileged user (nobody, no capabilities) every IPVS command, reads included, is
# refused with the permission message and exit status 3; before the ip_vs module is loaded, the availability
# message and exit status 3 (the same as on a development machine's kernel without IPVS). A client that stays
# open (the daemon's) says IPVS is not available while ip_vs is unloaded and reads the table again once it is back.
. "$(dirname "$0")/../lab/scenario.sh"
drcheck=$(lab_exe drcheck) || exit 1
ipvs_lab=$(lab_exe ipvs-lab) || exit 1

# outcome CMD...: "STATUS: STDERR" of CMD (stdout dropped).
outcome() {
  local err status=0
  err=$("$@" 2>&1 >/dev/null) || status=$?
  echo "$status: $err"
}

lab_step "before modprobe ip_vs: the kernel has no IPVS family"
lab_expect_eq "drcheck ipvs: the availability message, exit 3" \
  '3: drcheck: IPVS is not available in this kernel: load it with `modprobe ip_vs`' "$(outcome "$drcheck" ipvs)"

lab_step "with ip_vs loaded, as nobody (uid 65534, no groups, no capabilities)"
lab_modprobe ip_vs ip_vs_rr || exit 1
ipvsadm -A -t 198.51.100.33:8000 -s rr && ipvsadm -a -t 198.51.100.33:8000 -r 203.0.113.21:8000 -g -w 3
nobody=(setpriv --reuid 65534 --regid 65534 --clear-groups)
permission='IPVS refused access: every IPVS command, reads included, needs CAP_NET_ADMIN (run as root)'
lab_expect_eq "drcheck ipvs: the permission message, exit 3" "3: drcheck: $permission" \
  "$(outcome "${nobody[@]}" "$drcheck" ipvs)"
lab_expect_eq "drcheck ipvs set-weight: the permission message, exit 3" "3: drcheck: $permission" \
  "$(outcome "${nobody[@]}" "$drcheck" ipvs set-weight tcp:198.51.100.33:8000 203.0.113.21:8000 0)"
lab_expect_eq "a probe service through the API: the permission error" "error: $permission" \
  "$("${nobody[@]}" "$ipvs_lab" probe-create 65537 203.0.113.21)"
lab_expect_eq "nothing changed" "-A -t 198.51.100.33:8000 -s rr
-a -t 198.51.100.33:8000 -r 203.0.113.21:8000 -g -w 3" "$(ipvsadm -Sn)"
lab_expect_eq "as root the same command reads the table" "0: " "$(outcome "$drcheck" ipvs)"

lab_step "one client kept open while ip_vs is unloaded and loaded again (its family id changes)"
fifo=/tmp/watch.in log=/tmp/watch.out
mkfifo "$fifo"
"$ipvs_lab" watch <"$fifo" >"$log" 2>&1 &
watcher=$!
exec 7>"$fifo"
# ask: one table read by the open client; prints its answer.
ask() {
  local before waited=0
  before=$(wc -l <"$log")
  echo read >&7
  until [ "$(wc -l <"$log")" -gt "$before" ] || [ "$waited" -ge 100 ]; do sleep 0.05; waited=$((waited + 1)); done
  tail -1 "$log"
}
lab_expect_eq "loaded: it reads the table" "1 services, 1 destinations" "$(ask)"
ipvsadm -C && modprobe -d /tmp/m -r ip_vs_rr ip_vs
lab_expect_eq "unloaded: the availability message" \
  'error: IPVS is not available in this kernel: load it with `modprobe ip_vs`' "$(ask)"
lab_modprobe ip_vs ip_vs_rr && ipvsadm -A -f 9 -s rr
lab_expect_eq "loaded again: the same client reads the new table" "1 services, 0 destinations" "$(ask)"
exec 7>&-
wait "$watcher"

lab_finish
