// SPDX-License-Identifier: Apache-2.0
// Where screenshots and logs go: RETURNSCAN_ARTIFACTS, else tests/browser/artifacts/.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

export function artifactsDir() {
  const dir = path.resolve(process.env.RETURNSCAN_ARTIFACTS || path.join(here, '..', 'artifacts'));
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}
