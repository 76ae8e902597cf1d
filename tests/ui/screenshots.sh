#!/usr/bin/env bash
# Renders Confab's main screens with sample data (a real server core and real clients on
# 127.0.0.1) into PNGs, in English and Simplified Chinese, under Xvfb. Look at them.
#   tests/ui/screenshots.sh [output-dir]      (default build/screenshots)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$(realpath -m "${1:-build/screenshots}")
need=()
for package in xvfb xauth fonts-wqy-microhei fonts-noto-color-emoji; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || need+=("$package")
done
if [ ${#need[@]} -gt 0 ]; then
    sudo=(); [ "$(id -u)" -ne 0 ] && sudo=(sudo)
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}"
fi
cmake -S . -B build/dev -G Ninja >/dev/null
cmake --build build/dev --target confab-screenshots >/dev/null
for language in en zh_CN; do
    xvfb-run -a -s "-screen 0 1280x800x24" build/dev/tests/ui/confab-screenshots "$out" "$language" 2>/dev/null
done
ls -1 "$out"/*.png
