#!/usr/bin/env bash
# The test command: dependencies, format lint, build, unit tests (Swift Testing), then every lab scenario in UML.
# Its last line is "N passed, N failed" over unit tests and scenarios (a failed lint or build counts as one failure
# each); it exits non-zero on any failure. Builds in the default .build folder. Usage: Checks/test.sh (as root).
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. Checks/lab/lib.sh
started=$SECONDS
passed=0
failed=0

# step NAME: prints a heading with the elapsed time.
step() { printf '\n== %s (at %d s)\n' "$*" $((SECONDS - started)); }

# finish: prints the wall time and the tally, and exits with the verdict.
finish() {
  printf '\ntest.sh: wall time %d min %02d s\n' $(((SECONDS - started) / 60)) $(((SECONDS - started) % 60))
  echo "$passed passed, $failed failed"
  exit $((failed > 0))
}

# unit_counts XUNIT: prints "TESTS FAILED" over the xUnit files swift test wrote (XCTest and Swift Testing): one
# testcase per test, failed when it holds a failure or error (the suite's failures attribute counts issues).
unit_counts() {
  python3 - "$1" "${1%.xml}-swift-testing.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
tests = failed = 0
for path in sys.argv[1:]:
    try:
        cases = list(ET.parse(path).getroot().iter("testcase"))
    except (OSError, ET.ParseError):
        continue
    tests += len(cases)
    failed += sum(1 for c in cases if c.find("failure") is not None or c.find("error") is not None)
print(tests, failed)
PY
}

step "dependencies (Packaging/install-deps.sh)"
Packaging/install-deps.sh || { echo "install-deps failed"; failed=$((failed + 1)); finish; }

step "format lint (swift format lint --strict)"
if swift format lint --strict -r Sources Tests Package.swift; then
  echo "lint clean"
else
  echo "FAIL - swift format lint"
  failed=$((failed + 1))
fi

step "build (swift build)"
if swift build; then
  step "no C library function defined by drcheck (Checks/libc-names.sh)"
  if Checks/libc-names.sh "$(swift build --show-bin-path)/drcheck"; then
    passed=$((passed + 1))
  else
    echo "FAIL - Checks/libc-names.sh"
    failed=$((failed + 1))
  fi
  step "unit tests (swift test)"
  xunit="$root/.build/xunit.xml"
  rm -f "$xunit" "${xunit%.xml}-swift-testing.xml"
  status=0
  swift test --xunit-output "$xunit" || status=$?
  read -r tests failures < <(unit_counts "$xunit")
  passes=$((tests - failures))
  if [ "$status" -ne 0 ] && [ "$failures" -eq 0 ]; then
    echo "FAIL - swift test exited $status without a failed test in its report (build error or crash): one failure"
    failures=1
  fi
  echo "unit tests: $passes passed, $failures failed (swift test exit status $status)"
  passed=$((passed + passes))
  failed=$((failed + failures))
else
  echo "FAIL - swift build: unit tests not run"
  failed=$((failed + 1))
fi

mkdir -p Checks/out
step "packaging (Checks/packaging/check.sh: the .deb, lintian, systemd, alert rules; scenarios 61 and 70 use its .deb)"
Checks/packaging/check.sh | tee Checks/out/packaging.txt
summary=$(tail -n 1 Checks/out/packaging.txt)
# check.sh adds its time after the tally: "45 passed, 0 failed (328 s)".
if [[ $summary =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
  passed=$((passed + BASH_REMATCH[1]))
  failed=$((failed + BASH_REMATCH[2]))
else
  echo "FAIL - packaging/check.sh gave no tally"
  failed=$((failed + 1))
fi

step "lab scenarios (Checks/run-scenarios.sh)"
mkdir -p Checks/out
Checks/run-scenarios.sh | tee Checks/out/scenarios.txt
summary=$(tail -n 1 Checks/out/scenarios.txt)
if [[ $summary =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
  passed=$((passed + BASH_REMATCH[1]))
  failed=$((failed + BASH_REMATCH[2]))
else
  echo "FAIL - run-scenarios.sh gave no tally"
  failed=$((failed + 1))
fi

finish
