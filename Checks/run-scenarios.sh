#!/usr/bin/env bash
# Runs the lab scenarios, each in its own User-Mode Linux boot, and ends with "N passed, N failed".
# Usage: Checks/run-scenarios.sh [-v] [NAME...]   NAME: 01-lab-sound, 01-lab-sound.sh, a path, or a unique prefix (01).
# -v prints every scenario's output (a failing one's is always printed). Logs: Checks/out/<scenario>.log.
# LAB_SCENARIO_TIMEOUT (seconds, default 300) kills a scenario that hangs; it counts as failed.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
verbose=0
if [ "${1:-}" == "-v" ]; then
  verbose=1
  shift
fi
limit=${LAB_SCENARIO_TIMEOUT:-300}

# resolve NAME: prints the scenario file NAME means, or fails with a message.
resolve() {
  local name=${1##*/} matches
  name=${name%.sh}
  shopt -s nullglob
  matches=("$here/scenarios/$name.sh")
  [ -f "${matches[0]}" ] || matches=("$here/scenarios/$name"*.sh)
  if [ "${#matches[@]}" -ne 1 ]; then
    echo "run-scenarios: '$1' names ${#matches[@]} scenarios in Checks/scenarios" >&2
    return 1
  fi
  echo "${matches[0]}"
}

scenarios=()
if [ $# -eq 0 ]; then
  scenarios=("$here"/scenarios/*.sh)
else
  for name in "$@"; do
    file=$(resolve "$name") || exit 2
    scenarios+=("$file")
  done
fi

mkdir -p "$here/out"
passed=0
failed=0
for file in "${scenarios[@]}"; do
  name=$(basename "$file" .sh)
  log="$here/out/$name.log"
  start=$SECONDS
  status=0
  timeout --kill-after=10 "$limit" "$here/lab/uml-run.sh" bash "$file" >"$log" 2>&1 || status=$?
  took=$((SECONDS - start))
  if [ "$status" -eq 0 ]; then
    passed=$((passed + 1))
    echo "PASS $name (${took} s)"
    [ "$verbose" -eq 0 ] || sed 's/^/    /' "$log"
  else
    failed=$((failed + 1))
    reason="exit $status"
    [ "$status" -ne 124 ] && [ "$status" -ne 137 ] || reason="killed after ${limit} s"
    echo "FAIL $name ($reason, ${took} s); its output:"
    sed 's/^/    /' "$log"
  fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
