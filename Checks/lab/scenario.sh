# shellcheck shell=bash
# The preamble of every lab scenario: strict mode and the lab's library; with `agent`, the daemon's helpers and the
# drcheck binary found (the scenario fails at once without it). A scenario starts with
#   . "$(dirname "$0")/../lab/scenario.sh" [agent]
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
if [ "${1:-}" == agent ]; then
  . "$(dirname "${BASH_SOURCE[0]}")/agent.sh"
  agent_require
fi
