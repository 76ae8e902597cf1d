#!/usr/bin/env bash
# A Confab cluster on this machine, on loopback ports, for trying the scale-out set-up and for
# the benchmarks (tests/bench/cluster.sh): PostgreSQL (its own initdb, installer/postgres.sh),
# Redis, haproxy in front (installer/haproxy.cfg's set-up) and N confabd nodes sharing one data
# directory. Everything runs from DIR and is stopped by the PIDs kept there.
#   installer/cluster.sh start [--nodes N] [--dir DIR] [--port PORT] [--confabd PATH]
#   installer/cluster.sh stop [--dir DIR]
#   installer/cluster.sh kill-node I [--dir DIR]      SIGKILL node I (1..N)
#   installer/cluster.sh start-node I [--dir DIR]     start node I again
# Clients connect to ws://127.0.0.1:PORT (haproxy). Node I listens on PORT+I, its /healthz on
# PORT+100+I; PostgreSQL is on PORT+200, Redis on PORT+201. Defaults: 2 nodes, port 7700,
# DIR /tmp/confab-cluster. Extra confabd settings: DIR/extra.conf, if present, is appended to
# each node's configuration.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

command=${1:-}
[ -n "$command" ] || { sed -n '2,14p' "$0" >&2; exit 2; }
shift
nodes=2
dir=/tmp/confab-cluster
port=7700
confabd=""
node=""
while [ $# -gt 0 ]; do
    case "$1" in
        --nodes) nodes=$2; shift 2 ;;
        --dir) dir=$2; shift 2 ;;
        --port) port=$2; shift 2 ;;
        --confabd) confabd=$2; shift 2 ;;
        [0-9]*) node=$1; shift ;;
        *) echo "cluster.sh: unknown option $1" >&2; exit 2 ;;
    esac
done

find_confabd() {
    if [ -n "$confabd" ]; then return; fi
    for candidate in "$here"/../build/release/server/confabd "$here"/../build/test/server/confabd \
        "$here"/../build/dev/server/confabd "$(command -v confabd || true)"; do
        if [ -n "$candidate" ] && [ -x "$candidate" ]; then confabd=$candidate; return; fi
    done
    echo "cluster.sh: no confabd found: build it, or pass --confabd PATH" >&2
    exit 1
}

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

start_node() {
    local i=$1
    [ -f "$dir/node$i.conf" ] || { echo "cluster.sh: no node $i in $dir" >&2; exit 1; }
    if alive "$dir/node$i.pid"; then return; fi
    "$(cat "$dir/confabd.path")" --config "$dir/node$i.conf" >"$dir/node$i.log" 2>&1 &
    echo $! >"$dir/node$i.pid"
    for _ in $(seq 1 100); do
        curl -sf "http://127.0.0.1:$((port + 100 + i))/healthz" >/dev/null 2>&1 && return 0
        alive "$dir/node$i.pid" || { cat "$dir/node$i.log" >&2; exit 1; }
        sleep 0.1
    done
    echo "cluster.sh: node $i did not become healthy" >&2
    cat "$dir/node$i.log" >&2
    exit 1
}

case "$command" in
start)
    find_confabd
    mkdir -p "$dir/data"
    echo "$confabd" >"$dir/confabd.path"
    echo "$port" >"$dir/port"
    echo "$nodes" >"$dir/nodes"
    "$here/postgres.sh" start "$dir/pg" $((port + 200))
    if ! alive "$dir/redis.pid"; then
        redis-server --bind 127.0.0.1 --port $((port + 201)) --save "" --appendonly no \
            --dir "$dir" --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log"
        for _ in $(seq 1 50); do
            redis-cli -p $((port + 201)) ping >/dev/null 2>&1 && break
            sleep 0.1
        done
    fi
    for i in $(seq 1 "$nodes"); do
        cat >"$dir/node$i.conf" <<CONF
[server]
listen = 127.0.0.1
port = $((port + i))
data_dir = $dir/data
node_id = $i
[metrics]
port = $((port + 100 + i))
[store]
postgres = $("$here/postgres.sh" url "$dir/pg" $((port + 200)))
[cluster]
redis = 127.0.0.1:$((port + 201))
CONF
        [ ! -f "$dir/extra.conf" ] || cat "$dir/extra.conf" >>"$dir/node$i.conf"
        start_node "$i"
    done
    {
        sed -n '/^global/,/^frontend/p' "$here/haproxy.cfg" | sed '$d'
        echo "frontend confab"
        echo "    bind 127.0.0.1:$port"
        echo "    default_backend confabd"
        echo
        sed -n '/^backend/,/default-server/p' "$here/haproxy.cfg"
        for i in $(seq 1 "$nodes"); do
            echo "    server node$i 127.0.0.1:$((port + i)) check port $((port + 100 + i))"
        done
    } >"$dir/haproxy.cfg"
    if alive "$dir/haproxy.pid"; then kill "$(cat "$dir/haproxy.pid")"; sleep 0.2; fi
    haproxy -q -D -f "$dir/haproxy.cfg" -p "$dir/haproxy.pid"
    for _ in $(seq 1 50); do
        curl -s -o /dev/null "http://127.0.0.1:$port/" && break
        sleep 0.1
    done
    echo "cluster: $nodes nodes behind ws://127.0.0.1:$port (haproxy), PostgreSQL on" \
        "$((port + 200)), Redis on $((port + 201)); logs in $dir"
    ;;
kill-node)
    [ -n "$node" ] || { echo "cluster.sh: which node?" >&2; exit 2; }
    port=$(cat "$dir/port")
    alive "$dir/node$node.pid" && kill -KILL "$(cat "$dir/node$node.pid")"
    rm -f "$dir/node$node.pid"
    ;;
start-node)
    [ -n "$node" ] || { echo "cluster.sh: which node?" >&2; exit 2; }
    port=$(cat "$dir/port")
    start_node "$node"
    ;;
stop)
    [ -d "$dir" ] || exit 0
    if alive "$dir/haproxy.pid"; then kill "$(cat "$dir/haproxy.pid")"; fi
    for pidfile in "$dir"/node*.pid; do
        [ -f "$pidfile" ] || continue
        # SIGTERM: a node drains (commits, closes its sessions with "going away").
        if alive "$pidfile"; then kill -TERM "$(cat "$pidfile")"; fi
    done
    for pidfile in "$dir"/node*.pid; do
        [ -f "$pidfile" ] || continue
        for _ in $(seq 1 100); do alive "$pidfile" || break; sleep 0.1; done
        if alive "$pidfile"; then kill -KILL "$(cat "$pidfile")"; fi
        rm -f "$pidfile"
    done
    if alive "$dir/redis.pid"; then kill "$(cat "$dir/redis.pid")"; fi
    "$here/postgres.sh" stop "$dir/pg"
    rm -f "$dir/haproxy.pid" "$dir/redis.pid"
    ;;
*)
    echo "cluster.sh: unknown command $command" >&2
    exit 2
    ;;
esac
