#!/usr/bin/env bash
# Runs one command inside User-Mode Linux (a real kernel with IPVS) whose root is this machine's own /,
# and returns the command's exit status and output. Usage: uml-run.sh COMMAND [ARG...]
# The command runs as root (PID 1's child) with /proc, /sys, a fresh /tmp and /run, and the lab's kernel
# modules loadable with plain `modprobe` (see lab_modprobe in lib.sh). UML always exits 0, so the status
# travels back through a file in a run folder outside /tmp.
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: uml-run.sh COMMAND [ARG...]" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$here/uml-boot.sh"
uml_require uml-run "$root"

run=$(mktemp -d "$root/Checks/out/run.XXXXXX" 2>/dev/null || { mkdir -p "$root/Checks/out" && mktemp -d "$root/Checks/out/run.XXXXXX"; })
trap 'rm -rf "$run"' EXIT
{
  printf '%q ' "$@"
  echo
} >"$run/command"

cat >"$run/init" <<INIT
#!/bin/bash
# PID 1 inside UML.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/opt/swift/usr/bin
export HOME=/root LAB_ROOT="$root" LAB_RUN="$run"
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t tmpfs tmpfs /run
mkdir -p /run/netns
# The lab gets a fresh /tmp; a checkout that lives under the host's /tmp is bound back into it.
case "$root" in
  /tmp/*) mkdir -p /run/host-tmp && mount --bind /tmp /run/host-tmp ;;
esac
mount -t tmpfs tmpfs /tmp
case "$root" in
  /tmp/*) mkdir -p "$root" && mount --bind "/run/host-tmp/${root#/tmp/}" "$root" ;;
esac
ip link set lo up
cd "$root"
status=1
bash -c "\$(cat "$run/command")" >>"$run/output" 2>&1 </dev/null && status=0 || status=\$?
echo "\$status" >"$run/status"
sync
poweroff -f
INIT
chmod +x "$run/init"
: >"$run/output"

# On an idle host (a VM whose vCPUs halt when idle) UML's kernel can fall into a state where a busy task's epoll_wait
# never sleeps and takes the lab's whole CPU: measured with Checks/bench/daemon-cpu.sh at 200 checks, 0 voluntary
# context switches and no lab idle time on an idle host, against 400-650 switches and 30-40 % idle with any host CPU
# kept busy. A spinner at the lowest priority keeps the host awake and takes only time no one else wants; it stops
# by itself once this script is gone, even killed with SIGKILL (its EXIT trap then never runs).
nice -n 19 bash -c "while kill -0 $$ 2>/dev/null; do for ((i = 0; i < 100000; i++)); do :; done; done" &
spinner_pid=$!
trap 'kill "$spinner_pid" 2>/dev/null; rm -rf "$run"' EXIT

preload=$(uml_xstate_preload "$root")

# UML needs a writable, exec-able tmp for its memory file; keep it away from the lab's tmpfs.
LD_PRELOAD=$preload TMPDIR=${TMPDIR:-/tmp} "$uml" mem=${DRCHECK_UML_MEM:-1024M} rootfstype=hostfs rootflags=/ rw init="$run/init" \
  con=null con0=null,fd:1 quiet </dev/null >"$run/console" 2>&1 &
uml_pid=$!
# UML_HOST_CPU=1: the lab's CPU time as the host measures it, in $LAB_RUN/host-cpu for the command (benchmarks).
[ "${UML_HOST_CPU:-}" != 1 ] || python3 -S "$here/host-cpu.py" "$uml_pid" "$run/host-cpu" &
# The command's output reaches the host file as it is written (hostfs): stream it while the lab runs.
tail -n +1 -s 0.2 -f --pid="$uml_pid" "$run/output" &
tail_pid=$!
# UML moves itself into its own session, so a timeout or Ctrl-C aimed at this script must take it down explicitly.
trap 'kill -KILL -- "-$uml_pid" "$uml_pid" 2>/dev/null; kill "$tail_pid" 2>/dev/null; exit 124' TERM INT HUP
wait "$uml_pid" || true
wait "$tail_pid" || true
trap - TERM INT HUP

if [ ! -f "$run/status" ]; then
  echo "uml-run: the lab kernel stopped before the command finished; its console:" >&2
  tail -n 30 "$run/console" >&2
  exit 125
fi
exit "$(cat "$run/status")"
