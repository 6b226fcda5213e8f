#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs the browser tests (node:test + playwright-core + Debian's Chromium) against the kiosk
# named by RETURNSCAN_BINARY (or the mock with RETURNSCAN_MOCK=1). Exit 77 (skipped) when
# Chromium, node or the npm packages are missing. Arguments: test files (default: e2e/).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here"

chromium=${RETURNSCAN_CHROMIUM:-/usr/bin/chromium}
skip() {
    if [ "${RETURNSCAN_REQUIRE_BROWSER:-}" = 1 ]; then
        echo "browser tests cannot run: $* (RETURNSCAN_REQUIRE_BROWSER=1)" >&2
        exit 1
    fi
    echo "browser tests skipped: $*" >&2
    exit 77
}
[ -x "$chromium" ] || skip "no Chromium at $chromium (apt-get install chromium)"
command -v node >/dev/null 2>&1 || skip "no node (apt-get install nodejs)"
[ -d node_modules/playwright-core ] || skip "no node_modules (run 'npm ci' in tests/browser)"
if [ -z "${RETURNSCAN_BINARY:-}" ] && [ "${RETURNSCAN_MOCK:-}" != 1 ]; then
    skip "set RETURNSCAN_BINARY to the built returnscan (or RETURNSCAN_MOCK=1 to use the mock)"
fi
if [ -n "${RETURNSCAN_BINARY:-}" ] && [ ! -x "$RETURNSCAN_BINARY" ]; then
    echo "RETURNSCAN_BINARY=$RETURNSCAN_BINARY is not an executable" >&2
    exit 1
fi

if [ $# -eq 0 ]; then
    set -- e2e/*.test.mjs
fi
# One test file at a time: each starts its own kiosk and Chromium, and the machine has 2 cores.
exec node --test --test-concurrency=1 --test-reporter=spec "$@"
