#!/usr/bin/env bash
# Attachment throughput over loopback: a 200 MiB file (CONFAB_ATTACH_MB to change it) uploaded
# and downloaded in 256 KiB chunks with 8 in flight, through a Release confabd on 127.0.0.1.
# Usage: tests/bench/attach.sh [build-dir]   (default build/bench)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build/bench}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCONFAB_BUILD_TESTS=ON >/dev/null
cmake --build "$build" --target confabd confab-attachbench >/dev/null
work=$(mktemp -d)
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"' EXIT
printf '[auth]\nargon2_ops_limit=1\nargon2_mem_limit_kib=8\nregistrations_per_address_per_hour=0\n[limits]\nmax_attachment_mb=1024\nattachment_chunk_kb=256\n' > "$work/confabd.conf"
taskset -c 0 "$build/server/confabd" --config "$work/confabd.conf" --data-dir "$work/data" \
    --port 0 > "$work/server.log" 2> "$work/server.err" &
server=$!
port=
for _ in $(seq 100); do
    port=$(grep -oE '127\.0\.0\.1:[0-9]+' "$work/server.log" | cut -d: -f2 || true)
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "$port" ] || { echo "confabd did not start" >&2; cat "$work/server.err" >&2; exit 1; }
taskset -c 1 "$build/tests/bench/confab-attachbench" --port "$port" \
    --size-mb "${CONFAB_ATTACH_MB:-200}" --window 8
echo "server data directory after the run:"
du -sh "$work/data/blobs" "$work/data/confab.db" | sed 's/^/  /'
