# shellcheck shell=bash
# Sourced by the scripts that boot linux.uml (uml-run.sh, packaging/systemd-lab.sh).
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
