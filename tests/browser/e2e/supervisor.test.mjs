// SPDX-License-Identifier: Apache-2.0
// (c) The override flow: a rejected parcel, the supervisor's PIN, an override to accepted with
// a reason, the parcel finished, and the receipt search shows the override.
// (d) The PIN lockout: five wrong PINs lock, and the right PIN is refused while locked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setup, skipReason } from '../lib/setup.mjs';
import { pickCode } from '../lib/kiosk.mjs';
import { I18N, tid, text, waitOutcome, finishParcel, parcel, openSupervisor, enterPin, closeDialog } from '../lib/ui.mjs';

const skip = skipReason();
const PIN = '1234';
const WRONG = '2468';

test('override: rejected -> PIN -> accepted with a reason -> receipt search shows it', { skip, timeout: 120000 }, async (t) => {
  const ui = await setup(t, 'override');
  const { page, kiosk } = ui;
  const code = pickCode('rejected', 'expired');
  await kiosk.scan(code.code);
  await waitOutcome(page, 'rejected', 2000);
  const { session } = await parcel(page);
  assert.ok(session);

  // Supervisor actions need a login first.
  await openSupervisor(page);
  assert.equal(await tid(page, 'supervisor').getAttribute('data-view'), 'login');
  assert.equal(await page.evaluate(() => location.hash), '#supervisor');
  await ui.shot('pin-pad');
  const r = await enterPin(page, PIN);
  assert.equal(r.loggedIn, true, `login failed: ${r.error}`);
  assert.match(await text(page, 'sup-who'), /./);
  // The open, rejected parcel is suggested.
  assert.equal(await tid(page, 'override-receipt').inputValue(), session);
  await ui.shot('supervisor-main');

  // A reason is required.
  await tid(page, 'override-outcome-accepted').check();
  await tid(page, 'override-submit').click();
  await page.waitForFunction(() => !document.querySelector('[data-testid="override-result"]').hidden);
  assert.equal(await text(page, 'override-result'), I18N.t('en', 'sup.reason_required'));

  const reason = 'Customer sent it on day 14; approved by phone (ticket 4711)';
  await tid(page, 'override-reason').fill(reason);
  await tid(page, 'override-submit').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="override-result"]').classList.contains('is-ok'),
    null, { timeout: 5000 });
  await ui.shot('override-saved');

  await closeDialog(page);
  // The dialog's close event (which clears the hash) is dispatched as a task of its own.
  await page.waitForFunction(() => location.hash === '', null, { timeout: 2000 });
  await waitOutcome(page, 'accepted', 3000);
  assert.match(await text(page, 'decision-reason'), /ticket 4711/, 'the override reason is shown');
  assert.equal(await tid(page, 'decision-override').isVisible(), true, 'the station decision stays visible');
  assert.match(await text(page, 'decision-override'), new RegExp(I18N.t('en', 'outcome.rejected')));
  await ui.shot('overridden-accepted');

  // Finish the parcel as an accepted one (grade, photos, complete).
  const steps = await finishParcel(page);
  t.diagnostic(`steps after the override: ${steps.join(', ')}`);

  // Receipt search by code shows the override.
  await openSupervisor(page);
  assert.equal(await tid(page, 'supervisor').getAttribute('data-view'), 'main', 'still logged in');
  await tid(page, 'receipt-q').fill(code.code);
  await tid(page, 'receipt-search').click();
  const row = page.locator(`[data-testid="receipt-row"][data-receipt-id="${session}"]`);
  await row.waitFor({ timeout: 5000 });
  assert.equal(await row.getAttribute('data-overridden'), 'true');
  assert.match(await row.locator('[data-testid="receipt-override"]').textContent(), /ticket 4711/);
  assert.match(await row.locator('[data-testid="receipt-code"]').textContent(), new RegExp(code.code));
  await ui.shot('receipt-search');

  // Device and sync status are shown; Sync now answers.
  assert.ok(await tid(page, 'device-table').isVisible());
  assert.ok(await tid(page, 'sync-status').isVisible());
  if (await tid(page, 'sync-now').isEnabled()) {
    await tid(page, 'sync-now').click();
    await page.waitForFunction(() => !document.querySelector('[data-testid="sync-result"]').hidden, null, { timeout: 5000 });
    t.diagnostic(`sync now: ${await text(page, 'sync-result')}`);
  } else {
    t.diagnostic(`sync now disabled: central system ${await text(page, 'sync-configured')}`);
  }

  // Log out: back to the PIN pad.
  await tid(page, 'logout').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="supervisor"]').dataset.view === 'login');
  const s = await page.evaluate(async () => (await fetch('/api/session')).json());
  assert.equal(s.supervisor, null);
  await ui.shot('logged-out');
  await ui.finish();
});

test('PIN lockout: 5 wrong PINs lock; the right PIN is refused while locked', { skip, timeout: 120000 }, async (t) => {
  const ui = await setup(t, 'pin-lockout');
  const { page } = ui;
  await page.goto(new URL('/#supervisor', page.url()).href);
  await page.waitForSelector('body[data-conn="open"]');
  await page.waitForFunction(() => document.querySelector('[data-testid="supervisor"]').open);

  for (let i = 1; i <= 5; i += 1) {
    const r = await enterPin(page, WRONG, { typed: i % 2 === 0 });
    assert.equal(r.loggedIn, false);
    t.diagnostic(`wrong PIN ${i}: ${r.error}`);
    if (i < 5) assert.equal(r.error, I18N.t('en', 'sup.wrong_pin'));
  }
  await page.waitForFunction(() => document.querySelector('[data-testid="pin-form"]').dataset.locked === 'true',
    null, { timeout: 5000 });
  const lockedText = await text(page, 'login-error');
  assert.match(lockedText, /locked/i);
  assert.match(lockedText, /\d+:\d\d/, 'a countdown is shown');
  await ui.shot('locked');

  const r = await enterPin(page, PIN);
  assert.equal(r.loggedIn, false, 'the right PIN is refused while locked');
  assert.match(r.error, /locked/i);
  const s = await page.evaluate(async () => (await fetch('/api/session')).json());
  assert.equal(s.supervisor, null);
  assert.ok(s.locked_until, 'the session answer names the end of the lockout');
  // The countdown moves.
  const first = await text(page, 'login-error');
  await page.waitForFunction((f) => document.querySelector('[data-testid="login-error"]').textContent.trim() !== f,
    first, { timeout: 3000 });
  await ui.shot('still-locked');
  await ui.finish();
});
