// SPDX-License-Identifier: Apache-2.0
// Starts the kiosk under test: `returnscan kiosk --demo --http 127.0.0.1:0 --scanner fifo:PATH
// --demo-script none` from RETURNSCAN_BINARY, or the mock (mock-server.mjs) when
// RETURNSCAN_MOCK=1. Parses "returnscan: UI at http://127.0.0.1:PORT/" from its stdout, writes
// scans into its FIFO, and stops it.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { demoCodes as computedDemoCodes } from './demo-codes.mjs';
import { artifactsDir } from './artifacts.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const MOCK = path.resolve(here, '..', 'mock-server.mjs');
const READY = /returnscan: UI at (http:\/\/[^\s/]+)\/?/;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** What the tests run against: {cmd, args, kind} or null when nothing is configured. */
export function target() {
  const bin = process.env.RETURNSCAN_BINARY;
  if (bin) return { cmd: path.resolve(bin), args: [], kind: 'binary' };
  if (process.env.RETURNSCAN_MOCK === '1') return { cmd: process.execPath, args: [MOCK], kind: 'mock' };
  return null;
}

/** Why the tests cannot run (a string), or false. */
export function skipReason() {
  const t = target();
  if (!t) return 'set RETURNSCAN_BINARY to the built returnscan (or RETURNSCAN_MOCK=1 for the mock)';
  if (t.kind === 'binary' && !fs.existsSync(t.cmd)) return `RETURNSCAN_BINARY ${t.cmd} does not exist`;
  return false;
}

let cachedCodes = null;
/**
 * The demo codes from `returnscan kiosk --demo --list-demo-codes` (JSON lines
 * {code, expect, reason, order}; `order`: the order label to scan first). Falls back to the codes computed like
 * src/app/demo.cpp when the kiosk cannot list them; `source` says which.
 */
export function demoCodes() {
  if (cachedCodes) return cachedCodes;
  const t = target();
  const r = spawnSync(t.cmd, [...t.args, 'kiosk', '--demo', '--list-demo-codes'], {
    encoding: 'utf8', timeout: 20000, env: { ...process.env },
  });
  const list = [];
  if (r.status === 0) {
    for (const line of r.stdout.split('\n')) {
      const s = line.trim();
      if (!s.startsWith('{')) continue;
      try {
        const o = JSON.parse(s);
        if (o && typeof o.code === 'string' && o.expect) list.push(o);
      } catch { /* not a code line */ }
    }
  }
  if (list.length) cachedCodes = { source: 'kiosk', codes: list };
  else cachedCodes = {
    source: 'computed', codes: computedDemoCodes(),
    note: `--list-demo-codes gave nothing (exit ${r.status}): using codes computed like src/app/demo.cpp`,
  };
  return cachedCodes;
}

/** The first demo code with this expectation (and reason, if given). */
export function pickCode(expect, reason, { withLabel } = {}) {
  const { codes } = demoCodes();
  const c = codes.find((x) => x.expect === expect && (!reason || x.reason === reason) &&
    (withLabel === undefined || !!labelOf(x) === withLabel));
  if (!c) throw new Error(`no demo code with expect=${expect} reason=${reason || '*'}`);
  return c;
}

/** The order label to scan before the code (the held case), if any. */
export function labelOf(c) {
  // `order` is the label to scan first (src/app/demo.h DemoCode::order); null or "" for none.
  const v = c.order_label ?? c.order;
  if (v) return String(v);
  // The demo's convention (docs/kiosk-demo.md): label 100000099 before DEMO00008.
  return c.reason === 'order_mismatch' ? '100000099' : null;
}

/**
 * Starts a kiosk. Returns {url, fifo, kind, scan(text), state(), stop(), log()}.
 * `name` names its log file in the artifacts folder.
 */
export async function startKiosk(name, extraArgs = []) {
  const t = target();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'returnscan-ui-'));
  const fifo = path.join(dir, 'scanner.fifo');
  const args = [...t.args, 'kiosk', '--demo', '--http', '127.0.0.1:0', '--scanner', `fifo:${fifo}`,
    '--demo-script', 'none', ...extraArgs];
  const logPath = path.join(artifactsDir(), `${name}.kiosk.log`);
  const logStream = fs.createWriteStream(logPath);
  logStream.write(`$ ${t.cmd} ${args.join(' ')}\n`);
  const child = spawn(t.cmd, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TMPDIR: dir },
  });
  let out = '';
  let exited = null;
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (d) => { out += d; logStream.write(d); });
  child.stderr.on('data', (d) => { out += d; logStream.write(d); });
  const exitPromise = new Promise((resolve) => child.on('exit', (code, sig) => {
    exited = { code, sig };
    resolve(exited);
  }));

  let url = null;
  const deadline = Date.now() + 30000;
  while (!url) {
    const m = READY.exec(out);
    if (m) { url = m[1] + '/'; break; }
    if (exited) throw new Error(`the kiosk exited (${JSON.stringify(exited)}) before serving:\n${out}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the kiosk printed no "returnscan: UI at" line within 30 s:\n${out}`);
    }
    await sleep(50);
  }

  const kiosk = {
    url, fifo, kind: t.kind, dir,
    log: () => out,
    /** Writes one scan (a line) into the scanner FIFO. */
    async scan(text) {
      const until = Date.now() + 10000;
      for (;;) {
        let fd = null;
        try {
          // Non-blocking: fails (ENXIO) instead of hanging while the kiosk has no reader open.
          fd = fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
          fs.writeSync(fd, text + '\n');
          return;
        } catch (e) {
          if (!['ENOENT', 'ENXIO', 'EAGAIN'].includes(e.code) || Date.now() > until) {
            throw new Error(`cannot write to the scanner FIFO ${fifo}: ${e.message}`);
          }
          await sleep(50);
        } finally {
          if (fd !== null) fs.closeSync(fd);
        }
      }
    },
    /** GET /api/state from the test (not the page). */
    async state() {
      const r = await fetch(url + 'api/state', { cache: 'no-store' });
      if (!r.ok) throw new Error(`GET /api/state: ${r.status}`);
      return r.json();
    },
    stop() {
      if (!stopping) stopping = stopNow();
      return stopping;
    },
  };
  let stopping = null;
  async function stopNow() {
    if (!exited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => { if (!exited) child.kill('SIGKILL'); }, 5000);
      await exitPromise;
      clearTimeout(timer);
    }
    await new Promise((r) => logStream.end(r));
    fs.rmSync(dir, { recursive: true, force: true });
    return exited;
  }
  return kiosk;
}
