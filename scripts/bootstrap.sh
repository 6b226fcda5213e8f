#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# One-command set-up for a fresh Debian 12 machine: installs the Debian packages the build needs
# (only those missing, so it is idempotent), configures, builds, then runs the demo or the tests.
#
#   scripts/bootstrap.sh demo [kiosk options...]   build and run `returnscan kiosk --demo`
#   scripts/bootstrap.sh test [--preset NAME]      build and run the whole test suite
#                                                  (NAME: dev (default), asan-ubsan, or tsan:
#                                                  the threaded modules' tests only)
#   scripts/bootstrap.sh package                   build the release .deb, check it with
#                                                  lintian; its path is the last line
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"

# Every package the build and the tests use, all from Debian 12 (bookworm).
packages=(
    g++ cmake ninja-build pkg-config help2man
    libsqlite3-dev libssl-dev nlohmann-json3-dev libcli11-dev libtomlplusplus-dev
    libxkbcommon-dev xkb-data libudev-dev libusb-1.0-0-dev
    libzxing-dev libopencv-dev libjpeg62-turbo-dev
    libcurl4-openssl-dev libcpp-httplib-dev libsystemd-dev
    libgtest-dev libgmock-dev
    sqlite3 openssl curl zbar-tools systemd udev
)
# The browser tests only: Debian's Chromium (driven by playwright-core from npm, never a
# downloaded browser), and Node.js with npm unless the machine already has them.
test_packages=(chromium)
# The install test (tests/install/run.sh) and the package command: a throwaway Debian 12 root
# and the package checker.
package_packages=(lintian mmdebstrap dpkg-dev)

install_packages() {
    local missing=()
    local wanted=("${packages[@]}" "$@")
    for p in "${wanted[@]}"; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
            missing+=("$p")
        fi
    done
    if [ ${#missing[@]} -eq 0 ]; then
        return 0
    fi
    echo "bootstrap: installing Debian packages: ${missing[*]}" >&2
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || { echo "bootstrap: run as root (or install sudo) to install: ${missing[*]}" >&2; exit 1; }
        sudo=(sudo)
    fi
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# playwright-core from the lock file; again only when the lock file changed (npm ci starts
# from scratch, so a stamp of the lock file it installed is kept in node_modules).
install_browser_tooling() {
    local dir="$here/tests/browser"
    local stamp="$dir/node_modules/.returnscan-installed-lock.json"
    if [ -f "$stamp" ] && cmp -s "$stamp" "$dir/package-lock.json"; then
        return 0
    fi
    echo "bootstrap: installing the browser-test tooling (npm ci in tests/browser)" >&2
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    cp "$dir/package-lock.json" "$stamp"
}

build() {
    local preset=$1
    cmake --preset "$preset" >/dev/null
    cmake --build --preset "$preset"
}

cmd=${1:-}
shift || true
case "$cmd" in
    demo)
        install_packages
        build dev
        exec "$here/build/dev/src/app/returnscan" kiosk --demo "$@"
        ;;
    test)
        preset=dev
        if [ "${1:-}" = "--preset" ]; then
            preset=${2:?--preset needs a name}
        fi
        extra=("${test_packages[@]}" "${package_packages[@]}")
        command -v npm >/dev/null 2>&1 || extra+=(nodejs npm)
        install_packages "${extra[@]}"
        install_browser_tooling
        build "$preset"
        runner=()
        if [ "$preset" = tsan ]; then
            # GCC 12's ThreadSanitizer expects the address-space layout of kernels with at most
            # 28 bits of mmap randomness; with more (vm.mmap_rnd_bits 32 on newer kernels) it
            # stops with "unexpected memory mapping". setarch -R turns address-space
            # randomisation off for ctest and every process it starts.
            runner=(setarch "$(uname -m)" -R)
        fi
        # The install test runs (never skips) in the dev suite; sanitizer builds do not have it.
        require_install=()
        [ "$preset" = dev ] && require_install=(RETURNSCAN_REQUIRE_INSTALL_TEST=1)
        env RETURNSCAN_REQUIRE_BROWSER=1 "${require_install[@]}" "${runner[@]}" ctest --preset "$preset"
        ;;
    package)
        install_packages "${package_packages[@]}"
        build release >&2
        rm -rf "$here/build/release/deb"
        cpack --config "$here/build/release/CPackConfig.cmake" -B "$here/build/release/deb" >&2
        deb=$(ls "$here"/build/release/deb/returnscan_*.deb)
        # Errors and warnings fail; every override carries its reason
        # (packaging/debian/lintian-overrides).
        lintian --fail-on error,warning "$deb" >&2
        echo "$deb"
        ;;
    *)
        sed -n '4,13p' "$0" >&2
        exit 2
        ;;
esac
