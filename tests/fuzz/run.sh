#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan, in build/fuzz) and runs each for a bounded
# time on a copy of its seed corpus (tests/fuzz/corpus/<target>). A crash leaves its input in
# build/fuzz/artifacts/ and fails the run; add it to the corpus once fixed (a regression test).
#   tests/fuzz/run.sh [SECONDS]       default 60 per target
#   tests/fuzz/run.sh --seeds         rewrites the seed corpus from tests/fuzz/fuzzseeds.cpp
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=60
seeds=false
case "${1:-}" in
    --seeds) seeds=true ;;
    "") ;;
    *) seconds=$1 ;;
esac

build=build/fuzz
CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCONFAB_FUZZ=ON \
    "-DCONFAB_SANITIZE=address;undefined" -DCONFAB_BUILD_CLIENT=OFF >/dev/null
cmake --build "$build" --parallel "$(nproc)" --target fuzz_codec fuzz_session

for target in fuzz_codec fuzz_session; do
    corpus=tests/fuzz/corpus/$target
    if $seeds; then
        rm -rf "$corpus"
        CONFAB_FUZZ_WRITE_SEEDS="$corpus" "$build/tests/fuzz/$target"
        echo "$target: $(ls "$corpus" | wc -l) seeds in $corpus"
        continue
    fi
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    mkdir -p "$build/artifacts"
    echo "== $target for $seconds s"
    # Leaks are LeakSanitizer's job in the test suite; here the world lives for the process.
    status=0
    ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        "$build/tests/fuzz/$target" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=4096 \
        -print_final_stats=1 -artifact_prefix="$build/artifacts/$target-" "$work" "$corpus" \
        >"$work.log" 2>&1 || status=$?
    grep -E "INITED|DONE|stat::|==[0-9]+==|SUMMARY|Test unit written|ERROR|panic" "$work.log" || true
    if [ "$status" -ne 0 ]; then
        tail -n 60 "$work.log" >&2
    fi
    rm -f "$work.log"
    rm -rf "$work"
    trap - EXIT
    if [ "$status" -ne 0 ]; then
        echo "$target failed (exit $status): see $build/artifacts" >&2
        exit 1
    fi
done
