// SPDX-License-Identifier: Apache-2.0
// (f) The language switch: German prompt, words and reason; the choice survives a reload.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setup, skipReason } from '../lib/setup.mjs';
import { pickCode } from '../lib/kiosk.mjs';
import { I18N, tid, text, waitOutcome } from '../lib/ui.mjs';

const skip = skipReason();

test('language switch to German shows the German reason, and is remembered', { skip, timeout: 120000 }, async (t) => {
  const ui = await setup(t, 'language');
  const { page, kiosk } = ui;
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
  assert.equal(await text(page, 'lang-toggle'), I18N.t('en', 'lang.switch'));

  await tid(page, 'lang-toggle').click();
  await page.waitForFunction(() => document.documentElement.lang === 'de');
  assert.equal(await text(page, 'prompt'), I18N.t('de', 'prompt.scan_code'));
  assert.equal(await text(page, 'no-code'), I18N.t('de', 'btn.no_code') + 'N');
  await ui.shot('german-idle');

  await kiosk.scan(pickCode('rejected', 'not_approved').code);
  await waitOutcome(page, 'rejected', 2000);
  assert.equal(await text(page, 'decision-words'), I18N.t('de', 'outcome.rejected'));
  assert.equal(await text(page, 'decision-reason'), I18N.t('de', 'reason.not_approved'));
  assert.match(await text(page, 'decision-reason'), /nicht genehmigt/);
  const prompt = await tid(page, 'prompt').getAttribute('data-prompt');
  assert.equal(await text(page, 'prompt'), I18N.t('de', `prompt.${prompt}`));
  await ui.shot('german-rejected');

  await page.reload();
  await page.waitForSelector('body[data-conn="open"]');
  await waitOutcome(page, 'rejected', 3000);
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'de', 'remembered across a reload');
  assert.equal(await text(page, 'decision-reason'), I18N.t('de', 'reason.not_approved'));

  await page.keyboard.press('g');
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  assert.equal(await text(page, 'decision-reason'), I18N.t('en', 'reason.not_approved'));
  await ui.finish();
});
