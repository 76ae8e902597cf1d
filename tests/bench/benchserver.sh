# Sourced by the benchmark scripts (quick.sh, peers.sh): builds confabd and the load generator in
# Release, and starts and stops confabd pinned to CPU 0, on 127.0.0.1, with a fresh data
# directory per run. Needs `build` set; sets `work`, `server` and `port`.
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCONFAB_BUILD_TESTS=ON >/dev/null
cmake --build "$build" --target confabd confab-loadgen >/dev/null

work=$(mktemp -d)
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"' EXIT
ulimit -n "$(ulimit -Hn)"
# Cheap password hashing: signing the load users in is not what is measured. They all sign in
# from 127.0.0.1 at once (logins in progress count against the per-address limit).
# CONFAB_BENCH_TLS=1: confabd serves wss:// with a self-signed certificate made here, and the
# load generator connects with --tls.
tls_args=()
if [ "${CONFAB_BENCH_TLS:-0}" = 1 ]; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
        -subj /CN=localhost -keyout "$work/bench.key" -out "$work/bench.crt" 2>/dev/null
    tls_args=(--tls)
fi
printf '[auth]\nargon2_ops_limit=1\nargon2_mem_limit_kib=8\nmax_pending=10000\nlogin_failures_per_address=100000\nregistrations_per_address_per_hour=0\n[limits]\nrate_per_second=100000\nrate_burst=100000\nuser_rate_per_second=0\nmax_connections_per_address=0\nmax_group_members=1000\n' > "$work/confabd.conf"
if [ ${#tls_args[@]} -gt 0 ]; then
    printf '[tls]\ncertificate=%s\nkey=%s\n' "$work/bench.crt" "$work/bench.key" >> "$work/confabd.conf"
fi

# start_server NAME: its output goes to $work/server-NAME.{log,err}.
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
# stop_server NAME: SIGTERM (it commits and exits), then where its appends spent their time.
stop_server() {
    kill "$server"; wait "$server" || true
    server=
    grep -h "store timings" "$work"/server-"$1".err | sed 's/^.*store timings: /  server store timings: /' || true
}
# The load generator, pinned to CPU 1, pointed at the running confabd.
run_loadgen() { taskset -c 1 "$build/tests/bench/confab-loadgen" --port "$port" --server-pid "$server" "${tls_args[@]}" "$@"; }
