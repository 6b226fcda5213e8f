// SPDX-License-Identifier: Apache-2.0
// The page's strings (src/ui/assets/i18n.js): English and German have the same keys, and every
// machine word of docs/ui-api.md and the decision table has a translation. No browser needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { I18N } from '../lib/ui.mjs';

const WORDS = {
  prompt: ['scan_code', 'scan_code_or_no_code', 'inspect', 'take_photos', 'refusal_photo', 'complete',
    'override_or_refusal_photo'],
  reason: ['accepted', 'no_code', 'malformed_code', 'unknown_code', 'not_approved', 'expired',
    'already_received', 'order_mismatch'],
  reason_short: ['accepted', 'no_code', 'malformed_code', 'unknown_code', 'not_approved', 'expired',
    'already_received', 'order_mismatch'],
  outcome: ['accepted', 'rejected', 'held'],
  phase: ['idle', 'decision', 'inspection', 'photos', 'complete', 'abandoned'],
  missing: ['condition', 'photo', 'label_visible'],
  grade: ['ok', 'damaged_minor', 'damaged_major', 'damaged_severe'],
  flag: ['wrong_item', 'missing_item', 'misuse_suspected', 'altered', 'abandoned'],
  role: ['overview', 'label', 'damage', 'contents'],
  device: ['ok', 'absent', 'error', 'disabled'],
  err: ['bad_request', 'pin_required', 'forbidden', 'bad_origin', 'bad_csrf', 'wrong_phase', 'incomplete',
    'pin_locked', 'store_error', 'no_camera'],
};

test('English and German have the same keys, none empty', () => {
  const { en, de } = I18N.tables;
  assert.deepEqual(Object.keys(de).sort(), Object.keys(en).sort());
  for (const [lang, table] of Object.entries({ en, de })) {
    for (const [k, v] of Object.entries(table)) assert.ok(typeof v === 'string' && v.trim(), `${lang} ${k} is empty`);
  }
});

test('every machine word of the UI API has a translation', () => {
  for (const lang of I18N.languages) {
    for (const [group, words] of Object.entries(WORDS)) {
      for (const w of words) assert.notEqual(I18N.lookup(lang, `${group}.${w}`), null, `${lang}: ${group}.${w}`);
    }
  }
});

test('German is German', () => {
  assert.match(I18N.t('de', 'reason.expired'), /abgelaufen/);
  assert.match(I18N.t('de', 'outcome.rejected'), /Abgelehnt/);
  assert.equal(I18N.t('de', 'missing.photo_n', { role: 'Schaden', count: 2 }), 'Fotos: Schaden × 2');
});
