#!/usr/bin/env bash
# Builds Confab with warnings as errors and runs every test suite (CTest).
#   installer/test.sh              the normal build, in build/test
#   installer/test.sh --sanitize   the same under AddressSanitizer + UBSan, in build/asan
#   installer/test.sh --tsan       the threaded server's tests under ThreadSanitizer, in build/tsan
#                                  (store, auth pool and network worker threads; Qt itself is not
#                                  built with TSan, see shared/confab/tsan.h and tests/tsan.supp)
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
targets=()
if [ "${1:-}" = "--tsan" ]; then
    shift
    build_dir=build/tsan
    cmake_args=(-DCONFAB_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCONFAB_SANITIZE=thread)
    targets=(--target tst_server tst_groups tst_store tst_admincommands tst_attachments tst_notifyprefs
        tst_digest tst_archive tst_retention confabd)
    set -- -R '^(tst_server|tst_groups|tst_attachments|tst_notifyprefs|tst_digest)(_network_threads)?$|^tst_store(_postgres)?$|^tst_admincommands$|^tst_archive$|^tst_retention$' "$@"
fi

jobs=$(nproc)
cmake -S . -B "$build_dir" -G Ninja "${cmake_args[@]}" >/dev/null
cmake --build "$build_dir" --parallel "$jobs" "${targets[@]}"
ctest --test-dir "$build_dir" --output-on-failure --parallel "$jobs" --timeout 300 "$@"
