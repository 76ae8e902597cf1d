#!/usr/bin/env bash
# A quick local measurement of confabd (issue "confabd core" report): confabd pinned to CPU 0,
# the load generator to CPU 1, both on 127.0.0.1; a fresh data directory each run.
#   tests/bench/quick.sh [build-dir]      (default build/bench; builds it if needed)
# Prints each step's figures and a JSON line. Bounded: about two minutes in all.
# Only the group fan-out step:  tests/bench/quick.sh [build-dir] fanout
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build/bench}
steps=${2:-all}
case "$steps" in all | fanout) ;; *) echo "usage: $0 [build-dir] [all|fanout]" >&2; exit 2 ;; esac
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCONFAB_BUILD_TESTS=ON >/dev/null
cmake --build "$build" --target confabd confab-loadgen >/dev/null

work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
# Cheap password hashing: registering the load users is not what is measured here. The load users
# all sign in from 127.0.0.1 at once (logins in progress count against the per-address limit).
printf '[auth]\nargon2_ops_limit=1\nargon2_mem_limit_kib=8\nmax_pending=10000\nlogin_failures_per_address=100000\n[limits]\nrate_per_second=100000\nrate_burst=100000\nmax_group_members=1000\n' > "$work/confabd.conf"

start_server() {
    taskset -c 0 "$build/server/confabd" --config "$work/confabd.conf" --data-dir "$work/data-$1" \
        --port 0 > "$work/server-$1.log" 2> "$work/server-$1.err" &
    server=$!
    for _ in $(seq 100); do
        port=$(grep -oE '127\.0\.0\.1:[0-9]+' "$work/server-$1.log" | cut -d: -f2 || true)
        [ -n "$port" ] && return 0
        sleep 0.1
    done
    echo "confabd did not start" >&2; cat "$work/server-$1.err" >&2; exit 1
}
loadgen() { taskset -c 1 "$build/tests/bench/confab-loadgen" --port "$port" --server-pid "$server" "$@"; }
# Stops the server (SIGTERM: it commits and exits) and shows where its appends spent their time.
stop_server() {
    kill "$server"; wait "$server" || true
    grep -h "store timings" "$work"/server-"$1".err | sed 's/^.*store timings: /  server store timings: /' || true
}

if [ "$steps" = all ]; then
    start_server idle
    echo "== idle: memory per authenticated connection"
    loadgen idle --users 2000 --seconds 3
    stop_server idle

    start_server load
    echo "== throughput: 100 users, 16 messages in flight each"
    loadgen throughput --users 100 --window 16 --seconds 10
    stop_server load

    start_server rate
    echo "== latency at a fixed rate: 100 users, 1000 msgs/s"
    loadgen rate --users 100 --rate 1000 --seconds 10
    stop_server rate

    start_server many
    echo "== throughput: 1000 users, 4 in flight each (random peers: most messages open a chat)"
    loadgen throughput --users 1000 --window 4 --seconds 8
    stop_server many

    start_server storm
    echo "== resume storm: 1000 users drop and resume at once"
    loadgen resume-storm --users 1000 --seconds 30
    echo "== reconnect storm: the same 1000 drop, resume and sync everything again"
    loadgen reconnect-storm --users 1000 --seconds 30
    stop_server storm
fi

start_server group
echo "== fan-out: a 100-member group, 4 senders with 8 messages in flight each, 2000 messages"
# Fails (non-zero) if not all 2000 x 99 deliveries arrive within 60 s.
loadgen group --users 100 --senders 4 --window 8 --messages 2000 --seconds 60
stop_server group
