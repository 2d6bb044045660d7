#!/usr/bin/env bash
# The size of drcheck's /metrics at N destinations, measured on the real daemon in the lab kernel (prints figures;
# asserts nothing): the pool of lab-pool.sh (N destinations, one nginx, every server healthy), the drcheck daemon
# discovering it (`interval` INTERVAL, default 5 s, `mode: rip`), and, once every server has been probed and the kernel's
# counters read, one scrape plain and one with `Accept-Encoding: gzip` for each setting of the config's `metrics`
# block, switched by reload (SIGHUP): every family, `probe_durations: false`, `ipvs_counters: false`, both false,
# and every family again (meanwhile servers may have gained series, a `timeout` result class say, so the last two
# scrapes are the closest pair).
# Per scrape: the bytes on the wire and the series (sample lines). Why it exists: the sizes the README and
# OPERATIONS.md give are these, not estimates.
# Usage (from the host): Checks/bench/scrape-size.sh [N]   (default 2000; DRCHECK=path for the drcheck binary, default
# the debug build, `swift build` first: the exposition is the same from any build). The scrapes are left in
# Checks/out/scrape-size/.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lab/lib.sh"
lab_rerun_inside "$here/scrape-size.sh" ${DRCHECK:+DRCHECK="$(realpath "$DRCHECK")"} INTERVAL="${INTERVAL:-5}" -- "$@"
n=${1:-2000}
interval=${INTERVAL:-5}
dir=$LAB_STATE/scrape
. "$here/lab-pool.sh"
drcheck=$(lab_exe drcheck) || exit 1
out=$LAB_ROOT/Checks/out/scrape-size
metrics=http://127.0.0.1:9469/metrics
# A scrape of thousands of servers takes longer than lab_get's 2 s inside UML's one trapped CPU.
slow=(--max-time 60)

# fail TEXT: says why, keeps the daemon's log in $out and exits 1.
fail() {
  echo "scrape-size: $*" >&2
  [ -z "${pid:-}" ] || kill -0 "$pid" 2>/dev/null || echo "scrape-size: the daemon is gone" >&2
  cp "$dir/drcheck.log" "$out/" 2>/dev/null
  exit 1
}

# config DURATIONS COUNTERS: writes the daemon's config with the metrics block's two settings.
config() {
  printf 'discover: true\ndefaults: {interval: %ss, timeout: 1s, rise: 1, fall: 2, mode: rip}\n' "$interval" \
    >"$dir/drcheck.yaml"
  printf 'metrics:\n  probe_durations: %s\n  ipvs_counters: %s\n' "$1" "$2" >>"$dir/drcheck.yaml"
}

# families_are DURATIONS COUNTERS: succeeds when a plain scrape has the duration histograms and the kernel's counters
# exactly as said (a reload shows from the next rendering on: the body is cached up to 1 s).
families_are() {
  local body has_durations=false has_counters=false
  body=$(lab_get lvs "$metrics" "${slow[@]}") || return 1
  ! grep -q '^drcheck_probe_duration_seconds_count{' <<<"$body" || has_durations=true
  ! grep -q '^drcheck_ipvs_connections_total{' <<<"$body" || has_counters=true
  [ "$has_durations $has_counters" == "$1 $2" ]
}

# scrape NAME: one plain and one gzip scrape, kept in $out; prints "NAME plain-bytes gzip-bytes series".
scrape() {
  local plain gzip series encoding
  lab_get lvs "$metrics" "${slow[@]}" -o "$out/$1.txt" || fail "scrape of $1 failed"
  encoding=$(lab_get lvs "$metrics" "${slow[@]}" -H 'Accept-Encoding: gzip' -o "$out/$1.txt.gz" -D - | tr -d '\r' |
    awk -F': ' 'tolower($1) == "content-encoding" { print $2 }')
  [ "$encoding" == gzip ] || fail "the gzip scrape of $1 came back with Content-Encoding '$encoding'"
  plain=$(stat -c %s "$out/$1.txt")
  gzip=$(stat -c %s "$out/$1.txt.gz")
  series=$(zcat "$out/$1.txt.gz" | grep -vc '^#')
  echo "$1 $plain $gzip $series"
}

mkdir -p "$dir" "$out"
ulimit -n 65536 || fail "ulimit -n 65536 refused"
topology || fail "topology failed"
nginx_start || fail "nginx did not listen: $(tail -n 5 "$dir/nginx.err")"
ipvs_rules | lab_in lvs ipvsadm -R || fail "ipvsadm -R failed"
config true true
ip netns exec lvs "$drcheck" --config "$dir/drcheck.yaml" --state "$dir/state.json" --listen 127.0.0.1:9469 \
  2>"$dir/drcheck.log" >/dev/null &
pid=$!
echo "== $n destinations: $services service(s) x up to $rips RIPs, one nginx; drcheck $drcheck, every check" \
  "$interval s, rip mode"
LAB_WAIT=60 lab_wait_port lvs 9469 127.0.0.1 || fail "drcheck did not listen: $(tail -n 5 "$dir/drcheck.log")"
lab_wait 180 lab_prints ok lab_get lvs http://127.0.0.1:9469/healthz ||
  fail "not every server was probed in 180 s: $(tail -n 5 "$dir/drcheck.log")"
# Every server probed once more and the kernel's table read again (discovery, every 5 s): each series is there.
sleep $((interval + 6))
up=$(lab_get lvs "$metrics" "${slow[@]}" | grep -c '^drcheck_real_server_up{.* 1.0$')
echo "== ready; $up of $n servers up"
results=()
for setting in "all true true" "no_durations false true" "no_ipvs_counters true false" "neither false false" \
  "all_again true true"; do
  read -r name durations counters <<<"$setting"
  if [ "$name" != all ]; then
    config "$durations" "$counters"
    kill -HUP "$pid"
    lab_wait 20 families_are "$durations" "$counters" || fail "the reload to $name did not show: $(tail -n 3 "$dir/drcheck.log")"
  fi
  line=$(scrape "$name") || exit 1
  results+=("$line")
done
kill -TERM "$pid"
wait "$pid"
cp "$dir/drcheck.log" "$dir/drcheck.yaml" "$out/"
echo
printf '%-70s %12s %12s %8s\n' "metrics block" "plain bytes" "gzip bytes" series
for line in "${results[@]}"; do
  read -r name plain gzip series <<<"$line"
  case $name in
    all) what="probe_durations: true, ipvs_counters: true (the default)" ;;
    no_durations) what="probe_durations: false" ;;
    no_ipvs_counters) what="ipvs_counters: false" ;;
    neither) what="probe_durations: false, ipvs_counters: false" ;;
    all_again) what="both true again, by reload (a minute later: more result classes, e.g. timeout)" ;;
  esac
  printf '%-70s %12s %12s %8s\n' "$what" "$plain" "$gzip" "$series"
done
