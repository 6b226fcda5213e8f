#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// A stand-in for `returnscan kiosk` for developing the page and proving the browser tests
// while the real kiosk is written: serves src/ui/assets and the API of docs/ui-api.md (state
// JSON, SSE, POST rules, Host/Origin/CSRF checks, PIN lockout, security headers) with a small
// fake parcel state machine. Same command line as the kiosk's test mode:
//   node mock-server.mjs kiosk --demo --http 127.0.0.1:0 --scanner fifo:PATH --demo-script none
//   node mock-server.mjs kiosk --demo --list-demo-codes
// It is not the product: the real rules live in src/core; keep this only good enough to drive
// the page.
import http from 'node:http';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { demoCodes, demoAuthorizations } from './lib/demo-codes.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const ASSETS = path.resolve(here, '../../src/ui/assets');
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
  "media-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; " +
  "frame-ancestors 'none'; form-action 'self'";
const TYPES = {
  '.html': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8', '.svg': 'image/svg+xml', '.png': 'image/png',
  '.json': 'application/json', '.wav': 'audio/wav', '.ico': 'image/x-icon',
};

// ------------------------------------------------------------------ command line
const argv = process.argv.slice(2);
if (argv[0] === 'kiosk') argv.shift();
const opt = { http: '127.0.0.1:0', scanner: null, list: false, lockout: 300, maxTries: 5, camera: true, language: null };
for (let i = 0; i < argv.length; i += 1) {
  const a = argv[i];
  const val = () => { const v = argv[i + 1]; i += 1; return v; };
  if (a === '--demo') continue;
  else if (a === '--http') opt.http = val();
  else if (a === '--scanner') opt.scanner = val();
  else if (a === '--demo-script') val();
  else if (a === '--list-demo-codes') opt.list = true;
  else if (a === '--pin-lockout-seconds') opt.lockout = Number(val());
  else if (a === '--no-camera') opt.camera = false;
  else if (a === '--language') opt.language = val();
  else { process.stderr.write(`mock-server: unknown argument ${a}\n`); process.exit(2); }
}
if (opt.list) {
  for (const c of demoCodes()) process.stdout.write(JSON.stringify(c) + '\n');
  process.exit(0);
}

// ------------------------------------------------------------------ fake station
const STATION = 'dock-mock';
const OPERATOR = 'op-mock';
const ABANDON_AFTER_MS = 10 * 60 * 1000;
const auths = new Map(demoAuthorizations().map((a) => [a.code, a]));
const received = new Set(demoAuthorizations().filter((a) => a.preReceived).map((a) => a.code));
const receipts = [];          // newest last
const photos = new Map();     // sha -> {svg, role, ...}
let session = null;
let pendingOrder = null;      // an order label scanned before any code opens a session
let last = null;
let message = null;
const counts = { accepted: 0, rejected: 0, held: 0, abandoned: 0, total: 0 };
const sync = { pending_receipts: 0, pending_photos: 0, issues: 0, last_run: null, last_result: null, running: false };
const devices = [
  { name: 'fifo-1', kind: 'scanner', role: 'returns', state: 'ok', detail: opt.scanner || '' },
  { name: 'cam-sim', kind: 'camera', role: 'photos', state: opt.camera ? 'ok' : 'absent', detail: 'simulated' },
];
const now = () => new Date();
const iso = (d = now()) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

function checkChar(body) {
  const A = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  let p = 36;
  for (const ch of body) {
    const v = A.indexOf(ch);
    if (v < 0) return null;
    let s = (p + v) % 36;
    if (s === 0) s = 36;
    p = (2 * s) % 37;
  }
  return A[(37 - p) % 36];
}
function classify(text) {
  const t = text.replace(/^\][A-Za-z][0-9A-Za-z]/, '');
  if (t === '!no-code') return { kind: 'no_code' };
  if (/^RC[0-9A-Z]{10}$/.test(t)) return { kind: 'code', code: t, valid: checkChar(t.slice(0, -1)) === t.slice(-1) };
  if (/^RC[0-9A-Za-z]{6,14}$/.test(t)) return { kind: 'code', code: t, valid: false };
  if (/^\d{9}$/.test(t)) return { kind: 'order', order: t };
  const gtin = t.match(/^01(\d{14})/) || t.match(/^(\d{13,14})$/);
  if (gtin) return { kind: 'item', gtin: gtin[1].padStart(14, '0') };
  return { kind: 'other' };
}

function decide(code, valid, order) {
  if (code === null) return { outcome: 'rejected', reason: 'no_code' };
  if (!valid) return { outcome: 'rejected', reason: 'malformed_code' };
  const a = auths.get(code);
  if (!a) return { outcome: 'rejected', reason: 'unknown_code' };
  if (a.status !== 'approved') return { outcome: 'rejected', reason: 'not_approved', auth: a };
  if (Date.now() >= Date.parse(a.expires_at)) return { outcome: 'rejected', reason: 'expired', auth: a };
  if (received.has(code)) return { outcome: 'rejected', reason: 'already_received', auth: a };
  if (order && order !== a.order) return { outcome: 'held', reason: 'order_mismatch', auth: a };
  return { outcome: 'accepted', reason: 'accepted', auth: a };
}
const TEXTS = {
  accepted: 'Return code valid: accept the parcel and go on with the inspection.',
  no_code: 'No return code: refuse the parcel, take a refusal photo, refusal shelf.',
  malformed_code: 'Not a valid return code (format or check character): scan again or refuse.',
  unknown_code: 'Return code not known to this station: refuse, or ask a supervisor.',
  not_approved: 'Return code not approved (pending, rejected or cancelled): refuse.',
  expired: 'Return code expired (valid for 2 weeks from issue): refuse.',
  already_received: 'This return code was already used for a received parcel: refuse.',
  order_mismatch: 'The order label is for another order than the return code: hold for a supervisor.',
};

function newSession(order) {
  return {
    id: crypto.randomUUID(), phase: 'idle', started_at: iso(), code: null, order: order || null,
    decision: null, override: null, condition: null, flags: [], lines: [], photos: [],
    decided_at: null, touched: Date.now(),
  };
}
const effective = (s) => (s.override ? s.override.outcome : s.decision && s.decision.outcome);
function missing(s) {
  if (!s || !s.decision) return [];
  const out = [];
  const count = (role) => s.photos.filter((p) => p.role === role).length;
  if (effective(s) === 'accepted') {
    if (!s.condition) out.push({ what: 'condition' });
    for (const role of ['overview', 'label']) if (count(role) < 1) out.push({ what: 'photo', role, count: 1 });
    let damage = { ok: 0, damaged_minor: 1, damaged_major: 2, damaged_severe: 3 }[s.condition || 'ok'];
    if (s.flags.includes('misuse_suspected') || s.flags.includes('altered')) damage = Math.max(damage, 1);
    if (count('damage') < damage) out.push({ what: 'photo', role: 'damage', count: damage - count('damage') });
    if (!s.photos.some((p) => p.order_label_visible)) out.push({ what: 'label_visible' });
  } else if (count('overview') < 1) {
    out.push({ what: 'photo', role: 'overview', count: 1 });
  }
  return out;
}
function settle(s) {
  if (!s.decision || s.phase === 'complete' || s.phase === 'abandoned') return;
  const m = missing(s);
  if (effective(s) === 'accepted') s.phase = m.some((x) => x.what === 'condition') ? 'inspection' : 'photos';
  else if (m.length === 0) close(s, 'complete');
  else s.phase = 'photos';
}
function receiptOf(s) {
  return {
    id: s.id, station: STATION, operator: OPERATOR, code: s.code, order: s.order,
    decision: s.decision ? s.decision.outcome : 'rejected', reason: s.decision ? s.decision.reason : 'no_code',
    flags: [...s.flags], condition: s.condition, started_at: s.started_at, decided_at: s.decided_at,
    completed_at: s.completed_at || null,
    override: s.override ? { by: s.override.by, reason: s.override.reason, at: s.override.at, decision: s.override.outcome } : null,
    scans: [], photos: s.photos.map((p) => ({ sha256: p.sha256, role: p.role, taken_at: p.taken_at, bytes: p.bytes })),
  };
}
function storeReceipt(s) {
  const r = receiptOf(s);
  const i = receipts.findIndex((x) => x.id === r.id);
  if (i >= 0) receipts[i] = r; else receipts.push(r);
  sync.pending_receipts = receipts.filter((x) => x.completed_at).length;
}
function close(s, how) {
  s.phase = how;
  s.completed_at = iso();
  if (how === 'abandoned' && !s.flags.includes('abandoned')) s.flags.push('abandoned');
  const outcome = effective(s) || 'rejected';
  if (how === 'abandoned') counts.abandoned += 1;
  else counts[outcome] = (counts[outcome] || 0) + 1;
  counts.total += 1;
  if (s.code && how === 'complete' && outcome === 'accepted') received.add(s.code);
  storeReceipt(s);
  last = {
    id: s.id, code: s.code, order: s.order, outcome, reason: s.decision ? s.decision.reason : 'no_code',
    text: s.decision ? s.decision.text : TEXTS.no_code, completed_at: s.completed_at, abandoned: how === 'abandoned',
  };
  last.overridden = !!s.override;
  message = how === 'complete' ? { level: 'info', word: 'completed', text: 'Parcel complete.' }
    : { level: 'warning', word: 'abandoned', text: 'The parcel was closed as abandoned.' };
  session = null;
}
function prompt() {
  const s = session;
  if (!s) return 'scan_code';
  if (!s.decision) return 'scan_code_or_no_code';
  const eff = effective(s);
  if (eff !== 'accepted') return s.override ? 'refusal_photo' : 'override_or_refusal_photo';
  if (!s.condition) return 'inspect';
  return missing(s).length ? 'take_photos' : 'complete';
}
function stateJson() {
  const s = session;
  let sj = null;
  if (s) {
    const m = missing(s);
    sj = {
      id: s.id, phase: s.phase, started_at: s.started_at, code: s.code, order: s.order,
      decision: s.decision, override: s.override, condition: s.condition, flags: s.flags,
      lines: s.lines, photos: s.photos.map(({ sha256, role, order_label_visible, url, taken_at }) =>
        ({ sha256, role, order_label_visible, url, taken_at })),
      missing: m, can_complete: !!s.decision && m.length === 0,
      abandon_at: iso(new Date(s.touched + ABANDON_AFTER_MS)),
    };
  }
  return {
    version: 1, station: STATION, operator: OPERATOR, language: opt.language || 'en', now: iso(),
    prompt: prompt(), session: sj, last, message, counts, devices, sync, camera: opt.camera,
  };
}

function applyCode(code, valid) {
  if (session && session.decision) {
    if (session.code === code) return ok();
    message = { level: 'warning', word: 'finish_current', text: 'Finish or abandon the open parcel before the next one.' };
    return err(409, 'finish_current', 'Finish or abandon the open parcel first.');
  }
  if (!session) session = newSession(pendingOrder);
  pendingOrder = null;
  const s = session;
  const d = decide(code, valid, s.order);
  s.code = code;
  s.decision = { outcome: d.outcome, reason: d.reason, text: TEXTS[d.reason] };
  if (d.auth) {
    s.decision.expires_at = d.auth.expires_at;
    if (!s.order) s.order = d.auth.order;
    s.lines = (d.auth.lines || []).map((l) => ({ ...l, scanned: 0 }));
  }
  s.decided_at = iso();
  s.phase = 'decision';
  s.touched = Date.now();
  message = null;
  storeReceipt(s);
  return ok();
}

function scan(text) {
  const c = classify(text.trim());
  if (c.kind === 'no_code') return doNoCode();
  if (c.kind === 'code') return applyCode(c.code, c.valid);
  if (c.kind === 'order') {
    if (session && session.decision) { message = { level: 'warning', word: 'other_order', text: `Order label ${c.order} belongs to another order than this parcel.` }; return err(409, 'other_order', message.text); }
    if (!session) session = newSession(c.order);
    else session.order = c.order;
    session.touched = Date.now();
    message = { level: 'info', word: 'order_scanned', text: `Order ${c.order}: now scan the return code.` };
    return ok();
  }
  if (c.kind === 'item' && session && session.decision && effective(session) === 'accepted') {
    const line = session.lines.find((l) => l.gtin === c.gtin);
    if (line) { line.scanned += 1; message = { level: 'info', word: line.scanned > line.qty ? 'item_surplus' : 'item_matched', text: 'Item counted.' }; }
    else message = { level: 'warning', word: 'item_not_expected', text: 'This item is not on the return.' };
    return ok();
  }
  message = { level: 'info', word: 'not_a_code', text: 'That is not a return code or order label.' };
  return ok();
}
function doNoCode() {
  if (session && session.decision) return err(409, 'finish_current', 'Finish or abandon the open parcel first.');
  if (!session) session = newSession(pendingOrder);
  session.code = null;
  session.decision = { outcome: 'rejected', reason: 'no_code', text: TEXTS.no_code };
  session.decided_at = iso();
  session.phase = 'decision';
  session.touched = Date.now();
  message = null;
  storeReceipt(session);
  return ok();
}

function photoSvg(role, s) {
  const colors = { overview: '#355c7d', label: '#6c5b7b', damage: '#c06c84', contents: '#2a9d8f' };
  const label = role === 'label' ? `<rect x="60" y="60" width="200" height="80" fill="#fff"/><text x="160" y="110" font-size="22" text-anchor="middle" font-family="monospace">${s.order || ''}</text>` : '';
  return `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="240" viewBox="0 0 320 240"><rect width="320" height="240" fill="${colors[role] || '#444'}"/>` +
    `<rect x="40" y="40" width="240" height="160" fill="#c9a46b" stroke="#6b4f23" stroke-width="4"/>${label}` +
    `<text x="10" y="230" font-size="14" fill="#fff" font-family="sans-serif">${role} · ${s.code || 'no code'} · ${iso()}</text></svg>`;
}

// ------------------------------------------------------------------ supervisor sessions
const PIN = '1234';
const sessions = new Map(); // token -> {supervisor, csrf, last}
let wrongPins = 0;
let lockedUntil = 0;
function caller(req) {
  const m = /(?:^|;\s*)rs_session=([^;]+)/.exec(req.headers.cookie || '');
  if (!m) return null;
  const s = sessions.get(m[1]);
  if (!s) return null;
  if (Date.now() - s.last > 15 * 60 * 1000) { sessions.delete(m[1]); return null; }
  s.last = Date.now();
  return { token: m[1], ...s };
}

// ------------------------------------------------------------------ HTTP
const clients = new Set();
function publish() {
  const data = `event: state\ndata: ${JSON.stringify(stateJson())}\n\n`;
  for (const res of clients) res.write(data);
}
const ok = (extra = {}) => ({ status: 200, body: { ok: true, ...extra, state: stateJson() } });
const err = (status, error, msg, extra = {}) => ({ status, body: { ok: false, error, message: msg, ...extra } });

function actions(name, body, who) {
  const s = session;
  const needOpen = () => (!s || !s.decision || s.phase === 'complete' || s.phase === 'abandoned');
  switch (name) {
    case 'scan':
      if (typeof body.text !== 'string' || !body.text.trim()) return err(400, 'bad_request', 'text is required');
      return scan(body.text);
    case 'no-code': return doNoCode();
    case 'condition': {
      if (!['ok', 'damaged_minor', 'damaged_major', 'damaged_severe'].includes(body.grade)) return err(400, 'bad_request', 'bad grade');
      if (needOpen() || effective(s) !== 'accepted') return err(409, 'wrong_phase', 'No accepted parcel is open.');
      s.condition = body.grade; s.touched = Date.now(); settle(s); storeReceipt(s); return ok();
    }
    case 'flag': {
      if (!['wrong_item', 'missing_item', 'misuse_suspected', 'altered'].includes(body.flag)) return err(400, 'bad_request', 'bad flag');
      if (needOpen() || effective(s) !== 'accepted') return err(409, 'wrong_phase', 'No accepted parcel is open.');
      s.flags = s.flags.filter((f) => f !== body.flag);
      if (body.on !== false) s.flags.push(body.flag);
      s.flags.sort(); s.touched = Date.now(); settle(s); storeReceipt(s); return ok();
    }
    case 'photo': {
      if (!['overview', 'label', 'damage', 'contents'].includes(body.role)) return err(400, 'bad_request', 'bad role');
      if (!opt.camera) return err(503, 'no_camera', 'No camera for photos.');
      if (needOpen()) return err(409, 'wrong_phase', 'No parcel with a decision is open.');
      const svg = photoSvg(body.role, s);
      const sha = crypto.createHash('sha256').update(svg).digest('hex');
      photos.set(sha, svg);
      s.photos.push({ sha256: sha, role: body.role, order_label_visible: body.role === 'label' && !!s.order, url: `/api/photos/${sha}`, taken_at: iso(), bytes: svg.length });
      sync.pending_photos += 1;
      s.touched = Date.now();
      message = { level: 'info', word: 'photo_saved', text: 'Photo saved.' };
      settle(s);
      if (session) storeReceipt(s);
      return ok();
    }
    case 'complete': {
      if (needOpen()) return err(409, 'wrong_phase', 'No parcel with a decision is open.');
      const m = missing(s);
      if (m.length) return err(409, 'incomplete', 'Still missing: ' + m.map((x) => x.what + (x.role ? ':' + x.role : '')).join(', '), { missing: m });
      close(s, 'complete'); return ok();
    }
    case 'abandon':
      if (!s || s.phase === 'complete' || s.phase === 'abandoned') return err(409, 'wrong_phase', 'No parcel is open.');
      if (!s.decision) s.decision = { outcome: 'rejected', reason: 'no_code', text: TEXTS.no_code };
      close(s, 'abandoned'); return ok();
    case 'override': {
      if (!who) return err(401, 'pin_required', 'A supervisor must log in.');
      if (!['accepted', 'rejected'].includes(body.outcome)) return err(400, 'bad_request', 'outcome must be accepted or rejected');
      if (typeof body.reason !== 'string' || !body.reason.trim()) return err(400, 'bad_request', 'a reason is required');
      const ov = { outcome: body.outcome, by: who.supervisor, reason: body.reason.trim(), at: iso() };
      if (s && s.id === body.receipt) {
        if (!s.decision || s.decision.outcome === 'accepted') return err(409, 'not_overridable', 'Only rejected or held decisions can be overridden.');
        s.override = ov;
        if (ov.outcome === 'accepted') { s.phase = 'inspection'; s.lines = s.lines || []; }
        s.touched = Date.now(); settle(s); storeReceipt(s);
        message = { level: 'info', word: 'overridden', text: `Supervisor ${ov.by} overrode.` };
        return ok();
      }
      const r = receipts.find((x) => x.id === body.receipt);
      if (!r) return err(400, 'bad_request', 'no such receipt');
      if (r.decision === 'accepted') return err(409, 'not_overridable', 'Only rejected or held decisions can be overridden.');
      r.override = ov;
      return ok();
    }
    case 'sync': {
      if (!who) return err(401, 'pin_required', 'A supervisor must log in.');
      sync.running = true;
      setTimeout(() => {
        sync.running = false; sync.last_run = iso(); sync.last_result = 'ok';
        sync.pending_receipts = 0; sync.pending_photos = 0; publish();
      }, 400);
      return ok();
    }
    default:
      return err(404, 'not_found', 'no such action');
  }
}

function securityHeaders(res) {
  res.setHeader('Content-Security-Policy', CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
}
function sendJson(res, status, body) {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(body));
}

let port = 0;
const server = http.createServer((req, res) => {
  securityHeaders(res);
  const url = new URL(req.url, 'http://x');
  const allowedHosts = [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`];
  if (!allowedHosts.includes((req.headers.host || '').toLowerCase())) return sendJson(res, 421, { ok: false, error: 'bad_host', message: 'Host not allowed' });

  if (req.method === 'GET' || req.method === 'HEAD') {
    if (url.pathname === '/' || url.pathname === '/index.html' || url.pathname.startsWith('/assets/')) {
      const name = url.pathname === '/' || url.pathname === '/index.html' ? 'index.html' : url.pathname.slice('/assets/'.length);
      if (!/^[A-Za-z0-9_.-]+$/.test(name)) return sendJson(res, 404, { ok: false, error: 'not_found', message: 'no such asset' });
      const file = path.join(ASSETS, name);
      let data;
      try { data = fs.readFileSync(file); } catch { return sendJson(res, 404, { ok: false, error: 'not_found', message: 'no such asset' }); }
      res.writeHead(200, { 'Content-Type': TYPES[path.extname(name)] || 'application/octet-stream', 'Cache-Control': 'no-cache' });
      return res.end(data);
    }
    if (url.pathname === '/healthz') { res.writeHead(200, { 'Content-Type': 'text/plain' }); return res.end('ok'); }
    if (url.pathname === '/api/state') return sendJson(res, 200, stateJson());
    if (url.pathname === '/api/session') {
      const who = caller(req);
      return sendJson(res, 200, { supervisor: who ? who.supervisor : null, csrf: who ? who.csrf : null, locked_until: lockedUntil > Date.now() ? iso(new Date(lockedUntil)) : null });
    }
    if (url.pathname === '/api/receipts') {
      const limit = Math.min(500, Math.max(1, Number(url.searchParams.get('limit') || 50) || 50));
      const q = (url.searchParams.get('q') || '').trim();
      const list = receipts.slice().reverse().filter((r) => !q || [r.code, r.order, r.id].some((v) => v && v.startsWith(q))).slice(0, limit);
      return sendJson(res, 200, { receipts: list });
    }
    if (url.pathname === '/api/events') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
      res.write(`event: state\ndata: ${JSON.stringify(stateJson())}\n\n`);
      clients.add(res);
      const keep = setInterval(() => res.write(': keep-alive\n\n'), 15000);
      req.on('close', () => { clearInterval(keep); clients.delete(res); });
      return undefined;
    }
    const pm = /^\/api\/photos\/([0-9a-f]{64})$/.exec(url.pathname);
    if (pm) {
      const svg = photos.get(pm[1]);
      if (!svg) return sendJson(res, 404, { ok: false, error: 'not_found', message: 'no such photo' });
      res.writeHead(200, { 'Content-Type': 'image/svg+xml', 'Cache-Control': 'no-store' });
      return res.end(svg);
    }
    if (url.pathname === '/api/preview.jpg') {
      if (!opt.camera) return sendJson(res, 404, { ok: false, error: 'no_camera', message: 'no camera' });
      const t = new Date();
      const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="240"><rect width="320" height="240" fill="#222"/>` +
        `<rect x="${60 + (t.getSeconds() % 10) * 8}" y="60" width="160" height="110" fill="#c9a46b"/>` +
        `<text x="10" y="228" fill="#0f0" font-size="16" font-family="monospace">PREVIEW ${iso(t)}</text></svg>`;
      res.writeHead(200, { 'Content-Type': 'image/svg+xml', 'Cache-Control': 'no-store' });
      return res.end(svg);
    }
    return sendJson(res, 404, { ok: false, error: 'not_found', message: 'not found' });
  }

  if (req.method !== 'POST') return sendJson(res, 405, { ok: false, error: 'bad_method', message: 'method not allowed' });
  const name = url.pathname.startsWith('/api/') ? url.pathname.slice(5) : '';
  if (!/^[a-z-]{1,32}$/.test(name)) return sendJson(res, 404, { ok: false, error: 'not_found', message: 'not found' });
  const origin = req.headers.origin;
  if (origin && !allowedHosts.some((h) => origin.toLowerCase() === 'http://' + h)) return sendJson(res, 403, { ok: false, error: 'bad_origin', message: 'bad origin' });
  const site = req.headers['sec-fetch-site'];
  if (site && site !== 'same-origin' && site !== 'none') return sendJson(res, 403, { ok: false, error: 'bad_origin', message: 'cross-site request' });
  if (!/^application\/json\s*(;|$)/i.test(req.headers['content-type'] || '')) return sendJson(res, 415, { ok: false, error: 'unsupported_media_type', message: 'JSON only' });
  let raw = '';
  req.on('data', (c) => { raw += c; if (raw.length > 65536) req.destroy(); });
  req.on('end', () => {
    let body;
    try { body = JSON.parse(raw || '{}'); } catch { return sendJson(res, 400, { ok: false, error: 'bad_json', message: 'body is not JSON' }); }
    if (!body || typeof body !== 'object' || Array.isArray(body)) return sendJson(res, 400, { ok: false, error: 'bad_json', message: 'body must be an object' });
    const who = caller(req);
    if (who && req.headers['x-csrf-token'] !== who.csrf) return sendJson(res, 403, { ok: false, error: 'bad_csrf', message: 'CSRF token missing or wrong' });
    if (name === 'login') {
      if (lockedUntil > Date.now()) return sendJson(res, 429, { ok: false, error: 'pin_locked', message: 'Too many wrong PINs.', locked_until: iso(new Date(lockedUntil)) });
      if (String(body.pin) !== PIN) {
        wrongPins += 1;
        if (wrongPins >= opt.maxTries) { lockedUntil = Date.now() + opt.lockout * 1000; wrongPins = 0; return sendJson(res, 429, { ok: false, error: 'pin_locked', message: 'Too many wrong PINs.', locked_until: iso(new Date(lockedUntil)) }); }
        return sendJson(res, 401, { ok: false, error: 'wrong_pin', message: 'wrong PIN' });
      }
      wrongPins = 0;
      const token = crypto.randomBytes(24).toString('hex');
      const csrf = crypto.randomBytes(24).toString('hex');
      sessions.set(token, { supervisor: 'sup-1', csrf, last: Date.now() });
      res.setHeader('Set-Cookie', `rs_session=${token}; HttpOnly; SameSite=Strict; Path=/`);
      return sendJson(res, 200, { ok: true, supervisor: 'sup-1' });
    }
    if (name === 'logout') {
      if (who) sessions.delete(who.token);
      res.setHeader('Set-Cookie', 'rs_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0');
      return sendJson(res, 200, { ok: true });
    }
    const r = actions(name, body, who);
    sendJson(res, r.status, r.body);
    if (r.status === 200) publish();
    return undefined;
  });
  return undefined;
});

// ------------------------------------------------------------------ scanner FIFO
function openFifo(p) {
  try { fs.unlinkSync(p); } catch { /* none yet */ }
  execFileSync('mkfifo', ['-m', '600', p]);
  // O_RDWR keeps the FIFO open across writers (no EOF when one closes); non-blocking so
  // libuv can poll it like a pipe.
  const fd = fs.openSync(p, fs.constants.O_RDWR | fs.constants.O_NONBLOCK);
  const sock = new net.Socket({ fd, readable: true, writable: false });
  let buf = '';
  sock.setEncoding('utf8');
  sock.on('data', (chunk) => {
    buf += chunk;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i).replace(/\r$/, '');
      buf = buf.slice(i + 1);
      if (line.trim()) { scan(line); publish(); }
    }
  });
  process.on('exit', () => { try { fs.unlinkSync(p); } catch { /* gone */ } });
}

setInterval(() => {
  if (session && Date.now() - session.touched > ABANDON_AFTER_MS) { close(session, 'abandoned'); publish(); }
}, 5000).unref();

const [host, portText] = opt.http.startsWith('[') ? [opt.http.slice(1, opt.http.indexOf(']')), opt.http.split(']:')[1]] : opt.http.split(':');
server.listen(Number(portText), host, () => {
  port = server.address().port;
  if (opt.scanner && opt.scanner.startsWith('fifo:')) openFifo(opt.scanner.slice(5));
  process.stdout.write(`returnscan: UI at http://${host}:${port}/\n`);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { for (const c of clients) c.end(); server.close(); process.exit(0); });
