#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# One-command set-up for a fresh Debian 12 machine: installs the Debian packages the build needs
# (only those missing, so it is idempotent), configures, builds, then runs the demo or the tests.
#
#   scripts/bootstrap.sh demo [kiosk options...]   build and run `returnscan kiosk --demo`
#   scripts/bootstrap.sh test [--preset NAME]      build and run the whole test suite
#                                                  (NAME: dev (default) or asan-ubsan)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"

# Every package the build and the tests use, all from Debian 12 (bookworm).
packages=(
    g++ cmake ninja-build pkg-config
    libsqlite3-dev libssl-dev nlohmann-json3-dev libcli11-dev
    libxkbcommon-dev xkb-data libudev-dev libusb-1.0-0-dev
    libzxing-dev libopencv-dev
    libcurl4-openssl-dev libcpp-httplib-dev
    libgtest-dev libgmock-dev
    sqlite3 openssl curl zbar-tools systemd udev
)

install_packages() {
    local missing=()
    for p in "${packages[@]}"; do
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
        install_packages
        build "$preset"
        ctest --preset "$preset"
        ;;
    *)
        sed -n '4,9p' "$0" >&2
        exit 2
        ;;
esac
