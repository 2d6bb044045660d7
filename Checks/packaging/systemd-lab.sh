#!/usr/bin/env bash
# Runs the packaged unit under real systemd (PID 1 of a User-Mode Linux boot) in the DR lab, with the packaged binary.
# Usage: Checks/packaging/systemd-lab.sh DEB
# Prints "ok - ..."/"FAIL - ..." lines and "N of N checks held"; exits 0 only if every check held.
#
# The unit is the packaged one, with a drop-in that only points ExecStart= at the unpacked binary and a lab config, and
# joins the director's network namespace (NetworkNamespacePath=) with a /sys of that namespace, as a director running
# drcheck in its own namespace has (sysfs shows the devices of the namespace that mounted it; drcheck reads MACs
# there). Everything else is as shipped: Type=notify,
# WatchdogSec, the capabilities, the sandbox (ProtectKernelTunables with /proc/sys/net/ipv4/conf writable), the
# system call filter. A tmpfs hides this machine's /var from the boot (StateDirectory= lands there).
set -euo pipefail

[ $# -eq 1 ] && [ -f "$1" ] || { echo "usage: systemd-lab.sh DEB" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
. "$here/../lab/uml-boot.sh"
uml_require systemd-lab "$repo"
top=$(echo "$repo" | cut -d/ -f2)
preload=$(uml_xstate_preload "$repo")

mkdir -p "$repo/Checks/out"
run=$(mktemp -d "$repo/Checks/out/systemd-lab.XXXXXX")
trap 'rm -rf "$run"' EXIT
# Unpacked outside /tmp: UML's /tmp is a fresh tmpfs.
package="$run/root"
dpkg -x "$1" "$package"

# The lab's config: the one service, its two real servers, quick rise/fall so that the check stays short.
cat >"$run/drcheck.yaml" <<'YAML'
services:
  - name: web
    vip: "198.51.100.33:8000"
    check:
      interval: 500ms
      timeout: 400ms
      rise: 2
      fall: 2
YAML

# PID 1 until it execs systemd. The lab is built by lab-check.service: systemd-tmpfiles empties /tmp at boot.
cat >"$run/init" <<INIT
#!/bin/bash
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t tmpfs tmpfs /run
# A checkout under /tmp or /var (a CI clone) is bound back in after the fresh tmpfs hides them, and excluded from
# systemd-tmpfiles' cleaning of /tmp and /var at boot.
case "$top" in
  tmp | var) mkdir -p "/run/host-$top" && mount --bind "/$top" "/run/host-$top" ;;
esac
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /var
case "$top" in
  tmp | var)
    mkdir -p "$repo" && mount --bind "/run/host-$top/${repo#/*/}" "$repo"
    mkdir -p /run/tmpfiles.d && echo "x $repo" >/run/tmpfiles.d/drcheck-lab-checkout.conf
    ;;
esac
mkdir -p /run/netns /var/tmp /var/lib /var/log
ip link set lo up
mkdir -p /run/systemd/system/drcheck.service.d /run/drcheck-lab
cp "$package/usr/lib/systemd/system/drcheck.service" /run/systemd/system/
# The binary and config where the unit's sandbox sees them (its PrivateTmp=yes hides a checkout under /tmp).
cp "$package/usr/sbin/drcheck" "$run/drcheck.yaml" /run/drcheck-lab/
cat >/run/systemd/system/drcheck.service.d/lab.conf <<UNIT
[Service]
ExecStart=
ExecStart=/run/drcheck-lab/drcheck --config /run/drcheck-lab/drcheck.yaml
NetworkNamespacePath=/run/netns/lvs
BindReadOnlyPaths=/run/lvs-sys:/sys
UNIT
cat >/run/systemd/system/lab-check.service <<UNIT
[Unit]
Description=drcheck's packaged unit, checked in the DR lab
After=basic.target
SuccessAction=poweroff-immediate
FailureAction=poweroff-immediate
[Service]
Type=oneshot
Environment=LAB_RUN=$run
ExecStart=/bin/bash $here/systemd-lab-steps.sh
StandardOutput=append:$run/output
StandardError=append:$run/output
UNIT
exec /lib/systemd/systemd --unit=lab-check.service
INIT
chmod +x "$run/init"
: >"$run/output"

LD_PRELOAD=$preload TMPDIR=${TMPDIR:-/tmp} timeout --kill-after=10 300 "$uml" mem=1024M rootfstype=hostfs rootflags=/ rw \
  init="$run/init" con=null con0=null,fd:1 quiet </dev/null >"$run/console" 2>&1 || true
cat "$run/output"
grep -qE '^[0-9]+ of [0-9]+ checks held$' "$run/output" || {
  echo "FAIL - the lab stopped before its checks finished; the console's end:"
  tail -n 20 "$run/console"
  exit 1
}
[ -f "$run/passed" ]
