// SPDX-License-Identifier: Apache-2.0
// One kiosk and one Chromium page per test, stopped afterwards whatever happened; a final
// screenshot always; console errors and CSP violations fail the test.
import { startKiosk, skipReason } from './kiosk.mjs';
import { openPage } from './browser.mjs';

export { skipReason };

/** Starts the kiosk and the page for test context `t`. Call `finish()` at the end of the test. */
export async function setup(t, name, { kioskArgs = [], ...pageOptions } = {}) {
  const kiosk = await startKiosk(name, kioskArgs);
  let b;
  try {
    b = await openPage(kiosk.url, { name, ...pageOptions });
  } catch (e) {
    await kiosk.stop();
    throw new Error(`${e.message}\n--- kiosk output ---\n${kiosk.log()}`);
  }
  let finished = false;
  t.after(async () => {
    if (!finished) {
      try { await b.shot('failed'); } catch { /* page gone */ }
      if (b.problems.length) t.diagnostic(`page problems: ${b.problems.join(' | ')}`);
    }
    await b.close();
    await kiosk.stop();
  });
  return {
    kiosk,
    page: b.page,
    context: b.context,
    shot: b.shot,
    async finish() {
      finished = true;
      await b.shot('end');
      await b.checkClean();
    },
  };
}
