#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# What this machine can show of returnscan-display.service (docs/packaging.md, "The display"):
#  1. a kiosk (RETURNSCAN_BINARY, the demo) serves the operator page;
#  2. Chromium with the unit's flags, headless, screenshots the page (OUT/headless.png);
#  3. cage on wlroots' headless backend (WLR_BACKENDS=headless, WLR_RENDERER=pixman) runs the
#     unit's Chromium command line as the unprivileged user nobody, and grim captures its
#     screen (OUT/cage.ppm); the script reports whether anything was drawn.
# Not in the ctest suite: on a machine without a GPU, Chromium draws nothing inside cage
# (observed: a black frame; with --ozone-platform=wayland the browser exits after ~10 s), so
# step 3 proves only that cage starts and can be captured. Exit 77 when a tool is missing.
# Usage: RETURNSCAN_BINARY=build/dev/src/app/returnscan tests/install/display.sh [OUT]
set -euo pipefail
out=${1:-$(mktemp -d /tmp/returnscan-display.XXXXXX)}
mkdir -p "$out"
for tool in cage grim chromium curl runuser python3; do
    command -v "$tool" >/dev/null || { echo "display check skipped: no $tool" >&2; exit 77; }
done
[ "$(id -u)" -eq 0 ] || { echo "display check skipped: needs root (runs cage as nobody)" >&2; exit 77; }
bin=${RETURNSCAN_BINARY:?set RETURNSCAN_BINARY}
work=$(mktemp -d /tmp/returnscan-display-work.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

"$bin" kiosk --demo --demo-script none --http 127.0.0.1:0 >"$work/kiosk.out" 2>&1 &
pids+=($!)
url=
for _ in $(seq 1 100); do
    url=$(sed -n 's/.*UI at \(http[^ ]*\).*/\1/p' "$work/kiosk.out")
    [ -n "$url" ] && break
    sleep 0.2
done
[ -n "$url" ] || { cat "$work/kiosk.out" >&2; echo "kiosk did not start" >&2; exit 1; }
echo "kiosk: $url"

# The unit's flags (packaging/systemd/returnscan-display.service), --app replaced by the URL as
# the page to screenshot (headless Chromium takes no screenshot of an --app window).
flags=(--kiosk --no-first-run --noerrdialogs --disable-translate --disable-features=Translate
    --disable-session-crashed-bubble --password-store=basic)
timeout 60 chromium --headless=new --no-sandbox --window-size=1280,720 \
    --screenshot="$out/headless.png" --user-data-dir="$work/headless" "${flags[@]}" "$url" \
    >"$work/headless.log" 2>&1 || true
[ -s "$out/headless.png" ] && echo "headless: $out/headless.png" || echo "headless: no screenshot"

mkdir -p "$work/run" "$work/home"
chown nobody "$work/run" "$work/home"
chmod 0700 "$work/run"
runuser -u nobody -- env -i PATH=/usr/bin:/bin XDG_RUNTIME_DIR="$work/run" HOME="$work/home" \
    WLR_BACKENDS=headless WLR_RENDERER=pixman WLR_LIBINPUT_NO_DEVICES=1 \
    timeout 60 cage -d -s -- /usr/bin/chromium --ozone-platform=wayland "${flags[@]}" \
    --app="$url" --user-data-dir="$work/home/chromium" >"$out/cage.log" 2>&1 &
pids+=($!)
sleep 25
if runuser -u nobody -- env XDG_RUNTIME_DIR="$work/run" WAYLAND_DISPLAY=wayland-0 \
    grim -t ppm "$work/home/cage.ppm"; then
    cp "$work/home/cage.ppm" "$out/cage.ppm"
    python3 - "$out/cage.ppm" <<'EOF'
import sys
from collections import Counter
data = open(sys.argv[1], 'rb').read()
w, h = data.split(b'\n', 3)[1].split()
pixels = data.split(b'\n', 3)[3]
colours = Counter(pixels[i:i + 3] for i in range(0, len(pixels), 3 * 97))
print(f"cage: captured {w.decode()}x{h.decode()}, {len(colours)} colour(s) sampled:",
      "Chromium drew something" if len(colours) > 1 else "nothing drawn (one colour)")
EOF
else
    echo "cage: grim could not capture (cage exited: its client, Chromium, had exited)"
fi
echo "evidence in $out"
