// SPDX-License-Identifier: Apache-2.0
// (a) Scans through the scanner FIFO change the page: the decision in words, icon and colour
// within 2 s, the reason in plain language (English and German), and "No code".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setup, skipReason } from '../lib/setup.mjs';
import { demoCodes, pickCode, labelOf } from '../lib/kiosk.mjs';
import { I18N, tid, text, waitOutcome, abandon, parcel } from '../lib/ui.mjs';

const skip = skipReason();

test('scanned codes show their decision and reason; No code rejects', { skip, timeout: 120000 }, async (t) => {
  const codes = demoCodes();
  if (codes.note) t.diagnostic(codes.note);
  const ui = await setup(t, 'decisions');
  const { page, kiosk } = ui;

  assert.equal(await tid(page, 'decision').getAttribute('data-outcome'), 'none');
  assert.equal(await text(page, 'prompt'), I18N.t('en', 'prompt.scan_code'));
  await ui.shot('idle');

  // Accepted.
  const ok = pickCode('accepted', 'accepted', { withLabel: false });
  let t0 = Date.now();
  await kiosk.scan(ok.code);
  await waitOutcome(page, 'accepted', 2000);
  t.diagnostic(`accepted shown after ${Date.now() - t0} ms`);
  assert.equal(await text(page, 'decision-words'), I18N.t('en', 'outcome.accepted'));
  assert.equal(await tid(page, 'decision-icon').getAttribute('data-icon'), 'accepted');
  assert.equal(await text(page, 'decision-reason'), I18N.t('en', 'reason.accepted'));
  assert.equal(await text(page, 'decision-code'), ok.code);
  assert.equal(await tid(page, 'grade-ok').isEnabled(), true, 'grading is possible after acceptance');
  assert.equal(await page.locator('body').getAttribute('data-last-sound'), 'accepted');
  await ui.shot('accepted');
  await abandon(page);

  // Expired: rejected, with the reason in English and, after switching, in German.
  const expired = pickCode('rejected', 'expired');
  t0 = Date.now();
  await kiosk.scan(expired.code);
  await waitOutcome(page, 'rejected', 2000);
  t.diagnostic(`rejected shown after ${Date.now() - t0} ms`);
  assert.equal(await text(page, 'decision-words'), I18N.t('en', 'outcome.rejected'));
  assert.equal(await tid(page, 'decision-icon').getAttribute('data-icon'), 'rejected');
  assert.equal(await tid(page, 'decision').getAttribute('data-reason'), 'expired');
  assert.equal(await text(page, 'decision-reason'), I18N.t('en', 'reason.expired'));
  assert.match(await text(page, 'decision-reason'), /expired/);
  assert.equal(await tid(page, 'grade-ok').isEnabled(), false, 'no grading for a rejected parcel');
  assert.equal(await page.locator('body').getAttribute('data-last-sound'), 'rejected');
  await ui.shot('rejected-expired-en');
  await tid(page, 'lang-toggle').click();
  await page.waitForFunction(() => document.documentElement.lang === 'de');
  assert.equal(await text(page, 'decision-words'), I18N.t('de', 'outcome.rejected'));
  assert.equal(await text(page, 'decision-reason'), I18N.t('de', 'reason.expired'));
  assert.match(await text(page, 'decision-reason'), /abgelaufen/);
  await ui.shot('rejected-expired-de');
  await tid(page, 'lang-toggle').click();
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  await abandon(page);

  // Order label of another order, then the code: held.
  const held = pickCode('held', 'order_mismatch');
  const label = labelOf(held);
  assert.ok(label, 'the held demo code names the order label to scan first');
  await kiosk.scan(label);
  await waitOutcome(page, 'idle', 2000);
  assert.equal(await text(page, 'prompt'), I18N.t('en', 'prompt.scan_code_or_no_code'));
  await ui.shot('order-label-scanned');
  t0 = Date.now();
  await kiosk.scan(held.code);
  await waitOutcome(page, 'held', 2000);
  t.diagnostic(`held shown after ${Date.now() - t0} ms`);
  assert.equal(await text(page, 'decision-words'), I18N.t('en', 'outcome.held'));
  assert.equal(await tid(page, 'decision-icon').getAttribute('data-icon'), 'held');
  assert.equal(await text(page, 'decision-reason'), I18N.t('en', 'reason.order_mismatch'));
  assert.equal(await text(page, 'prompt'), I18N.t('en', 'prompt.override_or_refusal_photo'));
  await ui.shot('held');
  await abandon(page);

  // The operator says the parcel has no code.
  assert.equal(await tid(page, 'no-code').isEnabled(), true);
  t0 = Date.now();
  await tid(page, 'no-code').click();
  await waitOutcome(page, 'rejected', 2000);
  t.diagnostic(`no_code shown after ${Date.now() - t0} ms`);
  assert.equal(await tid(page, 'decision').getAttribute('data-reason'), 'no_code');
  assert.equal(await text(page, 'decision-reason'), I18N.t('en', 'reason.no_code'));
  assert.ok(['refusal_photo', 'override_or_refusal_photo'].includes(await tid(page, 'prompt').getAttribute('data-prompt')));
  assert.ok([I18N.t('en', 'prompt.refusal_photo'), I18N.t('en', 'prompt.override_or_refusal_photo')]
    .includes(await text(page, 'prompt')));
  const p = await parcel(page);
  assert.deepEqual(p.missing.map((m) => `${m.what}:${m.role}`), ['photo:overview'],
    'a refused parcel asks for its refusal photo');
  await ui.shot('rejected-no-code');

  // A code typed by hand goes the same way as a scan.
  await abandon(page);
  await tid(page, 'manual-input').fill(pickCode('rejected', 'unknown_code').code);
  await tid(page, 'manual-submit').click();
  await waitOutcome(page, 'rejected', 2000);
  assert.equal(await tid(page, 'decision').getAttribute('data-reason'), 'unknown_code');
  // The field is cleared when the POST answers, which may come after the SSE event.
  await page.waitForFunction(() => document.querySelector('[data-testid="manual-input"]').value === '',
    null, { timeout: 3000 });
  await ui.shot('rejected-typed-unknown');

  await ui.finish();
});
