# shellcheck shell=bash
# Sourced by the scripts that boot linux.uml (uml-run.sh, packaging/systemd-lab.sh): the lab kernel, a checkout the
# boot would hide, and the XSAVE fix.

# uml_require NAME REPO: sets $uml to the lab kernel ($DRCHECK_UML, default /usr/bin/linux.uml), or refuses at once as
# NAME when it is missing or when the boot would hide the checkout REPO: the lab mounts its own /run, /proc, /sys and
# /dev (a checkout under /tmp or /var is bound back in).
uml_require() {
  local top
  uml=${DRCHECK_UML:-/usr/bin/linux.uml}
  [ -x "$uml" ] || { echo "$1: $uml missing; run Packaging/install-deps.sh" >&2; exit 2; }
  top=$(echo "$2" | cut -d/ -f2)
  case "$top" in
    run | proc | sys | dev) echo "$1: the lab mounts its own /$top over the checkout $2; clone it elsewhere" >&2; exit 2 ;;
  esac
}

# On hosts with AVX-512 or AMX, bookworm's UML keeps too short an XSAVE buffer and the host refuses its register
# restores (UML panics at once: "ptrace set fp regs failed, errno = 14"); uml-xstate.c completes them, and is a no-op
# where the enabled XSAVE state fits UML's buffer.

# uml_xstate_preload REPO: builds uml-xstate.c into REPO/Checks/out when needed (gcc) and prints the library's path
# for LD_PRELOAD; prints nothing without gcc.
uml_xstate_preload() {
  local source shim
  source="$(dirname "${BASH_SOURCE[0]}")/uml-xstate.c"
  shim="$1/Checks/out/uml-xstate.so"
  command -v gcc >/dev/null || return 0
  mkdir -p "$1/Checks/out"
  if [ ! -f "$shim" ] || [ "$source" -nt "$shim" ]; then
    gcc -O2 -shared -fPIC -o "$shim.$$" "$source" -ldl && mv "$shim.$$" "$shim"
  fi
  [ ! -f "$shim" ] || echo "$shim"
}
