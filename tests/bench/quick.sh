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
. tests/bench/benchserver.sh
loadgen() { run_loadgen "$@"; }

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
