// SPDX-License-Identifier: Apache-2.0
// The demo authorizations of src/app/demo.cpp, computed the same way (RC + body + the ISO 7064
// MOD 37,36 check character; dates from today's UTC midnight). The mock server uses them, and
// the tests fall back to them when the kiosk under test cannot list its demo codes yet.

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DAY = 24 * 3600 * 1000;

/** The ISO 7064 MOD 37,36 check character of `body` (src/core/code_format.cpp). */
export function mod37_36(body) {
  let p = 36;
  for (const ch of body) {
    const v = ALPHABET.indexOf(ch);
    if (v < 0) throw new Error(`not in the code alphabet: ${ch}`);
    let s = (p + v) % 36;
    if (s === 0) s = 36;
    p = (2 * s) % 37;
  }
  return ALPHABET[(37 - p) % 36];
}

/** RC + body + check character. */
export function demoCode(body) {
  const text = 'RC' + body;
  return text + mod37_36(text);
}

const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The demo authorizations (as the mock stores them). */
export function demoAuthorizations(nowMs = Date.now()) {
  const day = Math.floor(nowMs / DAY) * DAY;
  const make = (body, order, status, issuedAgoMs, extra = {}) => {
    const issued = day - issuedAgoMs;
    return {
      code: demoCode(body), order, status, issued_at: iso(issued),
      expires_at: iso(extra.expiresAt ?? issued + 14 * DAY), lines: extra.lines || [],
      preReceived: !!extra.preReceived,
    };
  };
  return [
    make('DEMO00001', '100000001', 'approved', 2 * DAY,
      { lines: [{ sku: 'TSHIRT-RED-M', gtin: '04012345678901', qty: 1, description: 'T-shirt red M' }] }),
    make('DEMO00002', '100000002', 'pending', DAY),
    make('DEMO00003', '100000003', 'rejected', DAY),
    make('DEMO00004', '100000004', 'cancelled', DAY),
    make('DEMO00005', '100000005', 'approved', 15 * DAY),
    make('DEMO00006', '100000006', 'approved', 5 * DAY, { expiresAt: day - DAY }),
    make('DEMO00007', '100000007', 'approved', 3 * DAY, { preReceived: true }),
    make('DEMO00008', '100000008', 'approved', DAY),
    make('DEMO00009', '100000009', 'approved', DAY),
    make('DEMO0000A', '100000010', 'approved', DAY),
  ];
}

/**
 * The lines `returnscan kiosk --demo --list-demo-codes` prints (src/app/demo.cpp demoCodes()):
 * {code, expect, reason, order}, where `order` is the order label to scan before the code
 * (null: none).
 */
export function demoCodes() {
  const bad = demoCode('DEMO00001');
  const malformed = bad.slice(0, -1) + (bad.endsWith('Z') ? 'Y' : 'Z');
  const c = (code, expect, reason, order = null) => ({ code, expect, reason, order });
  return [
    c(demoCode('DEMO00001'), 'accepted', 'accepted'),
    c(demoCode('DEMO0000A'), 'accepted', 'accepted'),
    c(demoCode('DEMO00009'), 'accepted', 'accepted', '100000009'),
    c(demoCode('DEMO00008'), 'held', 'order_mismatch', '100000099'),
    c(demoCode('DEMO00007'), 'rejected', 'already_received'),
    c(demoCode('DEMO00005'), 'rejected', 'expired'),
    c(demoCode('DEMO00006'), 'rejected', 'expired'),
    c(demoCode('DEMO00002'), 'rejected', 'not_approved'),
    c(demoCode('DEMO00003'), 'rejected', 'not_approved'),
    c(demoCode('DEMO00004'), 'rejected', 'not_approved'),
    c(demoCode('DEMO99999'), 'rejected', 'unknown_code'),
    c(malformed, 'rejected', 'malformed_code'),
  ];
}
