// SPDX-License-Identifier: Apache-2.0
// Every view at 1280x800 (landscape) and 800x1280 (portrait touch screen): screenshots, no
// sideways scrolling, touch targets of at least 48 px, the prompt and the decision on the
// first screen. Then the "connection lost" banner when the kiosk goes away.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setup, skipReason } from '../lib/setup.mjs';
import { pickCode, labelOf } from '../lib/kiosk.mjs';
import { LANDSCAPE, PORTRAIT } from '../lib/browser.mjs';
import { tid, waitOutcome, abandon, openSupervisor, enterPin, closeDialog } from '../lib/ui.mjs';

const skip = skipReason();

async function checkLayout(page, view) {
  const r = await page.evaluate(() => {
    window.scrollTo(0, 0);
    const vw = window.innerWidth;
    const vh = window.innerHeight;
    const visible = (el) => {
      const b = el.getBoundingClientRect();
      if (b.width === 0 || b.height === 0) return false;
      const dlg = el.closest('dialog');
      return !dlg || dlg.open;
    };
    const modal = [...document.querySelectorAll('dialog')].some((d) => d.open);
    const small = [...document.querySelectorAll('button, input:not([type="radio"]), textarea, .radio')]
      .filter((el) => visible(el) && (!modal || el.closest('dialog')))
      .map((el) => ({ id: el.dataset.testid || el.className, b: el.getBoundingClientRect() }))
      .filter((x) => x.b.width < 47.5 || x.b.height < 47.5)
      .map((x) => `${x.id} ${Math.round(x.b.width)}x${Math.round(x.b.height)}`);
    const onFirstScreen = (id) => {
      const b = document.querySelector(`[data-testid="${id}"]`).getBoundingClientRect();
      return b.top >= 0 && b.bottom <= vh;
    };
    return {
      overflowX: document.documentElement.scrollWidth - vw,
      small,
      firstScreen: modal ? [] : ['prompt', 'decision', 'no-code', 'complete', 'abandon'].filter((id) => !onFirstScreen(id)),
    };
  });
  assert.ok(r.overflowX <= 0, `${view}: the page scrolls sideways by ${r.overflowX} px`);
  assert.deepEqual(r.small, [], `${view}: touch targets under 48 px`);
  assert.deepEqual(r.firstScreen, [], `${view}: not on the first screen`);
}

for (const [label, viewport, touch] of [['landscape', LANDSCAPE, false], ['portrait', PORTRAIT, true]]) {
  test(`views at ${viewport.width}x${viewport.height} (${label})`, { skip, timeout: 120000 }, async (t) => {
    const ui = await setup(t, `layout-${label}`, { viewport, touch });
    const { page, kiosk } = ui;
    const view = async (name) => {
      await checkLayout(page, `${label}/${name}`);
      await ui.shot(name);
    };
    await view('idle');

    await kiosk.scan(pickCode('accepted', 'accepted', { withLabel: false }).code);
    await waitOutcome(page, 'accepted', 2000);
    await view('accepted');
    await tid(page, 'grade-damaged_minor').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="grade-damaged_minor"]').getAttribute('aria-pressed') === 'true');
    await tid(page, 'flag-missing_item').click();
    await tid(page, 'photo-overview').click();
    await tid(page, 'thumb').first().waitFor();
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="thumb"] img')].every((i) => i.complete));
    await view('inspection');
    await tid(page, 'thumb').first().click();
    await page.waitForFunction(() => document.querySelector('[data-testid="photo-view"]').open);
    await ui.shot('photo-view');
    await closeDialog(page);
    await abandon(page);

    await kiosk.scan(pickCode('rejected', 'expired').code);
    await waitOutcome(page, 'rejected', 2000);
    await view('rejected');
    await abandon(page);

    const held = pickCode('held', 'order_mismatch');
    await kiosk.scan(labelOf(held));
    await waitOutcome(page, 'idle', 2000);
    await kiosk.scan(held.code);
    await waitOutcome(page, 'held', 2000);
    await view('held');
    await tid(page, 'lang-toggle').click();
    await page.waitForFunction(() => document.documentElement.lang === 'de');
    await view('held-german');
    await tid(page, 'lang-toggle').click();

    await openSupervisor(page);
    await view('supervisor-login');
    const r = await enterPin(page, '1234');
    assert.equal(r.loggedIn, true, r.error);
    await tid(page, 'receipt-row').first().waitFor({ timeout: 5000 });
    await view('supervisor-main');
    await closeDialog(page);
    await ui.finish();
  });
}

test('the connection-lost banner shows when the kiosk goes away', { skip, timeout: 60000 }, async (t) => {
  const ui = await setup(t, 'connection', {
    // Chromium logs the refused reconnects; they are the point of this test.
    allow: [/ERR_CONNECTION_REFUSED/, /api\/events/, /api\/preview/],
  });
  const { page, kiosk } = ui;
  assert.equal(await tid(page, 'conn-lost').isVisible(), false);
  await kiosk.stop();
  await page.waitForFunction(() => !document.querySelector('[data-testid="conn-lost"]').hidden, null, { timeout: 10000 });
  assert.equal(await page.locator('body').getAttribute('data-conn'), 'lost');
  await ui.shot('connection-lost');
  await ui.finish();
});
