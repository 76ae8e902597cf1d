#!/usr/bin/env bash
# confabd through the scenarios of ../shared/peers (Prosody and ejabberd), same shapes and columns:
#   one2one  1000 users, random peers, open loop at each rate, 10 s per step
#   group    one 100-member group, 1 sender, open loop at each rate (deliveries = rate x 99)
#   idle     5000 signed-in connections: server memory per connection
# confabd pinned to CPU 0, the load generator to CPU 1, both on 127.0.0.1; a fresh data directory
# per scenario. Every message is durable (SQLite, WAL, synchronous=FULL) before it is acked.
#   tests/bench/peers.sh [build-dir] [one2one|group|idle|all]
# Prints each step's figures, then a Markdown table row per step (the BENCHMARKS.md columns).
# Bounded: about five minutes in all; each load step stops by itself.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build/bench}
which=${2:-all}
case "$which" in all | one2one | group | idle) ;; *)
    echo "usage: $0 [build-dir] [all|one2one|group|idle]" >&2; exit 2 ;;
esac
ONE2ONE_RATES=${ONE2ONE_RATES:-1000 2000 4000 9000 12000 20000}
GROUP_RATES=${GROUP_RATES:-50 100 200 400 800 1000 2000}
STEP=${STEP:-10}
. tests/bench/benchserver.sh
loadgen() { run_loadgen "$@" | tee -a "$work/steps.out"; }

if [ "$which" = all ] || [ "$which" = one2one ]; then
    start_server one2one
    for rate in $ONE2ONE_RATES; do
        echo "== one2one: 1000 users, $rate msgs/s"
        loadgen rate --users 1000 --rate "$rate" --seconds "$STEP" || true
    done
    stop_server one2one
fi
if [ "$which" = all ] || [ "$which" = group ]; then
    start_server group
    for rate in $GROUP_RATES; do
        echo "== group: 100 members, 1 sender, $rate msgs/s ($((rate * 99)) deliveries/s offered)"
        loadgen group --users 100 --senders 1 --rate "$rate" --messages $((rate * STEP)) \
            --seconds $((STEP + 20)) || true
    done
    stop_server group
fi
if [ "$which" = all ] || [ "$which" = idle ]; then
    start_server idle
    echo "== idle: 5000 connections"
    loadgen idle --users 5000 --seconds 8 || true
    stop_server idle
fi

echo
echo "| scenario | offered msgs/s | delivered/s | loss | p50 ms | p90 ms | p99 ms | max ms | server CPU % | RSS MB | loader CPU % |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
grep '^{' "$work/steps.out" | python3 -c '
import json, sys
for line in sys.stdin:
    d = json.loads(line)
    mode = d["mode"]
    if mode == "idle":
        print("| idle %d | | | | | | | | %.0f | %.0f | %.1f KB per connection |" % (
            d["users"], d["server_cpu_pct"], d["server_rss_kb"] / 1024,
            d["server_kb_per_connection"]))
        continue
    if mode == "group":
        offered = d["offered_per_s"]
        loss = d["expected_deliveries"] - d["deliveries"]
        name = "group 100, 1 sender"
    else:
        offered = d["offered_per_s"]
        loss = d["lost"]
        name = "1:1, %d users" % d["users"]
    print("| %s | %d | %.0f | %d | %.1f | %.1f | %.1f | %.1f | %.0f | %.0f | %.0f |" % (
        name, offered, d["delivered_per_s"], loss, d["e2e_p50_ms"], d["e2e_p90_ms"],
        d["e2e_p99_ms"], d["e2e_max_ms"], d["server_cpu_pct"], d["server_rss_kb"] / 1024,
        d["loader_cpu_pct"]))
'
