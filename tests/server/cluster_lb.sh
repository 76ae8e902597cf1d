#!/usr/bin/env bash
# The load balancer in front of a cluster, as installer/cluster.sh sets it up (haproxy, two
# confabd nodes on PostgreSQL and Redis, on loopback ports of this run's own): a group load
# through haproxy; node 1 killed with SIGKILL, and a new load (new users) through haproxy again,
# which the health checks and redispatch send to node 2; then the cluster is stopped by its
# PIDs and nothing of it may be left running.
#   tests/server/cluster_lb.sh CONFABD LOADGEN
set -euo pipefail
confabd=$1
loadgen=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
dir=$(mktemp -d)
chmod 755 "$dir" # PostgreSQL runs as `postgres` when this runs as root
port=$((20000 + ($$ % 400) * 100)) # PORT..PORT+201, this run's own
cluster="$dir/cluster"
trap '"$top/installer/cluster.sh" stop --dir "$cluster" >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
mkdir -p "$cluster"
printf '[auth]\nargon2_ops_limit=1\nargon2_mem_limit_kib=8\nregistrations_per_address_per_hour=0\n[limits]\nmax_connections_per_address=0\nrate_per_second=10000\nrate_burst=10000\n' >"$cluster/extra.conf"

"$top/installer/cluster.sh" start --nodes 2 --dir "$cluster" --port "$port" --confabd "$confabd"
# Group mode fails (exit 1) unless every member signed in and got every message.
"$loadgen" --port "$port" --users 20 --senders 4 --messages 200 --seconds 60 group | head -n 2
"$top/installer/cluster.sh" kill-node 1 --dir "$cluster"
# Node 1's port refuses now: haproxy sends its share to node 2 (redispatch), then stops
# trying it (health checks).
"$loadgen" --port "$port" --users 20 --senders 4 --messages 200 --seconds 60 group | head -n 2

pids=()
for pidfile in "$cluster"/node*.pid "$cluster/redis.pid" "$cluster/haproxy.pid"; do
    [ -f "$pidfile" ] && pids+=("$(cat "$pidfile")")
done
pids+=("$(head -n 1 "$cluster/pg/postmaster.pid")")
"$top/installer/cluster.sh" stop --dir "$cluster"
for pid in "${pids[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
        echo "cluster_lb: process $pid is still running after stop" >&2
        exit 1
    fi
done
echo "cluster_lb: ${#pids[@]} processes started and stopped"
