#!/usr/bin/env bash
# The client cache at scale: builds a cache of 100,000 messages in 200 conversations, then opens
# it in fresh processes (the OS file cache is warm) and prints cold-open time, RSS and search times.
#   tests/bench/cache.sh [build-dir]      (default build/bench)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build/bench}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCONFAB_BUILD_TESTS=ON >/dev/null
cmake --build "$build" --target confab-cachebench >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$build/tests/bench/confab-cachebench" generate "$work/cache.db" 100000 200
for run in 1 2 3; do
    echo "== run $run"
    "$build/tests/bench/confab-cachebench" open "$work/cache.db"
done
