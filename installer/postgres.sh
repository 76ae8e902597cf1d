#!/usr/bin/env bash
# A PostgreSQL server of its own, in a directory of its own, on a loopback port: for the tests
# (CTest starts one per run) and for installer/cluster.sh. Never touches the system's clusters.
#   installer/postgres.sh start DIR PORT [--fast]   initdb DIR if new, start, wait until it answers
#   installer/postgres.sh fresh DIR PORT            the tests': a new DIR, --fast, and only a
#                                                   Unix socket in DIR (no TCP port to collide on)
#   installer/postgres.sh stop DIR                  stop it (the PID in DIR/postmaster.pid)
#   installer/postgres.sh url DIR PORT [--socket]   the connection string confabd takes
# --fast: no fsync (tests only: a crash of the machine may lose what it acked).
# PostgreSQL refuses to run as root: as root, it runs as the `postgres` user the package made.
set -euo pipefail

command=${1:-}
dir=${2:-}
[ -n "$command" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop|url DIR [PORT] [--fast]" >&2; exit 2; }

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$bin/pg_ctl" ] || { echo "postgres.sh: PostgreSQL is not installed (apt-get install postgresql)" >&2; exit 1; }

as_owner=()
if [ "$(id -u)" -eq 0 ]; then
    as_owner=(runuser -u postgres --)
fi

stop_server() {
    if [ -f "$dir/postmaster.pid" ]; then
        "${as_owner[@]}" "$bin/pg_ctl" -D "$dir" -m fast -w -t 60 stop >/dev/null ||
            kill "$(head -n 1 "$dir/postmaster.pid")" 2>/dev/null || true
    fi
}

case "$command" in
fresh)
    stop_server
    rm -rf "$dir" "$dir.initdb.log"
    exec "$0" start "$dir" "${3:?port}" --fast --socket-only
    ;;
start)
    port=${3:?port}
    fast=""
    socket_only=""
    for option in "${@:4}"; do
        case "$option" in
            --fast) fast=1 ;;
            --socket-only) socket_only=1 ;;
            *) echo "postgres.sh: unknown option $option" >&2; exit 2 ;;
        esac
    done
    mkdir -p "$dir"
    [ ${#as_owner[@]} -eq 0 ] || chown postgres: "$dir"
    if [ ! -f "$dir/PG_VERSION" ]; then
        "${as_owner[@]}" "$bin/initdb" -D "$dir" -U confab -A trust -E UTF8 --no-locale \
            ${fast:+--no-sync} >"$dir.initdb.log" 2>&1 ||
            { cat "$dir.initdb.log" >&2; exit 1; }
    fi
    host=127.0.0.1
    [ -z "$socket_only" ] || host=$dir
    listen=127.0.0.1
    [ -z "$socket_only" ] || listen="''"
    options="-c listen_addresses=$listen -p $port -k $dir"
    options+=" -c max_connections=200"
    if [ -n "$fast" ]; then
        options+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    fi
    "${as_owner[@]}" "$bin/pg_ctl" -D "$dir" -o "$options" -l "$dir/server.log" -w -t 60 start \
        >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    for _ in $(seq 1 100); do
        "$bin/pg_isready" -q -h "$host" -p "$port" && break
        sleep 0.1
    done
    "$bin/psql" -q -h "$host" -p "$port" -U confab -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = 'confab'" | grep -q 1 ||
        "$bin/createdb" -h "$host" -p "$port" -U confab confab
    ;;
stop)
    stop_server
    ;;
url)
    port=${3:?port}
    if [ "${4:-}" = "--socket" ]; then
        echo "host=$dir port=$port dbname=confab user=confab"
    else
        echo "host=127.0.0.1 port=$port dbname=confab user=confab"
    fi
    ;;
*)
    echo "postgres.sh: unknown command $command" >&2
    exit 2
    ;;
esac
