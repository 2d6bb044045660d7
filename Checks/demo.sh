#!/usr/bin/env bash
# The main job: installs what is missing, builds drcheck, boots the seed's DR topology (3 real servers) on a real
# IPVS kernel in User-Mode Linux and shows, step by step, what happens there (Checks/lab/demo-steps.sh).
# Usage: Checks/demo.sh (as root)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. Checks/lab/lib.sh

echo "== dependencies (Packaging/install-deps.sh)"
Packaging/install-deps.sh
echo "== building drcheck (swift build --product drcheck)"
mkdir -p Checks/out
if ! swift build --product drcheck >Checks/out/demo-build.log 2>&1; then
  tail -n 30 Checks/out/demo-build.log
  echo "demo: the build failed (whole log: Checks/out/demo-build.log)" >&2
  exit 1
fi
tail -n 1 Checks/out/demo-build.log
drcheck="$(swift build --show-bin-path)/drcheck"
echo "== booting the lab (User-Mode Linux, Checks/lab/uml-run.sh)"
exec Checks/lab/uml-run.sh bash Checks/lab/demo-steps.sh "$drcheck"
