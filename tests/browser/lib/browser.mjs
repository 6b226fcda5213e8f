// SPDX-License-Identifier: Apache-2.0
// Launches Debian's Chromium (headless, fresh profile) through playwright-core and watches the
// page for console errors, uncaught exceptions and CSP violations.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { artifactsDir } from './artifacts.mjs';

export const CHROMIUM = process.env.RETURNSCAN_CHROMIUM || '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-dev-shm-usage',
];
export const LANDSCAPE = { width: 1280, height: 800 };
export const PORTRAIT = { width: 800, height: 1280 };

// Answers the page expects and handles itself (wrong PIN, lockout, refused actions): Chromium
// still logs them as "Failed to load resource", which is not a fault of the page.
const EXPECTED_HTTP = /Failed to load resource: the server responded with a status of (401|403|409|429)\b/;

/**
 * Opens `url` in a new headless Chromium. Returns {page, context, problems, shot(step),
 * checkClean(), close()}. `allow`: extra RegExps of console errors that this test expects.
 */
export async function openPage(url, { name, viewport = LANDSCAPE, touch = false, locale = 'en-US', allow = [] } = {}) {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'returnscan-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
    hasTouch: touch,
    locale,
    timezoneId: 'UTC',
    deviceScaleFactor: 1,
  });
  const problems = [];
  const page = context.pages()[0] || await context.newPage();
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations = window.__cspViolations || [];
      window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}`);
    });
  });
  const watch = (p) => {
    p.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      const text = msg.text();
      const where = msg.location() && msg.location().url ? ` (${msg.location().url})` : '';
      if (EXPECTED_HTTP.test(text) && /\/api\//.test(where)) return;
      if (allow.some((re) => re.test(text + where))) return;
      problems.push(`console error: ${text}${where}`);
    });
    p.on('pageerror', (e) => problems.push(`uncaught exception: ${e.message}`));
  };
  watch(page);
  context.on('page', watch);

  let step = 0;
  const dir = artifactsDir();
  const b = {
    page, context, problems,
    /** Saves a screenshot as <name>-NN-<step>.png in the artifacts folder. */
    async shot(label, opts = {}) {
      step += 1;
      const file = path.join(dir, `${name}-${String(step).padStart(2, '0')}-${label}.png`);
      await page.screenshot({ path: file, fullPage: !!opts.fullPage });
      return file;
    },
    /** Throws when the page logged an error or violated its CSP. */
    async checkClean() {
      let csp = [];
      try { csp = await page.evaluate(() => window.__cspViolations || []); } catch { /* closed */ }
      const all = [...problems, ...csp.map((v) => `CSP violation: ${v}`)];
      if (all.length) throw new Error(`the page reported problems:\n  ${all.join('\n  ')}`);
    },
    async close() {
      try { await context.close(); } catch { /* already closed */ }
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('body[data-conn="open"]', { timeout: 10000 });
  return b;
}
