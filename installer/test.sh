#!/usr/bin/env bash
# Builds Confab with warnings as errors and runs every test suite (CTest).
#   installer/test.sh              the normal build, in build/test
#   installer/test.sh --sanitize   the same under AddressSanitizer + UBSan, in build/asan
# Extra arguments after the flag go to ctest, e.g. `installer/test.sh -R codec`.
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=build/test
cmake_args=(-DCONFAB_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo)
if [ "${1:-}" = "--sanitize" ]; then
    shift
    build_dir=build/asan
    cmake_args=(-DCONFAB_WERROR=ON -DCMAKE_BUILD_TYPE=Debug "-DCONFAB_SANITIZE=address;undefined")
fi

jobs=$(nproc)
cmake -S . -B "$build_dir" -G Ninja "${cmake_args[@]}" >/dev/null
cmake --build "$build_dir" --parallel "$jobs"
ctest --test-dir "$build_dir" --output-on-failure --parallel "$jobs" --timeout 300 "$@"
