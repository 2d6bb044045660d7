#!/usr/bin/env bash
# IPVS figures inside the lab kernel (prints them; asserts nothing): a full dump of a table of 5,000
# destinations through drcheck's netlink client, and 1,000 weight updates (each a SET_DEST echoing every field),
# with ipvsadm doing the same for scale. Run from the host: Checks/bench/ipvs-bench.sh; it builds ipvs-lab
# optimized (swift build -c release, in SCRATCH, default .build) and boots the lab itself.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lab/lib.sh"
if ! lab_inside; then
  scratch=${SCRATCH:-.build}
  (cd "$here/../.." && swift build -c release --scratch-path "$scratch" --product ipvs-lab >/dev/null) || exit 1
  IPVS_LAB=$(cd "$here/../.." && cd "$scratch/release" && pwd)/ipvs-lab
  lab_rerun_inside "$here/ipvs-bench.sh" IPVS_LAB="$IPVS_LAB" DRCHECK="${DRCHECK:-}"
fi
drcheck=${DRCHECK:-}
drcheck=${drcheck:-$LAB_ROOT/.build/debug/drcheck}
ipvs_lab=${IPVS_LAB:-$LAB_ROOT/.build/release/ipvs-lab}
[ -x "$ipvs_lab" ] || { echo "ipvs-bench: $ipvs_lab missing" >&2; exit 1; }
lab_modprobe ip_vs ip_vs_wlc || exit 1

# ms CMD...: wall time of CMD in milliseconds (output dropped).
ms() {
  local start end
  start=$(date +%s%N)
  "$@" >/dev/null
  end=$(date +%s%N)
  echo $(((end - start) / 1000000))
}

echo "== a table of 5,000 destinations: one service, 250 real servers x 20 ports (NAT), loaded with ipvsadm -R"
{
  echo "-A -t 198.51.100.33:80 -s wlc"
  for port in $(seq 8001 8020); do
    for i in $(seq 1 250); do echo "-a -t 198.51.100.33:80 -r 203.0.113.$i:$port -m -w 1"; done
  done
} | ipvsadm -R
echo "destinations: $(ipvsadm -Ln | grep -c -- '-> 203')"

echo
echo "== full dump (GET_SERVICE + GET_DEST dumps, decoded; ipvs-lab built -c release), in process, 5 runs"
"$ipvs_lab" bench-dump 5
echo "$drcheck ipvs --json (process start, dump, JSON): $(ms "$drcheck" ipvs --json) ms"
echo "$drcheck ipvs (process start, dump, text): $(ms "$drcheck" ipvs) ms"
echo "ipvsadm -Ln (for scale): $(ms ipvsadm -Ln) ms"

echo
echo "== 1,000 weight updates (SET_DEST with every field as read), in process"
"$ipvs_lab" bench-weights tcp:198.51.100.33:80 1000
"$ipvs_lab" bench-weights tcp:198.51.100.33:80 1000
start=$(date +%s%N)
for i in $(seq 1 100); do ipvsadm -e -t 198.51.100.33:80 -r "203.0.113.$i:8001" -m -w 2; done
end=$(date +%s%N)
echo "ipvsadm -e, 100 processes (for scale): $(((end - start) / 1000000)) ms"
