#!/usr/bin/env bash
# Builds the Linux packages (build/package: confab_*.deb, confabd_*.deb, confab-*.tar.gz) and checks
# them: metadata and contents (dpkg-deb), lintian, the desktop entry and AppStream metadata, the
# systemd unit; then installs into a DESTDIR and runs the installed confabd through a smoke test
# (start, accounts from its admin command, a client core sends and another receives, SIGTERM).
#   installer/package.sh            build and check
#   installer/package.sh --build    build only
set -euo pipefail
cd "$(dirname "$0")/.."
./installer/setup.sh --packaging

build=build/package
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCONFAB_BUILD_TESTS=OFF \
    -DCONFAB_WERROR=ON -DCMAKE_INSTALL_PREFIX=/usr >/dev/null
cmake --build "$build" --parallel "$(nproc)"
rm -f "$build"/*.deb "$build"/*.tar.gz
(cd "$build" && cpack -G "DEB;TGZ" >/dev/null)
ls -l "$build"/*.deb "$build"/*.tar.gz
[ "${1:-}" = "--build" ] && exit 0

work=$(mktemp -d)
server_pid=
trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"' EXIT
fail() { echo "package check: $*" >&2; exit 1; }
deb() { ls "$build"/"$1"_*.deb; }

echo "== metadata"
for package in confab confabd; do
    dpkg-deb -I "$(deb $package)" | sed 's/^/  /'
done
[ "$(dpkg-deb -f "$(deb confabd)" Package)" = confabd ] || fail "confabd: wrong name"
[ "$(dpkg-deb -f "$(deb confab)" Package)" = confab ] || fail "confab: wrong name"
server_depends=$(dpkg-deb -f "$(deb confabd)" Depends)
for needed in libqt6core6 libqt6network6 libqt6websockets6 libqt6sql6 libqt6sql6-sqlite libsodium23 libprotobuf32 libzstd1; do
    grep -qw -- "$needed" <<<"$server_depends" || fail "confabd does not depend on $needed: $server_depends"
done
client_depends=$(dpkg-deb -f "$(deb confab)" Depends)
for needed in libqt6widgets6 libqt6gui6 libqt6sql6-sqlite qt6-qpa-plugins; do
    grep -qw -- "$needed" <<<"$client_depends" || fail "confab does not depend on $needed: $client_depends"
done
grep -qw confabd <<<"$(dpkg-deb -f "$(deb confab)" Recommends)" || fail "confab does not recommend confabd"
! grep -qw libqt6widgets6 <<<"$server_depends" || fail "the server depends on Qt Widgets"

echo "== contents"
# (Listings are read whole first: `grep -q` closing a pipe early would fail it under pipefail.)
server_files=$(dpkg-deb -c "$(deb confabd)" | awk '{print $NF}')
client_files=$(dpkg-deb -c "$(deb confab)" | awk '{print $NF}')
archive_files=$(tar -tzf "$build"/confab-*.tar.gz)
for path in ./usr/bin/confabd ./lib/systemd/system/confabd.service ./etc/confabd/confabd.conf \
    ./usr/share/man/man8/confabd.8.gz ./usr/share/doc/confabd/copyright; do
    grep -qx -- "$path" <<<"$server_files" || fail "confabd lacks $path"
done
for path in ./usr/bin/confab ./usr/share/applications/org.confab.Confab.desktop \
    ./usr/share/metainfo/org.confab.Confab.metainfo.xml ./usr/share/man/man1/confab.1.gz \
    ./usr/share/icons/hicolor/48x48/apps/confab.png ./usr/share/icons/hicolor/512x512/apps/confab.png \
    ./usr/share/icons/hicolor/scalable/apps/confab.svg ./usr/share/doc/confab/copyright; do
    grep -qx -- "$path" <<<"$client_files" || fail "confab lacks $path"
done
mkdir -p "$work/control"
dpkg-deb -e "$(deb confabd)" "$work/control"
grep -qx /etc/confabd/confabd.conf "$work/control/conffiles" || fail "the config is not a conffile"
grep -q '/usr/bin/confabd$' <<<"$archive_files" || fail "the archive lacks confabd"
grep -q '/usr/bin/confab$' <<<"$archive_files" || fail "the archive lacks confab"
echo "  ok"

echo "== lintian"
lintian --fail-on error,warning "$(deb confabd)" "$(deb confab)" 2>&1 \
    | grep -v 'running with root privileges' || true
lintian --fail-on error,warning "$(deb confabd)" "$(deb confab)" >/dev/null 2>&1 || fail "lintian"
echo "  ok"

echo "== desktop entry, AppStream metadata, the systemd unit's hardening"
dpkg-deb -x "$(deb confab)" "$work/client"
dpkg-deb -x "$(deb confabd)" "$work/server"
desktop-file-validate "$work/client/usr/share/applications/org.confab.Confab.desktop"
appstreamcli validate --no-net "$work/client/usr/share/metainfo/org.confab.Confab.metainfo.xml"
grep -q '^ExecStart=/usr/bin/confabd --config /etc/confabd/confabd.conf$' \
    "$work/server/lib/systemd/system/confabd.service" || fail "unit: ExecStart"
for setting in DynamicUser=yes StateDirectory=confabd ProtectSystem=strict NoNewPrivileges=yes \
    Restart=on-failure; do
    grep -qx "$setting" "$work/server/lib/systemd/system/confabd.service" || fail "unit: $setting"
done
echo "  ok"

echo "== installed into a DESTDIR: the smoke test runs that confabd"
DESTDIR="$work/root" cmake --install "$build" >/dev/null
[ -x "$work/root/usr/bin/confabd" ] || fail "no confabd in the DESTDIR"
"$work/root/usr/bin/confabd" --version
smoke=build/test/tests/client/tst_serversmoke
if [ ! -x "$smoke" ]; then
    cmake -S . -B build/test -G Ninja -DCONFAB_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build build/test --target tst_serversmoke
fi
CONFAB_SMOKE_CONFABD="$work/root/usr/bin/confabd" QT_QPA_PLATFORM=offscreen "$smoke"
echo "package check: all passed"
