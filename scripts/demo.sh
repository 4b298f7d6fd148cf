#!/usr/bin/env bash
# The main job, end to end, on a fresh Debian 12 machine (as root): installs
# what cutover needs, builds it, and runs a cutover night on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
[ -d build ] || meson setup build -Dbuildtype=release >/dev/null
ninja -C build
CUTOVER=$PWD/build/cli/cutover

echo; echo "== cutover check examples/plan.json"
"$CUTOVER" check examples/plan.json
