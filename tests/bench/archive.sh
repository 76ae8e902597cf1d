#!/usr/bin/env bash
# The cold archive at scale: stores 1,000,000 messages over 90 days (or MESSAGES), times history
# pages from the database, archives what is older than 30 days, then prints the sizes and the
# history page times from the archive (PROTOCOL.md §16).
#   tests/bench/archive.sh [build-dir] [MESSAGES]      (default build/bench, 1000000)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build/bench}
messages=${2:-1000000}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCONFAB_BUILD_TESTS=ON >/dev/null
cmake --build "$build" --target confab-archivebench >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$build/tests/bench/confab-archivebench" "$work/data" "$messages"
