#!/usr/bin/env bash
# Scale-out figures (issue 13): messages/s and fan-out deliveries/s through haproxy for 1, 2
# and 3 confabd nodes on PostgreSQL + Redis (installer/cluster.sh), beside one node on SQLite
# (the default), and where the CPU goes: each process kind's share of the run, from
# /proc/<pid>/stat. Loopback only; every run is bounded by the load generator's limits.
#   tests/bench/cluster.sh [NODES...]     default: 1 2 3
# Prints a table; BENCHMARKS.md has the figures and what they say.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=build/bench
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCONFAB_BUILD_TESTS=ON >/dev/null
cmake --build "$build" --target confabd confab-loadgen >/dev/null
ulimit -n "$(ulimit -Hn)"
dir=$(mktemp -d)
chmod 755 "$dir" # PostgreSQL runs as `postgres` when this runs as root
port=7600
trap 'installer/cluster.sh stop --dir "$dir/cluster" >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(1 2 3)

users=${USERS:-200}
window=${WINDOW:-8}
seconds=${SECONDS_PER_RUN:-10}
members=${MEMBERS:-200}
group_messages=${GROUP_MESSAGES:-2000}

# CPU ticks (utime + stime) of every process named $1.
ticks() {
    local want=$1 total=0 stat line comm rest
    local -a fields
    for stat in /proc/[0-9]*/stat; do
        line=$(cat "$stat" 2>/dev/null) || continue
        comm=${line#*(}
        comm=${comm%%)*}
        [ "$comm" = "$want" ] || continue
        rest=${line##*) }
        read -r -a fields <<<"$rest"
        # after "comm) ": the state first; utime and stime are the 12th and 13th
        total=$((total + fields[11] + fields[12]))
    done
    echo "$total"
}
kinds=(confabd postgres redis-server haproxy) # the load generator reports its own
snapshot() { for kind in "${kinds[@]}"; do printf '%s ' "$(ticks "$kind")"; done; }
share() { # before after seconds: CPU % per kind
    local -a before=($1) after=($2)
    local out=""
    for i in "${!kinds[@]}"; do
        out+="${kinds[$i]} $(( (after[i] - before[i]) * 100 / $3 / $(getconf CLK_TCK) ))%  "
    done
    echo "$out"
}
loadgen() { "$build/tests/bench/confab-loadgen" --port "$port" "$@"; }
# With PostgreSQL up (pg=1): its write-ahead log position and the messages stored.
pg=0
pgstate() {
    [ "$pg" = 1 ] || { echo "0 0"; return; }
    psql -h 127.0.0.1 -p $((port + 200)) -U confab -d confab -tAF' ' -c \
        "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint, (SELECT COUNT(*) FROM messages)"
}
perMessage() { # before after: WAL bytes per stored message
    local -a before=($1) after=($2)
    local messages=$(( after[1] - before[1] ))
    [ "$messages" -gt 0 ] && [ "$pg" = 1 ] || { echo "-"; return; }
    echo "$(( (after[0] - before[0]) / messages )) B WAL/msg"
}
json() { printf '%.0f' "$(sed -n 's/.*"'"$1"'":\([0-9.]*\).*/\1/p' | head -n 1)"; }

printf '[auth]\nargon2_ops_limit=1\nargon2_mem_limit_kib=8\nmax_pending=10000\nlogin_failures_per_address=100000\nregistrations_per_address_per_hour=0\n[limits]\nrate_per_second=100000\nrate_burst=100000\nuser_rate_per_second=0\nmax_connections_per_address=0\nmax_group_members=1000\n' >"$dir/extra.conf"

run() { # label
    local label=$1 before after t0 t1 out wal0 wal1
    before=$(snapshot); wal0=$(pgstate); t0=$(date +%s%N)
    out=$(loadgen --users "$users" --window "$window" --seconds "$seconds" throughput 2>&1 | tail -n 1)
    t1=$(date +%s%N); after=$(snapshot); wal1=$(pgstate)
    local elapsed=$(( (t1 - t0) / 1000000000 )); [ "$elapsed" -gt 0 ] || elapsed=1
    printf '%-22s 1:1   %8s msgs/s  ack p50 %6s ms p99 %7s ms %s | CPU %s\n' "$label" \
        "$(echo "$out" | json acked_per_s)" "$(echo "$out" | json ack_p50_ms)" \
        "$(echo "$out" | json ack_p99_ms)" "$(perMessage "$wal0" "$wal1")" \
        "$(share "$before" "$after" "$elapsed") loadgen $(echo "$out" | json loader_cpu_pct)%"
    before=$(snapshot); t0=$(date +%s%N)
    out=$(loadgen --users "$members" --senders 10 --messages "$group_messages" --seconds 120 group 2>&1 | tail -n 1)
    t1=$(date +%s%N); after=$(snapshot)
    elapsed=$(( (t1 - t0) / 1000000000 )); [ "$elapsed" -gt 0 ] || elapsed=1
    printf '%-22s group %8s msgs/s %9s deliveries/s  last member p99 %7s ms | CPU %s\n' "$label" \
        "$(echo "$out" | json messages_per_s)" "$(echo "$out" | json delivered_per_s)" \
        "$(echo "$out" | json fanout_p99_ms)" \
        "$(share "$before" "$after" "$elapsed") loadgen $(echo "$out" | json loader_cpu_pct)%"
}

echo "load: 1:1 $users users x $window in flight for ${seconds}s; group of $members, 10 senders, $group_messages messages"
echo "machine: $(nproc) cores; everything (load generator included) shares them"

# One node on SQLite, straight (no balancer): the default set-up, for reference.
mkdir -p "$dir/sqlite"
cat "$dir/extra.conf" >"$dir/sqlite/confabd.conf"
"$build/server/confabd" --config "$dir/sqlite/confabd.conf" --data-dir "$dir/sqlite/data" \
    --port "$port" >"$dir/sqlite/log" 2>&1 &
sqlite_pid=$!
for _ in $(seq 100); do grep -q listening "$dir/sqlite/log" && break; sleep 0.1; done
run "1 node, SQLite"
kill "$sqlite_pid"; wait "$sqlite_pid" 2>/dev/null || true

for n in "${counts[@]}"; do
    mkdir -p "$dir/cluster"
    cp "$dir/extra.conf" "$dir/cluster/extra.conf"
    installer/cluster.sh start --nodes "$n" --dir "$dir/cluster" --port "$port" \
        --confabd "$build/server/confabd" >/dev/null
    pg=1
    run "$n node(s), PG+Redis"
    pg=0
    installer/cluster.sh stop --dir "$dir/cluster" >/dev/null
    rm -rf "$dir/cluster"
done
