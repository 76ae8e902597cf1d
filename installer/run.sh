#!/usr/bin/env bash
# Builds Confab (release) and runs it: confabd on 127.0.0.1:7700 with its data in the XDG data
# directory, plus the desktop client when a display exists and the client is built. Arguments go
# to confabd (see `build/release/server/confabd --help`). Ctrl+C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."

cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DCONFAB_BUILD_TESTS=OFF >/dev/null
cmake --build build/release --parallel "$(nproc)"

server=build/release/server/confabd
client=build/release/client/ui/confab
if [ ! -x "$server" ]; then
    echo "run: $server was not built: this checkout has no server yet" >&2
    exit 1
fi

if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ -x "$client" ]; then
    "$server" "$@" &
    server_pid=$!
    trap 'kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true' EXIT
    "$client"
else
    exec "$server" "$@"
fi
