#!/usr/bin/env bash
# Packaging checks: builds the .deb and checks what an operator gets from it.
# Usage: Checks/packaging/check.sh [DEB]   Builds the .deb with Packaging/build-deb.sh, or checks DEB as given.
# Prints ok/FAIL (or skip) per check and "N passed, N failed"; exit 1 on a failure.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
started=$(date +%s)

ok() {
  echo "ok   $1"
  passed=$((passed + 1))
}
fail() {
  echo "FAIL $1"
  [ -s "$work/log" ] && sed 's/^/     | /' "$work/log" | tail -n 25
  failed=$((failed + 1))
}
skip() { echo "skip $1"; }
# check NAME COMMAND...: ok when COMMAND exits 0, else FAIL with its output.
check() {
  local name=$1
  shift
  if "$@" >"$work/log" 2>&1; then ok "$name"; else fail "$name"; fi
}
# quiet NAME COMMAND...: ok when COMMAND exits 0 and prints nothing (tools that only warn, exit 0).
quiet() {
  local name=$1
  shift
  if "$@" >"$work/log" 2>&1 && [ ! -s "$work/log" ]; then ok "$name"; else fail "$name"; fi
}
finish() {
  echo "$passed passed, $failed failed ($(($(date +%s) - started)) s)"
  [ "$failed" -eq 0 ]
  exit
}

# --- the build -----------------------------------------------------------------------------------------------------
if [ $# -ge 1 ]; then
  deb=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
  echo "checking $deb (not built here)"
else
  build_started=$(date +%s)
  # Into Packaging/out, where scenario 70 (Checks/scenarios/70-package-fail-recover.sh) takes the newest .deb from.
  if deb=$("$repo/Packaging/build-deb.sh" 2>"$work/log" | tail -n 1) && [ -f "$deb" ]; then
    ok "build-deb.sh builds $(basename "$deb") ($(($(date +%s) - build_started)) s, $(du -m "$deb" | cut -f1) MB)"
  else
    fail "build-deb.sh builds the .deb"
    finish
  fi
fi

# --- lintian -------------------------------------------------------------------------------------------------------
lintian --info --no-tag-display-limit "$deb" >"$work/lintian" 2>&1
summary=$(grep -oE '^[EWIPX]: drcheck[^:]*: [a-z0-9.+-]+' "$work/lintian" | awk '{print $1, $3}' | sort | uniq -c |
  awk '{printf "%s%s %s (%s)", sep, $2, $3, $1; sep=", "}')
if grep -q '^E: ' "$work/lintian"; then
  cp "$work/lintian" "$work/log"
  fail "lintian: no errors (tags: $summary)"
else
  ok "lintian: no errors (tags: ${summary:-none})"
fi

# --- the control data ----------------------------------------------------------------------------------------------
depends=$(dpkg-deb --field "$deb" Depends)
for library in libc6 libcurl4 libnl-3-200 libnl-genl-3-200 libyaml-0-2 zlib1g; do
  check "Depends (from dpkg-shlibdeps) names $library" grep -qE "(^|, )$library( |,|$)" <<<"$depends"
done
check "Depends names no Swift runtime (linked statically)" bash -c "! grep -qi swift <<<'$depends'"
check "conffiles: the example config and the cron file" \
  diff <(dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles) \
  <(printf '/etc/cron.d/drcheck\n/etc/drcheck/drcheck.yaml\n')

# --- the files -----------------------------------------------------------------------------------------------------
root="$work/root"
dpkg -x "$deb" "$root"
expect_file() { # PATH MODE
  [ -f "$root$1" ] && [ "$(stat -c %a "$root$1")" = "$2" ] && [ "$(stat -c %U:%G "$root$1")" = root:root ]
}
for entry in /usr/sbin/drcheck:755 /usr/lib/systemd/system/drcheck.service:644 \
  /usr/lib/systemd/system/drcheck-once.service:644 /usr/lib/systemd/system/drcheck-once.timer:644 \
  /etc/drcheck/drcheck.yaml:644 \
  /etc/cron.d/drcheck:644 /usr/share/man/man8/drcheck.8.gz:644 /usr/share/man/man5/drcheck.yaml.5.gz:644 \
  /usr/share/doc/drcheck/copyright:644 \
  /usr/share/doc/drcheck/changelog.gz:644 /usr/share/doc/drcheck/OPERATIONS.md:644 \
  /usr/share/doc/drcheck/examples/alerts.yml:644 /usr/share/doc/drcheck/examples/grafana-dashboard.json:644 \
  /usr/share/lintian/overrides/drcheck:644; do
  check "file ${entry%:*} (mode ${entry#*:}, root:root)" expect_file "${entry%:*}" "${entry#*:}"
done
units="$root/usr/lib/systemd/system"
check "units and examples are the repository's files" diff \
  <(cd "$repo/Packaging" && cat drcheck.service drcheck-once.service drcheck-once.timer drcheck.yaml drcheck.cron) \
  <(cat "$units/drcheck.service" "$units/drcheck-once.service" "$units/drcheck-once.timer" \
    "$root/etc/drcheck/drcheck.yaml" "$root/etc/cron.d/drcheck")
binary="$root/usr/sbin/drcheck"
check "binary needs no libswift*.so" bash -c "! readelf -d '$binary' | grep -q 'NEEDED.*libswift'"
check "binary is stripped" bash -c "! readelf -S '$binary' | grep -q '\.symtab'"
# FoundationEssentials at most: full Foundation brings ICU, whose data alone (icudt*) was 32 MiB of 59.
check "binary carries no ICU (no icudt symbol or data, no FoundationInternationalization)" \
  bash -c "! { nm -D '$binary'; strings -a '$binary'; } | grep -qE 'icudt|FoundationInternationalization'"
check "the shipped binary defines no C library function (Checks/libc-names.sh)" "$repo/Checks/libc-names.sh" "$binary"
size_kb=$(du -k "$deb" | cut -f1)
installed_kb=$(dpkg-deb --field "$deb" Installed-Size)
check "the .deb is at most 6 MB ($((size_kb / 1024)) MB) and installs at most 20 MB ($((installed_kb / 1024)) MB)" \
  test "$size_kb" -le 6144 -a "$installed_kb" -le 20480

# --- the packaged binary -------------------------------------------------------------------------------------------
check "drcheck --help exits 0 and names --once" bash -c "'$binary' --help | grep -q -- '--once'"
if "$binary" config check --help >/dev/null 2>&1; then
  check "drcheck config check accepts the example config" "$binary" config check --config "$root/etc/drcheck/drcheck.yaml"
  # Uncommenting every setting ("#key: value" and "#  key: value" lines) must give a valid file, and uncommenting
  # only the documented defaults must change nothing: the example's defaults are the real ones.
  sed -E 's/^#([^ ]|  )/\1/' "$root/etc/drcheck/drcheck.yaml" >"$work/all.yaml"
  check "example with every setting uncommented is valid" "$binary" config check --config "$work/all.yaml"
  sed -E '/^#services:/,$d; s/^#([^ ]|  )/\1/' "$root/etc/drcheck/drcheck.yaml" >"$work/defaults.yaml"
  effective() { "$binary" config check --config "$1" | grep -v '^#'; }
  check "the defaults the example shows are drcheck's defaults" \
    diff <(effective "$root/etc/drcheck/drcheck.yaml") <(effective "$work/defaults.yaml")
else
  skip "drcheck config check (not in this build yet)"
fi

# --- the man page --------------------------------------------------------------------------------------------------
page="$root/usr/share/man/man8/drcheck.8.gz"
quiet "man page drcheck(8) renders without warnings (lintian's command)" \
  bash -c "LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z '$page' >/dev/null"
for section in '.Sh SYNOPSIS' '.It Fl -once' '.It Em status' '.It Em config' '.Sh FILES' '.Sh SEE ALSO' \
  '.Xr drcheck.yaml 5'; do
  check "man page has '$section'" bash -c "zcat '$page' | grep -qF -- '$section'"
done
page5="$root/usr/share/man/man5/drcheck.yaml.5.gz"
quiet "man page drcheck.yaml(5) renders without warnings (lintian's command)" \
  bash -c "LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z '$page5' >/dev/null"
quiet "man page drcheck.yaml(5) passes groff -ww" bash -c "zcat '$page5' | groff -mandoc -ww -z"
check "man page drcheck.yaml(5) is the repository's" diff <(zcat "$page5") "$repo/Packaging/drcheck.yaml.5"

# --- the systemd units ---------------------------------------------------------------------------------------------
# verify resolves ExecStart=, ExecReload= and the targets inside --root: the package's files plus the system's targets
# and kill(1). It exits 0 even on unknown keys or bad values, so any output is a failure.
verify="$work/verify-root"
cp -a "$root" "$verify"
mkdir -p "$verify/bin"
cp /usr/lib/systemd/system/*.target "$verify/usr/lib/systemd/system/"
cp /bin/kill "$verify/bin/kill"
for unit in drcheck.service drcheck-once.service drcheck-once.timer; do
  quiet "systemd-analyze verify $unit (silent)" \
    env MANPATH="$verify/usr/share/man" systemd-analyze verify --root="$verify" "$unit"
done
check "the daemon yields to others under memory pressure (OOMScoreAdjust=-500)" \
  grep -qx 'OOMScoreAdjust=-500' "$units/drcheck.service"
check "the package enables neither the daemon nor the timer" \
  bash -c "! dpkg-deb --ctrl-tarfile '$deb' | tar -xO ./postinst | grep -v '^#' | grep -qE 'enable|timer'"
exposure=$(systemd-analyze security --offline=true --root="$verify" drcheck.service 2>&1 |
  sed -n 's/.*Overall exposure level for drcheck.service: \([0-9.]*\) \([A-Z]*\).*/\1 \2/p')
check "systemd-analyze security: exposure ${exposure:-unknown} (at most 3.0)" \
  awk -v e="${exposure%% *}" 'BEGIN { exit !(e != "" && e <= 3.0) }'

# --- the monitoring examples ---------------------------------------------------------------------------------------
check "promtool check rules on the packaged alerts.yml" promtool check rules "$root/usr/share/doc/drcheck/examples/alerts.yml"
check "promtool test rules (Checks/packaging/alerts-test.yml)" promtool test rules "$here/alerts-test.yml"
check "every expression of the Grafana dashboard parses (promtool)" \
  bash -c "'$here/dashboard-rules.py' '$root/usr/share/doc/drcheck/examples/grafana-dashboard.json' >'$work/dashboard-rules.yml' &&
    promtool check rules '$work/dashboard-rules.yml'"
families=$(grep -ohE '"drcheck_[a-z_]+"' "$repo"/Sources/Exporter/Metrics/*.swift | tr -d '"' | sort -u)
used=$(cat "$root/usr/share/doc/drcheck/examples/alerts.yml" "$root/usr/share/doc/drcheck/examples/grafana-dashboard.json" |
  grep -oE 'drcheck_[a-z_]+' | sort -u)
check "alerts and dashboard use only metrics Sources/Exporter defines" \
  bash -c "[ -z \"\$(comm -23 <(echo '$used') <(echo '$families'))\" ] || { comm -23 <(echo '$used') <(echo '$families'); false; }"
for metric in drcheck_real_server_up drcheck_real_server_weight drcheck_real_server_configured_weight; do
  check "dashboard shows $metric" grep -q "$metric{" "$root/usr/share/doc/drcheck/examples/grafana-dashboard.json"
done

# --- the cron example ----------------------------------------------------------------------------------------------
check "cron file is inert as shipped (comments and blank lines only)" \
  bash -c "! grep -vE '^(#|\$)' '$root/etc/cron.d/drcheck'"
check "cron example line, uncommented, has 5 time fields, user root and drcheck --once" \
  bash -c "grep -E '^#\* ' '$root/etc/cron.d/drcheck' | sed 's/^#//' | awk '{ exit !(\$6 == \"root\" && /drcheck --once/) }'"

# --- the unit under systemd, in the DR lab -------------------------------------------------------------------------
if [ -x /usr/bin/linux.uml ]; then
  if "$here/systemd-lab.sh" "$deb" >"$work/log" 2>&1; then
    ok "the packaged unit under systemd in the DR lab: $(tail -n 1 "$work/log") (Checks/packaging/systemd-lab.sh)"
  else
    fail "the packaged unit under systemd in the DR lab (Checks/packaging/systemd-lab.sh)"
  fi
else
  skip "the packaged unit under systemd (no /usr/bin/linux.uml)"
fi

finish
