// SPDX-License-Identifier: Apache-2.0
// What an operator or supervisor does on the page, for the tests: waits on the DOM (the
// data-testid attributes of src/ui/assets/index.html), never on sleeps alone.
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The page's own strings (src/ui/assets/i18n.js), to compare with what it shows. */
export const I18N = (() => {
  const sandbox = { globalThis: {} };
  vm.runInNewContext(fs.readFileSync(path.resolve(here, '../../../src/ui/assets/i18n.js'), 'utf8'), sandbox);
  return sandbox.globalThis.RS_I18N;
})();

export const tid = (page, id) => page.locator(`[data-testid="${id}"]`);
export async function text(page, id) {
  return ((await tid(page, id).first().textContent()) || '').trim();
}
export async function count(page, what) {
  return Number(await text(page, `count-${what}`));
}

/** Waits until the decision panel shows `outcome` (accepted|rejected|held|none|idle). */
export async function waitOutcome(page, outcome, timeout = 2000) {
  await page.waitForFunction(
    (o) => document.querySelector('[data-testid="decision"]')?.dataset.outcome === o,
    outcome, { timeout });
}

/** Waits until the decision panel shows a parcel other than `sessionId` (or none). */
export async function waitSessionChange(page, sessionId, timeout = 5000) {
  await page.waitForFunction((id) => {
    const d = document.querySelector('[data-testid="decision"]');
    return d.dataset.session !== id || d.classList.contains('is-closed');
  }, sessionId, { timeout });
}

/** What the page shows of the open parcel. */
export async function parcel(page) {
  return page.evaluate(() => {
    const d = document.querySelector('[data-testid="decision"]');
    return {
      session: d.dataset.session || null,
      outcome: d.dataset.outcome,
      reason: d.dataset.reason || null,
      closed: d.classList.contains('is-closed'),
      ready: document.querySelector('[data-testid="complete"]').dataset.ready === 'true',
      missing: [...document.querySelectorAll('[data-testid="missing-item"]')]
        .map((li) => ({ what: li.dataset.what, role: li.dataset.role || null })),
      thumbs: document.querySelectorAll('[data-testid="thumb"]').length,
      signature: [d.dataset.session, d.dataset.outcome,
        document.querySelector('[data-testid="phase"]').textContent,
        document.querySelector('[data-testid="missing"]').textContent,
        document.querySelectorAll('[data-testid="thumb"]').length,
        document.querySelector('[data-testid="complete"]').dataset.ready].join('|'),
    };
  });
}

async function waitSignatureChange(page, before, timeout = 5000) {
  await page.waitForFunction((sig) => {
    const d = document.querySelector('[data-testid="decision"]');
    const now = [d.dataset.session, d.dataset.outcome,
      document.querySelector('[data-testid="phase"]').textContent,
      document.querySelector('[data-testid="missing"]').textContent,
      document.querySelectorAll('[data-testid="thumb"]').length,
      document.querySelector('[data-testid="complete"]').dataset.ready].join('|');
    return now !== sig;
  }, before, { timeout });
}

/**
 * Does what the checklist asks until the open parcel closes: grade OK, the photos by role,
 * a label photo for "label_visible", then Complete. With `keyboard`, by shortcuts only.
 * `onStep(label)` is called after each step (for screenshots). Returns the steps taken.
 */
export async function finishParcel(page, { keyboard = false, onStep = async () => {} } = {}) {
  const steps = [];
  const start = await parcel(page);
  if (!start.session) throw new Error('no parcel is open');
  for (let i = 0; i < 16; i += 1) {
    const p = await parcel(page);
    if (p.session !== start.session || p.closed) return steps;
    let step;
    if (p.ready) step = { label: 'complete', key: 'c', id: 'complete' };
    else if (p.missing.length) {
      const m = p.missing[0];
      if (m.what === 'condition') step = { label: 'grade-ok', key: '1', id: 'grade-ok' };
      else if (m.what === 'photo') step = { label: `photo-${m.role}`, key: 'p', id: `photo-${m.role}` };
      else if (m.what === 'label_visible') step = { label: 'photo-label', key: 'l', id: 'photo-label' };
      else throw new Error(`the checklist asks for something the test does not know: ${m.what}`);
    } else {
      // Decided, nothing missing, not ready: the state is in flight.
      await page.waitForTimeout(100);
      continue;
    }
    if (keyboard) await page.keyboard.press(step.key);
    else await tid(page, step.id).click();
    steps.push(step.label);
    try {
      await waitSignatureChange(page, p.signature, 5000);
    } catch {
      const err = await tid(page, 'action-error').isVisible() ? await text(page, 'action-error-text') : '';
      const msg = await tid(page, 'message').isVisible() ? await text(page, 'message-text') : '';
      if (step.label !== 'complete' && !err) continue; // e.g. a photo refused by the quality gate: again
      throw new Error(`"${step.label}" changed nothing (error: ${err || '-'}; message: ${msg || '-'})`);
    }
    await onStep(step.label);
  }
  throw new Error(`the parcel did not close; steps: ${steps.join(', ')}`);
}

/** Clicks Abandon twice (it asks for confirmation) and waits for the parcel to close. */
export async function abandon(page) {
  const p = await parcel(page);
  await tid(page, 'abandon').click();
  await tid(page, 'abandon').click();
  await waitSessionChange(page, p.session, 5000);
}

/** Opens the supervisor dialog (by its button). */
export async function openSupervisor(page) {
  if (!(await tid(page, 'supervisor').isVisible())) await tid(page, 'open-supervisor').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="supervisor"]').open);
  await page.waitForFunction(() => !!document.querySelector('[data-testid="supervisor"]').dataset.view);
}

/**
 * Enters `pin` on the PIN pad (or typed, with `typed`) and submits. Returns after the station
 * answered: {loggedIn, error}.
 */
export async function enterPin(page, pin, { typed = false } = {}) {
  const form = tid(page, 'pin-form');
  const before = (await form.getAttribute('data-answers')) || '0';
  if (typed) {
    await tid(page, 'pin-input').fill(pin);
    await tid(page, 'pin-input').press('Enter');
  } else {
    await tid(page, 'pin-clear').click();
    for (const d of pin) await tid(page, `pin-key-${d}`).click();
    await tid(page, 'pin-submit').click();
  }
  await page.waitForFunction((b) => (document.querySelector('[data-testid="pin-form"]').dataset.answers || '0') !== b,
    before, { timeout: 5000 });
  // A successful login also fetches the session; give the view a moment to switch.
  await page.waitForFunction(() => {
    const sup = document.querySelector('[data-testid="supervisor"]');
    return sup.dataset.view === 'main' || !document.querySelector('[data-testid="login-error"]').hidden;
  }, null, { timeout: 5000 });
  const loggedIn = await tid(page, 'sup-main').isVisible();
  const error = loggedIn ? null : await text(page, 'login-error');
  return { loggedIn, error };
}

/** Closes whatever dialog is open with Escape. */
export async function closeDialog(page) {
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => ![...document.querySelectorAll('dialog')].some((d) => d.open));
}
