#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The install test (docs/packaging.md): packages the build tree under test with CPack, installs
# the .deb with apt into a throwaway Debian 12 root (mmdebstrap from the Debian mirror this
# machine uses, then chroot) and checks what a station gets: files and modes, users, the
# shipped configuration, --version, the units (systemd-analyze verify), the udev rules' group
# (udevadm test), the kiosk starting with the shipped configuration and saying what is still to
# be configured, an upgrade that keeps and migrates a database with receipts, a refusal of a
# database newer than the program, remove (data and configuration kept) and purge
# (configuration gone, /var/lib/returnscan kept), and lintian.
#
# Exit 77 (skipped, with the reason) unless root with mmdebstrap, cpack, lintian and curl,
# except with RETURNSCAN_REQUIRE_INSTALL_TEST=1 (scripts/bootstrap.sh test sets it for the dev
# preset, so CI never skips it silently).
#
# Environment: RETURNSCAN_BUILD_DIR (the configured and built tree; required),
# RETURNSCAN_INSTALL_CACHE (default BUILD_DIR/install-cache: the base root, one per day and
# dependency list), RETURNSCAN_MIRROR (a sources.list or deb822 .sources file; default: this
# machine's Debian entry in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list).
set -euo pipefail

skip() {
    if [ "${RETURNSCAN_REQUIRE_INSTALL_TEST:-}" = 1 ]; then
        echo "install test cannot run: $* (RETURNSCAN_REQUIRE_INSTALL_TEST=1)" >&2
        exit 1
    fi
    echo "install test skipped: $*" >&2
    exit 77
}
[ "$(id -u)" -eq 0 ] || skip "not root (it needs chroot and mounts)"
for tool in mmdebstrap cpack dpkg-deb lintian curl; do
    command -v "$tool" >/dev/null 2>&1 || skip "no $tool (scripts/bootstrap.sh test installs it)"
done
build=${RETURNSCAN_BUILD_DIR:?set RETURNSCAN_BUILD_DIR to the build tree}
[ -f "$build/CPackConfig.cmake" ] || { echo "no CPackConfig.cmake in $build" >&2; exit 1; }
# A container may forbid mounts even to root.
probe=$(mktemp -d)
if ! mount -t tmpfs none "$probe" 2>/dev/null; then
    rmdir "$probe"
    skip "mounts are not permitted here"
fi
umount "$probe"
rmdir "$probe"

mirror=${RETURNSCAN_MIRROR:-}
if [ -z "$mirror" ]; then
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
        mirror=/etc/apt/sources.list.d/debian.sources
    elif [ -s /etc/apt/sources.list ]; then
        mirror=/etc/apt/sources.list
    else
        mirror=http://deb.debian.org/debian
    fi
fi

t0=$(date +%s)
step() { echo "== [$(($(date +%s) - t0)) s] $*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
check() { # check DESCRIPTION COMMAND...: runs the command, fails the test if it fails
    local what=$1
    shift
    if ! "$@"; then
        fail "$what"
    fi
    echo "ok: $what"
}

work=$(mktemp -d "${TMPDIR:-/tmp}/returnscan-install.XXXXXX")
root=$work/root
mounted=()
cleanup() {
    local status=$?
    # Processes started in the root (a kiosk) go first, then the mounts, innermost first.
    if [ -n "${kiosk_pid:-}" ]; then
        kill "$kiosk_pid" 2>/dev/null || true
        wait "$kiosk_pid" 2>/dev/null || true
    fi
    local i
    for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
        umount -l "${mounted[$i]}" 2>/dev/null || true
    done
    rm -rf "$work"
    exit $status
}
trap cleanup EXIT

# ---- the package ---------------------------------------------------------------------------
step "packaging $build with CPack"
cpack --config "$build/CPackConfig.cmake" -B "$work/deb" >"$work/cpack.log" 2>&1 ||
    { cat "$work/cpack.log" >&2; fail "cpack"; }
deb=$(ls "$work"/deb/returnscan_*.deb)
version=$(dpkg-deb -f "$deb" Version)
depends=$(dpkg-deb -f "$deb" Depends)
echo "package: $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB)"
echo "Depends: $depends"

step "lintian"
# Errors and warnings fail; each override carries its reason in the package
# (packaging/debian/lintian-overrides).
lintian --fail-on error,warning --display-level '>=warning' "$deb" || fail "lintian"
echo "ok: lintian: no errors, no warnings"

# ---- the base root: minbase + the package's dependencies, cached per day ------------------
# Its dependencies come from apt below as for a real installation; the cache only saves the
# download and unpacking between local runs (CI starts from a clean clone).
cache=${RETURNSCAN_INSTALL_CACHE:-$build/install-cache}
key=$(printf '%s\n%s\n' "$(date -u +%F)" "$(cat "$mirror" 2>/dev/null || echo "$mirror")" |
    sha256sum | cut -c1-12)
base=$cache/base-$key
if [ ! -f "$base/.complete" ]; then
    step "mmdebstrap: Debian 12 minbase from $mirror"
    rm -rf "$cache"/base-*
    mkdir -p "$cache"
    # A Debian 12 PC as the station starts: systemd and udev (the package's Depends would
    # bring them too; here the udev check runs before the package). sqlite3 rolls a database
    # back to an older schema; cage lets systemd-analyze verify the display unit's ExecStart.
    # force-unsafe-io: no fsync per file (a throwaway root; it stays set for the apt runs
    # below), which took the cold run from 16 to N minutes on a loaded machine.
    mmdebstrap --quiet --variant=minbase --include=systemd,udev,sqlite3,cage \
        --dpkgopt=force-unsafe-io \
        --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
        --dpkgopt='path-include=/usr/share/doc/*/copyright' \
        bookworm "$base" "$mirror" || fail "mmdebstrap"
    touch "$base/.complete"
else
    step "base root from the cache ($base)"
fi
mkdir -p "$root" "$work/upper" "$work/overlay-work"
mount -t overlay overlay -o "lowerdir=$base,upperdir=$work/upper,workdir=$work/overlay-work" \
    "$root"
mounted+=("$root")
for fs in proc sys dev dev/pts run; do
    mkdir -p "$root/$fs"
done
mount -t proc proc "$root/proc" && mounted+=("$root/proc")
mount --rbind /sys "$root/sys" && mount --make-rslave "$root/sys" && mounted+=("$root/sys")
mount --bind /dev "$root/dev" && mounted+=("$root/dev")
mount --bind /dev/pts "$root/dev/pts" && mounted+=("$root/dev/pts")
mount -t tmpfs tmpfs "$root/run" && mounted+=("$root/run")
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
# Downloaded packages are kept beside the base root for the next run of the day.
mkdir -p "$base.archives/partial"
mount --bind "$base.archives" "$root/var/cache/apt/archives" &&
    mounted+=("$root/var/cache/apt/archives")
# Services never start inside the root (no systemd runs there; policy-rc.d says so as well).
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 0755 "$root/usr/sbin/policy-rc.d"

in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 "$@"; }
as_station() { chroot --userspec=returnscan:returnscan "$root" /usr/bin/env -i \
    PATH=/usr/bin:/bin LC_ALL=C.UTF-8 "$@"; }

# ---- the previous build: this package with a lower version ---------------------------------
# The upgrade below goes from it to this build. (A package of the previous release, when there
# is one, can be given as RETURNSCAN_PREVIOUS_DEB.)
prev=${RETURNSCAN_PREVIOUS_DEB:-}
if [ -z "$prev" ]; then
    dpkg-deb -R "$deb" "$work/prev"
    sed -i "s/^Version: .*/Version: ${version%-*}~prev-1/" "$work/prev/DEBIAN/control"
    prev=$work/returnscan_previous.deb
    dpkg-deb --root-owner-group -Zxz -b "$work/prev" "$prev" >/dev/null
fi
cp "$deb" "$prev" "$root/tmp/"
prev_in_root=/tmp/$(basename "$prev")
deb_in_root=/tmp/$(basename "$deb")

# The issue's symptom on a fresh machine: the rules name a group nobody created.
step "udev: the rules without the package"
dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/lib/udev/rules.d/70-returnscan.rules \
    >"$root/etc/udev/rules.d/70-returnscan.rules"
udev_out=$(in_root udevadm test --action=add /devices/virtual/mem/null 2>&1 || true)
check "udevadm test without the package: Unknown group 'returnscan' (the check works)" \
    grep -q "Unknown group 'returnscan'" <<<"$udev_out"
rm "$root/etc/udev/rules.d/70-returnscan.rules"

# ---- install ------------------------------------------------------------------------------
step "apt-get install the previous build (dependencies from the mirror)"
in_root apt-get update -qq >/dev/null
in_root apt-get install -y -qq --no-install-recommends "$prev_in_root" >"$work/apt.log" 2>&1 ||
    { tail -30 "$work/apt.log" >&2; fail "apt-get install $prev_in_root"; }

step "udev: the rules' group with the package"
udev_out=$(in_root udevadm test --action=add /devices/virtual/mem/null 2>&1 || true)
check "udevadm test reads /usr/lib/udev/rules.d/70-returnscan.rules" \
    grep -q "70-returnscan.rules" <<<"$udev_out"
if grep -q "Unknown group" <<<"$udev_out"; then
    grep "Unknown group" <<<"$udev_out" >&2
    fail "udevadm test: unknown group"
fi
echo "ok: udevadm test: no unknown group"

step "files, modes, users"
# Names as the root resolves them (its returnscan has another gid than anything on the host).
mode() { in_root stat -c '%a %U:%G' "$1"; }
expect_mode() { # PATH "MODE OWNER:GROUP"
    local got
    got=$(mode "$1")
    [ "$got" = "$2" ] || fail "$1 is $got, expected $2"
    echo "ok: $1 $2"
}
expect_mode /usr/bin/returnscan "755 root:root"
expect_mode /usr/lib/udev/rules.d/70-returnscan.rules "644 root:root"
for u in returnscan-kiosk.service returnscan-sync.service returnscan-sync.timer \
    returnscan-display.service; do
    expect_mode "/usr/lib/systemd/system/$u" "644 root:root"
done
expect_mode /usr/lib/sysusers.d/returnscan.conf "644 root:root"
expect_mode /usr/lib/tmpfiles.d/returnscan.conf "644 root:root"
expect_mode /etc/returnscan/kiosk.toml "640 root:returnscan"
expect_mode /etc/returnscan/sync.env "640 root:returnscan"
for d in /var/lib/returnscan /var/lib/returnscan/photos /var/lib/returnscan/clips \
    /var/lib/returnscan/backup; do
    expect_mode "$d" "750 returnscan:returnscan"
done
# Docs and man page from the package's file list (the base root's dpkg skips /usr/share/doc
# and /usr/share/man, as a minimal system would).
contents=$(dpkg-deb -c "$deb")
for f in doc/returnscan/copyright doc/returnscan/changelog.Debian.gz doc/returnscan/README.md \
    doc/returnscan/install.md doc/returnscan/configuration.md man/man1/returnscan.1.gz; do
    check "/usr/share/$f in the package" grep -q -- "-rw-r--r-- root/root .* ./usr/share/$f$" \
        <<<"$contents"
done
check "conffiles" diff <(printf '/etc/returnscan/kiosk.toml\n/etc/returnscan/sync.env\n') \
    <(dpkg-deb -I "$deb" conffiles)
passwd=$(in_root getent passwd returnscan)
check "user returnscan (home /var/lib/returnscan, no login): $passwd" \
    grep -Eq '^returnscan:x:[0-9]+:[0-9]+:[^:]*:/var/lib/returnscan:/usr/sbin/nologin$' <<<"$passwd"
check "group returnscan" in_root getent group returnscan
check "user returnscan-display" in_root getent passwd returnscan-display
check "every key of the shipped kiosk.toml is commented out" \
    test -z "$(grep -Ev '^(#|$)' "$root/etc/returnscan/kiosk.toml")"
check "the shipped kiosk.toml is valid" \
    as_station returnscan kiosk --check-config --config /etc/returnscan/kiosk.toml

step "--version"
ver_out=$(in_root returnscan --version)
echo "$ver_out"
upstream=${version%-*}
upstream=${upstream%~prev}
check "--version names the package's version and revision" \
    grep -q "^returnscan $upstream (revision " <<<"$ver_out"

step "systemd units"
check "kiosk and sync timer enabled, display not" test \
    -L "$root/etc/systemd/system/multi-user.target.wants/returnscan-kiosk.service" -a \
    -L "$root/etc/systemd/system/timers.target.wants/returnscan-sync.timer" -a \
    ! -e "$root/etc/systemd/system/graphical.target.wants/returnscan-display.service"
check "systemd-analyze verify" in_root systemd-analyze verify \
    /usr/lib/systemd/system/returnscan-kiosk.service /usr/lib/systemd/system/returnscan-sync.service \
    /usr/lib/systemd/system/returnscan-sync.timer /usr/lib/systemd/system/returnscan-display.service
for u in returnscan-kiosk.service returnscan-sync.service; do
    exposure=$(in_root systemd-analyze security --offline=true "/usr/lib/systemd/system/$u" 2>&1 |
        sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
    check "$u exposure $exposure <= 2.0" awk -v e="$exposure" 'BEGIN { exit !(e != "" && e <= 2.0) }'
done

step "the kiosk with the shipped configuration (as the unit runs it, as user returnscan)"
as_station returnscan kiosk --config /etc/returnscan/kiosk.toml --http 127.0.0.1:0 \
    >"$work/kiosk.out" 2>"$work/kiosk.err" &
kiosk_pid=$!
url=
for _ in $(seq 1 100); do
    url=$(sed -n 's/^returnscan: UI at \(http[^ ]*\).*/\1/p' "$work/kiosk.out")
    [ -n "$url" ] && break
    kill -0 "$kiosk_pid" 2>/dev/null || break
    sleep 0.1
done
[ -n "$url" ] || { cat "$work/kiosk.err" >&2; fail "the kiosk did not start"; }
state=$(curl -sf "${url%/}/api/state")
check "the page's state names what is still to be configured" grep -q \
    '"setup":\["\[station\] id","\[sync\] central_url","token file /etc/returnscan/central-token"\]' \
    <<<"$state"
kill "$kiosk_pid"
# (Its exit status through chroot is reported, not judged: the kiosk's clean stop on SIGTERM is
# tested by tests/app/kiosk_test.cpp.)
stop_status=0
wait "$kiosk_pid" || stop_status=$?
echo "kiosk stopped (exit $stop_status)"
kiosk_pid=

step "a database with receipts, rolled back to schema version 2; a configured station id"
db=/var/lib/returnscan/returnscan.db
cat >"$root/tmp/codes.jsonl" <<'EOF'
{"code":"RC7K3M9Q2XWR","order":"100045678","status":"approved","issued_at":"2026-01-01T00:00:00Z","expires_at":"2099-01-01T00:00:00Z"}
EOF
chmod 0644 "$root/tmp/codes.jsonl"
as_station returnscan --db "$db" codes import /tmp/codes.jsonl >/dev/null
# Exit 0 (accepted) or 1 (refused): either way a receipt is recorded.
as_station returnscan --db "$db" receive RC7K3M9Q2XWR --order 100045678 --json >/dev/null ||
    [ $? -eq 1 ] || fail "receive"
as_station returnscan --db "$db" receive --no-code --json >/dev/null || [ $? -eq 1 ] ||
    fail "receive --no-code"
receipts_before=$(as_station returnscan --db "$db" receipts list --json | wc -l)
check "two receipts recorded" test "$receipts_before" -eq 2
schema=$(as_station sqlite3 "$db" 'PRAGMA user_version')
# What schema version 2 had: no version-3 indexes, no version-4 column (as the store's own
# migration test, tests/store/session_store_test.cpp, does it). As the user returnscan, so that
# SQLite's -wal and -shm files stay the station's.
drops=$(as_station sqlite3 "$db" "SELECT group_concat('DROP INDEX ' || name || ';', ' ') \
    FROM sqlite_schema WHERE type = 'index' AND name IN ('receipts_open', 'receipts_code', \
    'receipts_order', 'photos_sha256', 'receipts_decision', 'receipts_overridden', \
    'receipts_abandoned')")
as_station sqlite3 "$db" "$drops ALTER TABLE outbox DROP COLUMN revision; PRAGMA user_version = 2;"
check "database at schema version 2 (current: $schema)" \
    test "$(as_station sqlite3 "$db" 'PRAGMA user_version')" -eq 2
sed -i 's/^#\[station\]$/[station]/; s/^#id = "dock-3" /id = "dock-3" /' \
    "$root/etc/returnscan/kiosk.toml"
check "station id set in kiosk.toml" grep -q '^id = "dock-3"' "$root/etc/returnscan/kiosk.toml"

step "upgrade to this build"
in_root apt-get install -y -qq --no-install-recommends "$deb_in_root" >"$work/apt.log" 2>&1 ||
    { tail -30 "$work/apt.log" >&2; fail "apt-get install $deb_in_root (upgrade)"; }
check "installed version $version" \
    test "$(in_root dpkg-query -W -f '${Version}' returnscan)" = "$version"
check "the changed kiosk.toml is kept" grep -q '^id = "dock-3"' "$root/etc/returnscan/kiosk.toml"
expect_mode /etc/returnscan/kiosk.toml "640 root:returnscan"
check "the database is untouched until the program opens it" \
    test "$(as_station sqlite3 "$db" 'PRAGMA user_version')" -eq 2
receipts_after=$(as_station returnscan --db "$db" receipts list --json | wc -l)
check "the receipts are kept ($receipts_after)" test "$receipts_after" -eq "$receipts_before"
check "the schema is migrated to version $schema at the first open" \
    test "$(as_station sqlite3 "$db" 'PRAGMA user_version')" -eq "$schema"
check "audit verify" as_station returnscan --db "$db" audit verify

step "a database newer than the program is refused"
as_station cp "$db" /var/lib/returnscan/newer.db
as_station sqlite3 /var/lib/returnscan/newer.db "PRAGMA user_version = $((schema + 1))"
set +e
newer=$(as_station returnscan --db /var/lib/returnscan/newer.db receipts list 2>&1)
newer_status=$?
printf '[storage]\ndatabase = "/var/lib/returnscan/newer.db"\n' >"$root/tmp/newer.toml"
chmod 0644 "$root/tmp/newer.toml"
newer_kiosk=$(as_station timeout 20 returnscan kiosk --config /tmp/newer.toml --http 127.0.0.1:0 2>&1)
newer_kiosk_status=$?
set -e
echo "$newer_kiosk"
check "receipts list refuses it (exit $newer_status)" test "$newer_status" -eq 2
check "the kiosk refuses to start (exit $newer_kiosk_status) and says why" \
    grep -q "schema version $((schema + 1)) is newer than this program ($schema)" <<<"$newer_kiosk"
test "$newer_kiosk_status" -eq 2 || fail "kiosk exit status $newer_kiosk_status"
in_root rm /var/lib/returnscan/newer.db

step "remove"
echo "secret" >"$root/etc/returnscan/central-token"
in_root apt-get remove -y -qq returnscan >"$work/apt.log" 2>&1 ||
    { tail -30 "$work/apt.log" >&2; fail "apt-get remove"; }
check "program removed" test ! -e "$root/usr/bin/returnscan"
check "database kept" test -s "$root$db"
check "configuration kept" test -f "$root/etc/returnscan/kiosk.toml" -a \
    -f "$root/etc/returnscan/central-token"
check "user kept" in_root getent passwd returnscan

step "purge"
in_root apt-get purge -y -qq returnscan >"$work/apt.log" 2>&1 ||
    { tail -30 "$work/apt.log" >&2; fail "apt-get purge"; }
check "purge says that it leaves /var/lib/returnscan" \
    grep -q "purge leaves /var/lib/returnscan" "$work/apt.log"
check "configuration removed" test ! -e "$root/etc/returnscan"
check "database, photos, clips kept" test -s "$root$db" -a -d "$root/var/lib/returnscan/photos" \
    -a -d "$root/var/lib/returnscan/clips"
check "no unit links left" test -z "$(find "$root/etc/systemd/system" -name 'returnscan*')"

step "done: all checks passed"
