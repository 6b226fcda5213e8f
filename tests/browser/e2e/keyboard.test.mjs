// SPDX-License-Identifier: Apache-2.0
// (e) Keyboard only: shortcuts (N, P, C, 1, Esc) and Tab + Enter work a parcel from "no code"
// to its refusal photo, and an accepted one to Complete; focus is always visible.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setup, skipReason } from '../lib/setup.mjs';
import { pickCode } from '../lib/kiosk.mjs';
import { I18N, tid, count, waitOutcome, finishParcel, parcel, waitSessionChange } from '../lib/ui.mjs';

const skip = skipReason();

async function tabTo(page, testid, max = 60) {
  for (let i = 0; i < max; i += 1) {
    await page.keyboard.press('Tab');
    const at = await page.evaluate(() => document.activeElement && document.activeElement.dataset.testid);
    if (at === testid) return;
  }
  throw new Error(`Tab never reached ${testid}`);
}

async function focusRingVisible(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    const cs = getComputedStyle(el);
    return el.matches(':focus-visible') && cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2;
  });
}

test('keyboard only: no code and complete by shortcuts and by Tab', { skip, timeout: 120000 }, async (t) => {
  const ui = await setup(t, 'keyboard');
  const { page, kiosk } = ui;
  const rejected0 = await count(page, 'rejected');
  const accepted0 = await count(page, 'accepted');
  await page.locator('body').click({ position: { x: 5, y: 300 } }).catch(() => {});

  // 1. Shortcuts: N (no code), then the refusal photo and, if still open, C.
  await page.keyboard.press('n');
  await waitOutcome(page, 'rejected', 2000);
  assert.equal(await tid(page, 'decision').getAttribute('data-reason'), 'no_code');
  await ui.shot('n-no-code');
  const steps1 = await finishParcel(page, { keyboard: true });
  t.diagnostic(`no-code parcel by keys: ${steps1.join(', ')}`);
  await page.waitForFunction((n) => Number(document.querySelector('[data-testid="count-rejected"]').textContent) === n,
    rejected0 + 1, { timeout: 3000 });
  assert.equal(await tid(page, 'last').getAttribute('data-reason'), 'no_code');
  await ui.shot('no-code-done');

  // 2. Tab + Enter: "No code", then the overview photo button.
  await page.evaluate(() => document.activeElement && document.activeElement.blur());
  await tabTo(page, 'no-code');
  assert.equal(await focusRingVisible(page), true, 'the focused button shows a focus ring');
  await ui.shot('tab-focus-no-code');
  await page.keyboard.press('Enter');
  await waitOutcome(page, 'rejected', 2000);
  const { session } = await parcel(page);
  await tabTo(page, 'photo-overview');
  await page.keyboard.press('Enter');
  await waitSessionChange(page, session, 5000).catch(async () => {
    // A station that waits for Complete after the refusal photo: Tab to it.
    await tabTo(page, 'complete');
    await page.keyboard.press('Enter');
    await waitSessionChange(page, session, 5000);
  });
  await page.waitForFunction((n) => Number(document.querySelector('[data-testid="count-rejected"]').textContent) === n,
    rejected0 + 2, { timeout: 3000 });

  // 3. An accepted parcel by shortcuts only: 1 (grade OK), P/L (photos), C (complete).
  await kiosk.scan(pickCode('accepted', 'accepted', { withLabel: false }).code);
  await waitOutcome(page, 'accepted', 2000);
  await page.keyboard.press('1');
  await page.waitForFunction(() => document.querySelector('[data-testid="grade-ok"]').getAttribute('aria-pressed') === 'true');
  const steps3 = await finishParcel(page, { keyboard: true });
  t.diagnostic(`accepted parcel by keys: 1, ${steps3.join(', ')}`);
  assert.equal(steps3.at(-1), 'complete');
  await page.waitForFunction((n) => Number(document.querySelector('[data-testid="count-accepted"]').textContent) === n,
    accepted0 + 1, { timeout: 3000 });

  // 4. S opens the supervisor screen, Esc closes it; typing in the code field is not a shortcut.
  await page.keyboard.press('s');
  await page.waitForFunction(() => document.querySelector('[data-testid="supervisor"]').open);
  await page.waitForFunction(() => document.activeElement.dataset.testid === 'pin-input', null, { timeout: 2000 });
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => !document.querySelector('[data-testid="supervisor"]').open);
  // The dialog's close event (focus back, hash cleared) is a task of its own.
  await page.waitForFunction(() => location.hash === '', null, { timeout: 2000 });
  await page.keyboard.press('e');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'manual-input');
  await page.keyboard.type('nc');
  assert.equal(await tid(page, 'manual-input').inputValue(), 'nc');
  assert.equal(await tid(page, 'decision').getAttribute('data-outcome'), 'none', '"n" typed into the field is text');
  await page.keyboard.press('Escape');
  assert.notEqual(await page.evaluate(() => document.activeElement.dataset.testid), 'manual-input');
  assert.match(await tid(page, 'shortcuts').textContent(), new RegExp(I18N.t('en', 'shortcut.no_code')));
  await ui.shot('end-keyboard');
  await ui.finish();
});
