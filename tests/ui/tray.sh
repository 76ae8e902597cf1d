#!/usr/bin/env bash
# Runs tst_traycontroller on a real X server (Xvfb) with a real system tray (trayer), so the
# tray icon must appear. Usage: tests/ui/tray.sh path/to/tst_traycontroller
set -euo pipefail
test_binary=$1
command -v xvfb-run >/dev/null || { echo "tray.sh: xvfb-run missing (installer/setup.sh installs it)" >&2; exit 1; }
command -v trayer >/dev/null || { echo "tray.sh: trayer missing (installer/setup.sh installs it)" >&2; exit 1; }
# Inside the virtual display: start the tray, then the test; the tray goes when the test ends.
exec xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
    trayer --edge top --align right --widthtype request --height 24 --expand true >/dev/null 2>&1 &
    tray=$!
    trap "kill $tray 2>/dev/null || true" EXIT
    CONFAB_EXPECT_TRAY=1 QT_QPA_PLATFORM=xcb "$0"
' "$test_binary"
