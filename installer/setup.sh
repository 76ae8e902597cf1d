#!/usr/bin/env bash
# Installs what Confab needs to build, run and test on Debian 12 / Ubuntu. Idempotent: installs
# only the packages that are missing, and skips apt entirely when nothing is.
#   installer/setup.sh              to build, run and test
#   installer/setup.sh --packaging  and to build and check the .deb packages (installer/package.sh)
#   installer/setup.sh --fuzz       and to build and run the libFuzzer targets (tests/fuzz/run.sh)
set -euo pipefail

packages=(
    cmake ninja-build g++ ccache pkg-config clang-format
    qt6-base-dev qt6-websockets-dev qt6-httpserver-dev qt6-tools-dev qt6-tools-dev-tools qt6-l10n-tools
    libqt6sql6-sqlite libqt6sql6-psql libprotobuf-dev protobuf-compiler libsodium-dev libcurl4-openssl-dev libzstd-dev libhiredis-dev
    python3-aiosmtpd # the SMTP server the digest tests send to
    xvfb xauth trayer
    openssl # the TLS tests make their certificates with it
    postgresql # the store suite runs on PostgreSQL too (installer/postgres.sh starts its own)
    redis-server haproxy curl # the cluster's tests and installer/cluster.sh start their own
    gdb # QtTest prints every thread's stack with it when a test crashes or hangs
)
for option in "$@"; do
    case "$option" in
        --packaging) packages+=(dpkg-dev fakeroot lintian desktop-file-utils appstream file) ;;
        --fuzz) packages+=(clang libfuzzer-14-dev) ;;
        *) echo "setup.sh: unknown option $option" >&2; exit 2 ;;
    esac
done

missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$package")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "setup: all ${#packages[@]} packages are installed"
    exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup: run as root or install sudo" >&2; exit 1; }
    sudo=(sudo)
fi
echo "setup: installing ${missing[*]}"
"${sudo[@]}" apt-get update -q
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q -o DPkg::Lock::Timeout=600 --no-install-recommends "${missing[@]}"
