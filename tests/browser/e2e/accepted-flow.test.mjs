// SPDX-License-Identifier: Apache-2.0
// (b) An accepted parcel from scan to receipt by touch: grade, flags, photos by role with the
// checklist, thumbnails, the live preview, Complete; today's counts go up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setup, skipReason } from '../lib/setup.mjs';
import { pickCode } from '../lib/kiosk.mjs';
import { I18N, tid, text, count, waitOutcome, finishParcel, parcel } from '../lib/ui.mjs';

const skip = skipReason();

test('accepted parcel: grade, photos, complete; counts increase', { skip, timeout: 120000 }, async (t) => {
  const ui = await setup(t, 'accepted-flow', { touch: true });
  const { page, kiosk } = ui;
  const before = { accepted: await count(page, 'accepted'), total: await count(page, 'total') };

  const code = pickCode('accepted', 'accepted', { withLabel: false });
  await kiosk.scan(code.code);
  await waitOutcome(page, 'accepted', 2000);
  const opened = await parcel(page);
  assert.ok(opened.missing.some((m) => m.what === 'condition'), 'the checklist asks for the condition');
  await ui.shot('accepted');

  // Expected lines are listed (the demo's accepted code has one).
  const lines = await tid(page, 'line').count();
  t.diagnostic(`expected lines shown: ${lines}`);

  // A flag toggles on and off.
  await tid(page, 'flag-wrong_item').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="flag-wrong_item"]').getAttribute('aria-pressed') === 'true');
  await ui.shot('flag-on');
  await tid(page, 'flag-wrong_item').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="flag-wrong_item"]').getAttribute('aria-pressed') === 'false');

  // Grade.
  await tid(page, 'grade-ok').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="grade-ok"]').getAttribute('aria-pressed') === 'true');
  assert.ok(!(await parcel(page)).missing.some((m) => m.what === 'condition'));
  await ui.shot('graded');

  // Photos by role (the simulated camera), each with a thumbnail, then Complete.
  const steps = await finishParcel(page, {
    onStep: async (label) => {
      if (label.startsWith('photo-')) {
        await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="thumb"] img')]
          .every((img) => img.complete && img.naturalWidth > 0));
      }
      if (label !== 'complete') await ui.shot(label);
    },
  });
  t.diagnostic(`steps: ${steps.join(', ')}`);
  assert.ok(steps.some((s) => s.startsWith('photo-')), 'at least one photo was taken');
  assert.equal(steps.at(-1), 'complete');

  await page.waitForFunction((n) => Number(document.querySelector('[data-testid="count-accepted"]').textContent) === n,
    before.accepted + 1, { timeout: 3000 });
  assert.equal(await count(page, 'total'), before.total + 1);
  assert.equal(await tid(page, 'last').getAttribute('data-outcome'), 'accepted');
  assert.match(await text(page, 'last-outcome'), new RegExp(I18N.t('en', 'outcome.accepted')));
  assert.match(await text(page, 'last-code'), new RegExp(code.code));
  assert.equal(await text(page, 'prompt'), I18N.t('en', 'prompt.scan_code'));

  // The live preview shows frames when the station has a camera.
  const st = await kiosk.state();
  if (st.camera) {
    await page.waitForFunction(() => {
      const img = document.querySelector('[data-testid="preview"]');
      return !img.hidden && img.complete && img.naturalWidth > 0;
    }, null, { timeout: 5000 });
  } else {
    assert.equal(await tid(page, 'preview-off').isVisible(), true);
  }
  await ui.shot('completed');
  await ui.finish();
});
