// SPDX-License-Identifier: Apache-2.0
// The operator screen and the supervisor screens (docs/ui-api.md). Plain JavaScript, no
// framework, no build step. The page keeps no parcel logic: it renders the station's state
// (from server-sent events), and every button is one POST. Rendering is idempotent and cheap:
// each part remembers what it last drew and touches the DOM only when that changed.
'use strict';

(() => {
  const I18N = globalThis.RS_I18N;
  const LS_LANG = 'returnscan.lang';
  const LS_MUTE = 'returnscan.muted';
  const GRADES = ['ok', 'damaged_minor', 'damaged_major', 'damaged_severe'];
  const OPERATOR_FLAGS = ['wrong_item', 'missing_item', 'misuse_suspected', 'altered'];
  const ROLES = ['overview', 'label', 'damage', 'contents'];
  const OUTCOMES = ['accepted', 'rejected', 'held'];
  const PREVIEW_MS = 700;

  // ---------------------------------------------------------------- small helpers
  const byId = (id, root = document) => root.querySelector(`[data-testid="${id}"]`);
  const store = {
    get(k) { try { return window.localStorage.getItem(k); } catch { return null; } },
    set(k, v) { try { window.localStorage.setItem(k, v); } catch { /* private mode */ } },
  };
  function setText(node, text) {
    const s = text == null ? '' : String(text);
    if (node.textContent !== s) node.textContent = s;
  }
  function setHidden(node, hidden) {
    if (node.hidden !== hidden) node.hidden = hidden;
  }
  function setAttr(node, name, value) {
    const s = String(value);
    if (node.getAttribute(name) !== s) node.setAttribute(name, s);
  }
  function setDisabled(node, disabled) {
    if (node.disabled !== disabled) node.disabled = disabled;
  }
  function make(tag, props = {}, children = []) {
    const n = document.createElement(tag);
    for (const [k, v] of Object.entries(props)) {
      if (v == null) continue;
      if (k === 'text') n.textContent = v;
      else if (k === 'className') n.className = v;
      else if (k.startsWith('data-') || k.startsWith('aria-') || k === 'role' || k === 'title' ||
               k === 'type' || k === 'src' || k === 'alt' || k === 'lang') n.setAttribute(k, v);
      else n[k] = v;
    }
    for (const c of children) if (c) n.append(c);
    return n;
  }
  function svgUse(symbol, className) {
    const ns = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('class', className || 'ico');
    svg.setAttribute('aria-hidden', 'true');
    const use = document.createElementNS(ns, 'use');
    use.setAttribute('href', '#' + symbol);
    svg.append(use);
    return svg;
  }
  const isClosed = (sess) => !!sess && (sess.phase === 'complete' || sess.phase === 'abandoned');
  const effectiveOutcome = (sess) =>
    sess && sess.decision ? ((sess.override && sess.override.outcome) || sess.decision.outcome) : null;

  // ---------------------------------------------------------------- language
  function initialLang() {
    const saved = store.get(LS_LANG);
    if (saved && I18N.languages.includes(saved)) return saved;
    const nav = (navigator.language || 'en').slice(0, 2).toLowerCase();
    return I18N.languages.includes(nav) ? nav : 'en';
  }
  let lang = initialLang();
  let langChosen = !!store.get(LS_LANG);
  const t = (key, vars) => I18N.t(lang, key, vars);
  const tOr = (key, fallback, vars) => {
    const s = I18N.lookup(lang, key, vars);
    return s === null ? (fallback == null ? key : fallback) : s;
  };
  const stateLanguage = (s) => {
    const v = s && (s.language || s.lang || (s.ui && s.ui.language));
    return typeof v === 'string' ? v.slice(0, 2).toLowerCase() : null;
  };

  function applyStaticTexts() {
    document.documentElement.lang = lang;
    for (const n of document.querySelectorAll('[data-i18n]')) setText(n, t(n.dataset.i18n));
    for (const n of document.querySelectorAll('[data-i18n-aria]')) setAttr(n, 'aria-label', t(n.dataset.i18nAria));
    for (const n of document.querySelectorAll('[data-i18n-ph]')) setAttr(n, 'placeholder', t(n.dataset.i18nPh));
    setText(el.langToggle, t('lang.switch'));
    setAttr(el.langToggle, 'lang', lang === 'de' ? 'en' : 'de');
    setAttr(el.langToggle, 'aria-label', t('lang.switch_aria'));
    setAttr(el.manualInput, 'placeholder', t('manual.placeholder'));
    setAttr(el.manualInput, 'aria-label', t('manual.aria'));
    setAttr(el.preview, 'alt', t('preview.alt'));
    renderSound();
    if (abandonTimer) setText(el.abandonLabel, t('btn.abandon_confirm'));
  }
  function setLang(next, remember) {
    if (!I18N.languages.includes(next)) return;
    lang = next;
    if (remember) { store.set(LS_LANG, next); langChosen = true; }
    applyStaticTexts();
    drawn = Object.create(null);
    if (state) render(state);
    renderLockout();
    if (lastReceipts) renderReceipts(lastReceipts);
  }

  // ---------------------------------------------------------------- elements
  const el = {
    body: document.body,
    station: byId('station'),
    connBadge: byId('conn-badge'),
    deviceBadge: byId('device-badge'),
    syncBadge: byId('sync-badge'),
    langToggle: byId('lang-toggle'),
    soundToggle: byId('sound-toggle'),
    openSup: byId('open-supervisor'),
    connLost: byId('conn-lost'),
    message: byId('message'),
    messageText: byId('message-text'),
    messageDismiss: byId('message-dismiss'),
    actionError: byId('action-error'),
    actionErrorText: byId('action-error-text'),
    actionErrorDismiss: byId('action-error-dismiss'),
    prompt: byId('prompt'),
    decision: byId('decision'),
    decisionIcon: byId('decision-icon'),
    decisionWords: byId('decision-words'),
    decisionReason: byId('decision-reason'),
    decisionOverride: byId('decision-override'),
    decisionFacts: byId('decision-facts'),
    decisionCode: byId('decision-code'),
    decisionOrder: byId('decision-order'),
    phase: byId('phase'),
    noCode: byId('no-code'),
    complete: byId('complete'),
    abandon: byId('abandon'),
    manualForm: byId('manual-form'),
    manualInput: byId('manual-input'),
    inspection: byId('inspection'),
    otherFlags: byId('other-flags'),
    lines: byId('lines'),
    missing: byId('missing'),
    thumbs: byId('thumbs'),
    preview: byId('preview'),
    previewOff: byId('preview-off'),
    last: byId('last'),
    lastOutcome: byId('last-outcome'),
    lastReason: byId('last-reason'),
    lastCode: byId('last-code'),
    photoView: byId('photo-view'),
    photoViewImg: byId('photo-view-img'),
    photoViewCaption: byId('photo-view-caption'),
    sup: byId('supervisor'),
    supWho: byId('sup-who'),
    supClose: byId('supervisor-close'),
    logout: byId('logout'),
    pinForm: byId('pin-form'),
    pinInput: byId('pin-input'),
    loginError: byId('login-error'),
    supMain: byId('sup-main'),
    ovForm: byId('override-form'),
    ovReceipt: byId('override-receipt'),
    ovReason: byId('override-reason'),
    ovResult: byId('override-result'),
    searchForm: byId('receipt-search-form'),
    searchQ: byId('receipt-q'),
    receiptBody: byId('receipt-results').querySelector('tbody'),
    receiptEmpty: byId('receipt-empty'),
    deviceBody: byId('device-table').querySelector('tbody'),
    syncNow: byId('sync-now'),
    syncResult: byId('sync-result'),
  };
  el.abandonLabel = el.abandon.querySelector('.label');
  el.grades = Object.fromEntries(GRADES.map((g) => [g, byId('grade-' + g)]));
  el.flags = Object.fromEntries(OPERATOR_FLAGS.map((f) => [f, byId('flag-' + f)]));
  el.photos = Object.fromEntries(ROLES.map((r) => [r, byId('photo-' + r)]));
  el.count = Object.fromEntries(['accepted', 'rejected', 'held', 'abandoned', 'total']
    .map((k) => [k, byId('count-' + k)]));

  // ---------------------------------------------------------------- sounds (Web Audio)
  let muted = store.get(LS_MUTE) === '1';
  let audioCtx = null;
  let soundCount = 0;
  function audio() {
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return null;
    if (!audioCtx) audioCtx = new Ctx();
    if (audioCtx.state === 'suspended') audioCtx.resume().catch(() => {});
    return audioCtx;
  }
  function tone(ctx, freq, start, dur, type, peak) {
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = type;
    osc.frequency.setValueAtTime(freq, start);
    gain.gain.setValueAtTime(0.0001, start);
    gain.gain.exponentialRampToValueAtTime(peak, start + 0.012);
    gain.gain.setValueAtTime(peak, start + dur - 0.03);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + dur);
    osc.connect(gain).connect(ctx.destination);
    osc.start(start);
    osc.stop(start + dur + 0.02);
  }
  function playSound(outcome) {
    soundCount += 1;
    el.body.dataset.soundCount = String(soundCount);
    el.body.dataset.lastSound = muted ? 'muted:' + outcome : outcome;
    if (muted) return;
    let ctx;
    try { ctx = audio(); } catch { return; }
    if (!ctx) return;
    const t0 = ctx.currentTime + 0.02;
    if (outcome === 'accepted') {
      // Two rising notes: a friendly "done".
      tone(ctx, 660, t0, 0.12, 'sine', 0.3);
      tone(ctx, 990, t0 + 0.13, 0.2, 'sine', 0.3);
    } else if (outcome === 'rejected') {
      // Two low buzzes: unmistakable in a noisy hall.
      tone(ctx, 180, t0, 0.22, 'square', 0.18);
      tone(ctx, 180, t0 + 0.3, 0.3, 'square', 0.18);
    } else {
      // Held: three short mid notes.
      for (let i = 0; i < 3; i += 1) tone(ctx, 520, t0 + i * 0.16, 0.1, 'triangle', 0.3);
    }
  }
  function renderSound() {
    setAttr(el.soundToggle, 'aria-pressed', muted ? 'false' : 'true');
    setText(el.soundToggle.querySelector('.label'), muted ? t('btn.sound_off') : t('btn.sound_on'));
    el.soundToggle.querySelector('use').setAttribute('href', muted ? '#i-mute' : '#i-sound');
  }
  function toggleSound() {
    muted = !muted;
    store.set(LS_MUTE, muted ? '1' : '0');
    renderSound();
    if (!muted) { try { audio(); } catch { /* no audio */ } }
  }
  // Browsers start audio only after a gesture: unlock it on the first touch or key.
  const unlockAudio = () => { if (!muted) { try { audio(); } catch { /* no audio */ } } };
  window.addEventListener('pointerdown', unlockAudio, { once: true, capture: true });
  window.addEventListener('keydown', unlockAudio, { once: true, capture: true });

  // ---------------------------------------------------------------- HTTP
  let csrf = null;
  let supervisor = null;
  let lockedUntil = null;
  let sseOpen = false;

  async function post(path, body, retried) {
    const headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
    if (csrf) headers['X-CSRF-Token'] = csrf;
    let res;
    try {
      res = await fetch(path, {
        method: 'POST', headers, body: JSON.stringify(body || {}),
        credentials: 'same-origin', cache: 'no-store',
      });
    } catch (e) {
      return { ok: false, status: 0, error: 'network', message: String(e && e.message || e) };
    }
    let data = null;
    try { data = await res.json(); } catch { data = null; }
    if (res.status === 403 && data && data.error === 'bad_csrf' && !retried) {
      await refreshSession();
      return post(path, body, true);
    }
    if (res.ok && (!data || data.ok !== false)) {
      if (data && data.state) acceptState(data.state, 'post');
      return { ok: true, status: res.status, data: data || {} };
    }
    return {
      ok: false, status: res.status, error: (data && data.error) || 'unknown',
      message: (data && data.message) || '', data: data || {},
    };
  }
  async function getJson(path) {
    try {
      const res = await fetch(path, { credentials: 'same-origin', cache: 'no-store' });
      let data = null;
      try { data = await res.json(); } catch { data = null; }
      return { ok: res.ok, status: res.status, data };
    } catch (e) {
      return { ok: false, status: 0, data: null, error: 'network' };
    }
  }
  function errorText(r) {
    let text = I18N.lookup(lang, 'err.' + r.error);
    if (text === null) text = I18N.lookup(lang, 'msg.' + r.error);
    if (text === null) text = r.message || t('err.unknown');
    const missing = r.data && Array.isArray(r.data.missing) ? r.data.missing : null;
    if (r.error === 'incomplete' && missing && missing.length) {
      text += ' ' + missing.map(missingText).join(' · ');
    }
    return text;
  }

  // ---------------------------------------------------------------- operator actions
  let errorTimer = null;
  function showActionError(text) {
    setText(el.actionErrorText, text);
    setHidden(el.actionError, false);
    clearTimeout(errorTimer);
    errorTimer = setTimeout(hideActionError, 12000);
  }
  function hideActionError() {
    clearTimeout(errorTimer);
    setHidden(el.actionError, true);
  }
  // One request per action at a time: a second press while the camera works (or while
  // Complete is being made durable) does nothing instead of taking a second photo.
  const inFlight = new Set();
  async function act(name, body) {
    const key = name + ':' + ((body && body.flag) || '');
    if (inFlight.has(key)) return { ok: false, status: 0, error: 'busy' };
    inFlight.add(key);
    if (name === 'photo') for (const r of ROLES) setAttr(el.photos[r], 'aria-busy', 'true');
    try {
      const r = await post('/api/' + name, body || {});
      if (r.ok) hideActionError();
      else showActionError(errorText(r));
      return r;
    } finally {
      inFlight.delete(key);
      if (name === 'photo') for (const r of ROLES) setAttr(el.photos[r], 'aria-busy', 'false');
    }
  }

  let abandonTimer = null;
  function disarmAbandon() {
    if (!abandonTimer) return;
    clearTimeout(abandonTimer);
    abandonTimer = null;
    el.abandon.classList.remove('is-confirming');
    setText(el.abandonLabel, t('btn.abandon'));
  }
  function pressAbandon() {
    if (el.abandon.disabled) return;
    if (abandonTimer) {
      disarmAbandon();
      act('abandon');
      return;
    }
    el.abandon.classList.add('is-confirming');
    setText(el.abandonLabel, t('btn.abandon_confirm'));
    abandonTimer = setTimeout(disarmAbandon, 4000);
  }
  function nextPhotoRole() {
    const sess = state && state.session;
    const missing = (sess && sess.missing) || [];
    const photo = missing.find((m) => m.what === 'photo' && ROLES.includes(m.role));
    if (photo) return photo.role;
    if (missing.some((m) => m.what === 'label_visible')) return 'label';
    return 'overview';
  }
  function takePhoto(role) {
    const b = el.photos[role];
    if (!b || b.disabled) return;
    act('photo', { role });
  }
  function setGrade(grade) {
    const b = el.grades[grade];
    if (!b || b.disabled) return;
    act('condition', { grade });
  }
  function toggleFlag(flag) {
    const b = el.flags[flag];
    if (!b || b.disabled) return;
    act('flag', { flag, on: b.getAttribute('aria-pressed') !== 'true' });
  }

  for (const g of GRADES) el.grades[g].addEventListener('click', () => setGrade(g));
  for (const f of OPERATOR_FLAGS) el.flags[f].addEventListener('click', () => toggleFlag(f));
  for (const r of ROLES) el.photos[r].addEventListener('click', () => takePhoto(r));
  el.noCode.addEventListener('click', () => { if (!el.noCode.disabled) act('no-code'); });
  el.complete.addEventListener('click', () => { if (!el.complete.disabled) act('complete'); });
  el.abandon.addEventListener('click', pressAbandon);
  el.manualForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const text = el.manualInput.value.trim();
    if (!text) return;
    const r = await act('scan', { text });
    if (r.ok) el.manualInput.value = '';
    el.manualInput.focus();
  });
  el.langToggle.addEventListener('click', () => setLang(lang === 'de' ? 'en' : 'de', true));
  el.soundToggle.addEventListener('click', toggleSound);
  el.actionErrorDismiss.addEventListener('click', hideActionError);
  el.messageDismiss.addEventListener('click', () => {
    dismissedMessage = messageKey(state && state.message);
    setHidden(el.message, true);
  });

  // ---------------------------------------------------------------- rendering
  let state = null;
  let drawn = Object.create(null);
  let lastDecisionKey;        // for the sounds: session id + outcome in force
  let dismissedMessage = null;

  /** Runs fn only when key differs from what part `name` last drew. */
  function part(name, key, fn) {
    if (drawn[name] === key) return;
    drawn[name] = key;
    fn();
  }

  function acceptState(s, source) {
    if (!s || typeof s !== 'object') return;
    // An answer to a POST may be older than an event already received: with the event stream
    // open, the stream is the one source of truth.
    if (source === 'post' && sseOpen) return;
    if (source === 'get' && state) return;
    if (!langChosen) {
      const l = stateLanguage(s);
      if (l && l !== lang && I18N.languages.includes(l)) setLang(l, false);
    }
    render(s);
  }

  function render(s) {
    state = s;
    const sess = s.session || null;
    renderHeader(s);
    renderMessage(s.message || setupMessage(s.setup));
    part('prompt', lang + '|' + s.prompt, () => {
      setText(el.prompt, s.prompt ? tOr('prompt.' + s.prompt, s.prompt) : t('prompt.none'));
      setAttr(el.prompt, 'data-prompt', s.prompt || '');
    });
    renderDecision(sess);
    renderInspection(sess);
    renderPhotos(sess);
    renderActions(sess);
    renderCounts(s.counts || {});
    renderLast(s.last || null);
    setPreviewOn(s.camera === true);
    renderSupervisorState(s);
  }

  function renderHeader(s) {
    part('station', lang + '|' + s.station + '|' + s.operator, () => {
      const bits = [];
      if (s.station) bits.push(t('app.station') + ' ' + s.station);
      if (s.operator) bits.push(t('app.operator') + ' ' + s.operator);
      setText(el.station, bits.join(' · '));
    });
    const devices = Array.isArray(s.devices) ? s.devices : [];
    part('deviceBadge', lang + '|' + JSON.stringify(devices.map((d) => d.state)), () => {
      const bad = devices.filter((d) => d.state === 'error' || d.state === 'absent').length;
      if (!devices.length) {
        setAttr(el.deviceBadge, 'data-level', 'unknown');
        setText(el.deviceBadge, t('badge.devices_none'));
      } else if (bad) {
        setAttr(el.deviceBadge, 'data-level', 'error');
        setText(el.deviceBadge, t('badge.devices_problem', { n: bad }));
      } else {
        setAttr(el.deviceBadge, 'data-level', 'ok');
        setText(el.deviceBadge, t('badge.devices_ok'));
      }
    });
    const sync = s.sync || {};
    part('syncBadge', lang + '|' + JSON.stringify(sync), () => {
      const r = sync.pending_receipts || 0;
      const p = sync.pending_photos || 0;
      if (sync.issues) {
        setAttr(el.syncBadge, 'data-level', 'error');
        setText(el.syncBadge, t('badge.sync_issues', { n: sync.issues }));
      } else if (sync.running) {
        setAttr(el.syncBadge, 'data-level', 'warn');
        setText(el.syncBadge, t('badge.sync_running'));
      } else if (r || p) {
        setAttr(el.syncBadge, 'data-level', 'pending');
        setText(el.syncBadge, t('badge.sync_pending', { r, p }));
      } else {
        setAttr(el.syncBadge, 'data-level', 'ok');
        setText(el.syncBadge, t('badge.sync_ok'));
      }
    });
  }

  // A new installation whose configuration is not finished (`setup`: the keys still to be
  // set): said whenever the station has no other notice.
  function setupMessage(items) {
    if (!Array.isArray(items) || items.length === 0) return null;
    return { level: 'warning', word: 'setup_incomplete',
      text: t('setup.incomplete', { items: items.join(', ') }) };
  }

  const messageKey = (m) => (m ? [m.level, m.word, m.text].join('|') : null);
  function renderMessage(m) {
    const key = messageKey(m);
    part('message', lang + '|' + key + '|' + dismissedMessage, () => {
      if (!m || key === dismissedMessage) { setHidden(el.message, true); return; }
      // The station's English sentence may carry details (an order or item number); other
      // languages show the page's translation of the word.
      const own = m.word ? I18N.lookup(lang, 'msg.' + m.word) : null;
      setText(el.messageText, (lang === 'en' && m.text) || own || m.text || m.word || '');
      setAttr(el.message, 'data-level', m.level || 'info');
      setAttr(el.message, 'data-word', m.word || '');
      setAttr(el.message, 'role', m.level === 'error' ? 'alert' : 'status');
      setHidden(el.message, false);
    });
  }

  function renderDecision(sess) {
    const d = sess && sess.decision;
    const ov = sess && sess.override;
    const eff = effectiveOutcome(sess);
    const key = [lang, sess && sess.id, sess && sess.phase, sess && sess.code, sess && sess.read, sess && sess.order,
      d && d.outcome, d && d.reason, d && d.text, ov && JSON.stringify(ov)].join('|');
    part('decision', key, () => {
      let outcome = 'none';
      let words = t('outcome.none');
      let reason = t('reason.none');
      let note = null;
      if (sess && !d) {
        outcome = 'idle';
        words = t('outcome.idle');
        reason = t('reason.idle');
      } else if (sess && d) {
        outcome = OUTCOMES.includes(eff) ? eff : 'none';
        words = tOr('outcome.' + eff, eff);
        reason = tOr('reason.' + d.reason, d.text || d.reason);
        if (ov) {
          // The supervisor's word is what counts now; the station's decision stays visible.
          note = t('decision.was', { outcome: tOr('outcome.' + d.outcome, d.outcome) }) + ' — ' + reason;
          reason = t('decision.overridden', { by: ov.by || '?', reason: ov.reason || '' });
        }
      }
      setAttr(el.decision, 'data-outcome', outcome);
      setAttr(el.decision, 'data-reason', (d && d.reason) || '');
      setAttr(el.decision, 'data-session', (sess && sess.id) || '');
      setAttr(el.decisionIcon, 'data-icon', outcome);
      el.decisionIcon.querySelector('use').setAttribute('href',
        '#i-' + (OUTCOMES.includes(outcome) ? outcome : 'none'));
      if (el.decisionWords.textContent !== words) {
        setText(el.decisionWords, words);
        fitWords();
      }
      setText(el.decisionReason, reason);
      setText(el.decisionOverride, note || '');
      setHidden(el.decisionOverride, !note);
      setHidden(el.decisionFacts, !sess);
      // A malformed read has no code; the station sends what was read as `read`.
      setText(el.decisionCode, (sess && (sess.code || sess.read)) || '–');
      setText(el.decisionOrder, (sess && sess.order) || '–');
      setText(el.phase, sess && sess.phase ? tOr('phase.' + sess.phase, sess.phase) : '–');
      el.decision.classList.toggle('is-closed', isClosed(sess));
    });
    // A new decision (or an override) sounds once; the first state after loading does not.
    const soundKey = sess && d && !isClosed(sess) ? sess.id + ':' + eff : null;
    if (lastDecisionKey !== undefined && soundKey && soundKey !== lastDecisionKey) {
      playSound(eff);
      el.decision.classList.remove('is-fresh');
      void el.decision.offsetWidth; // restart the animation
      el.decision.classList.add('is-fresh');
    }
    if (soundKey || !sess) lastDecisionKey = soundKey;
    else if (lastDecisionKey === undefined) lastDecisionKey = null;
  }

  // The largest size class at which the decision's words fit on one line.
  const FIT_STEPS = 5;
  function fitWords() {
    const w = el.decisionWords;
    let i = 0;
    const set = (n) => {
      for (let k = 0; k < FIT_STEPS; k += 1) w.classList.toggle('fit-' + k, k === n);
    };
    set(0);
    while (i < FIT_STEPS - 1 && w.scrollWidth > w.clientWidth + 1) {
      i += 1;
      set(i);
    }
  }
  let fitFrame = 0;
  window.addEventListener('resize', () => {
    cancelAnimationFrame(fitFrame);
    fitFrame = requestAnimationFrame(fitWords);
  });

  function renderInspection(sess) {
    const open = !!sess && !!sess.decision && !isClosed(sess);
    const inspecting = open && effectiveOutcome(sess) === 'accepted';
    const flags = (sess && Array.isArray(sess.flags)) ? sess.flags : [];
    part('inspection', [lang, inspecting, sess && sess.condition, flags.join(',')].join('|'), () => {
      el.inspection.classList.toggle('is-inactive', !inspecting);
      for (const g of GRADES) {
        setDisabled(el.grades[g], !inspecting);
        setAttr(el.grades[g], 'aria-pressed', String(!!sess && sess.condition === g));
      }
      for (const f of OPERATOR_FLAGS) {
        setDisabled(el.flags[f], !inspecting);
        setAttr(el.flags[f], 'aria-pressed', String(flags.includes(f)));
      }
      const others = flags.filter((f) => !OPERATOR_FLAGS.includes(f));
      el.otherFlags.replaceChildren(...others.map((f) =>
        make('li', { className: 'chip', 'data-testid': 'other-flag', 'data-flag': f, text: tOr('flag.' + f, f) })));
      setHidden(el.otherFlags, others.length === 0);
    });
    const lines = (sess && Array.isArray(sess.lines)) ? sess.lines : null;
    part('lines', lang + '|' + (sess && sess.decision ? JSON.stringify(lines) : '-'), () => {
      if (!sess || !sess.decision) {
        el.lines.replaceChildren(make('li', { className: 'lines__none', text: '–' }));
        return;
      }
      if (!lines || !lines.length) {
        el.lines.replaceChildren(make('li', { className: 'lines__none', text: t('lines.none') }));
        return;
      }
      el.lines.replaceChildren(...lines.map((l) => {
        const qty = Number(l.qty) || 0;
        const scanned = Number(l.scanned) || 0;
        const li = make('li', {
          className: 'line' + (scanned > qty ? ' is-over' : scanned >= qty && qty > 0 ? ' is-done' : ''),
          'data-testid': 'line', 'data-sku': l.sku || '', 'data-gtin': l.gtin || '',
        }, [
          make('span', { className: 'line__what' }, [
            document.createTextNode(l.description || l.sku || l.gtin || ''),
            make('span', { className: 'line__sku', text: [l.sku, l.gtin].filter(Boolean).join(' · ') }),
          ]),
          make('span', { className: 'line__count', 'data-testid': 'line-count', text: t('lines.scanned', { scanned, qty }) }),
        ]);
        return li;
      }));
    });
  }

  function missingText(m) {
    if (m.what === 'condition') return t('missing.condition');
    if (m.what === 'label_visible') return t('missing.label_visible');
    if (m.what === 'photo') {
      const role = tOr('role.' + m.role, m.role);
      return (m.count || 1) > 1 ? t('missing.photo_n', { role, count: m.count }) : t('missing.photo', { role });
    }
    return tOr('missing.' + m.what, m.what);
  }

  function renderPhotos(sess) {
    const open = !!sess && !!sess.decision && !isClosed(sess);
    const missing = (sess && Array.isArray(sess.missing)) ? sess.missing : [];
    part('photoButtons', [open, JSON.stringify(missing)].join('|'), () => {
      const need = {};
      for (const m of missing) {
        if (m.what === 'photo') need[m.role] = (need[m.role] || 0) + (m.count || 1);
        if (m.what === 'label_visible' && !need.label) need.label = 1;
      }
      for (const r of ROLES) {
        const b = el.photos[r];
        setDisabled(b, !open);
        b.classList.toggle('is-needed', open && !!need[r]);
        const badge = b.querySelector('.need');
        setText(badge, need[r] ? String(need[r]) : '');
        setHidden(badge, !(open && need[r]));
      }
    });
    part('missing', [lang, !!sess, !!(sess && sess.decision), isClosed(sess), JSON.stringify(missing)].join('|'), () => {
      let items;
      if (!sess || !sess.decision || isClosed(sess)) {
        items = [make('li', { className: 'is-none', 'data-testid': 'missing-none', text: t('missing.no_session') })];
      } else if (!missing.length) {
        items = [make('li', { className: 'is-done', 'data-testid': 'missing-done' },
          [svgUse('i-check'), make('span', { text: t('missing.none') })])];
      } else {
        items = missing.map((m) => make('li', {
          'data-testid': 'missing-item', 'data-what': m.what, 'data-role': m.role || '',
        }, [svgUse('i-todo'), make('span', { text: missingText(m) })]));
      }
      el.missing.replaceChildren(...items);
    });
    const photos = (sess && Array.isArray(sess.photos)) ? sess.photos : [];
    part('thumbs', lang + '|' + photos.map((p) => p.sha256 + p.role + (p.order_label_visible ? '+' : '')).join(','), () => {
      el.thumbs.replaceChildren(...photos.map((p) => {
        const caption = t('photos.view', { role: tOr('role.' + p.role, p.role), time: fmtTime(p.taken_at) }) +
          (p.order_label_visible ? ' · ' + t('photos.label_seen') : '');
        const btn = make('button', {
          type: 'button', className: 'thumb' + (p.order_label_visible ? ' has-label' : ''),
          'data-testid': 'thumb', 'data-sha': p.sha256, 'data-role': p.role, 'aria-label': caption, title: caption,
        }, [
          make('img', { src: '/api/photos/' + encodeURIComponent(p.sha256) + '?thumb=1', alt: '' }),
          make('span', { className: 'thumb__role', text: tOr('role.' + p.role, p.role) }),
        ]);
        btn.addEventListener('click', () => openPhoto(p, caption));
        return make('li', {}, [btn]);
      }));
    });
  }

  function renderActions(sess) {
    const decided = !!sess && !!sess.decision && !isClosed(sess);
    const ready = decided && sess.can_complete === true;
    part('actions', [!!sess, sess && sess.phase, !!(sess && sess.decision), ready].join('|'), () => {
      setDisabled(el.noCode, !!sess && !isClosed(sess) && !!sess.decision);
      setDisabled(el.complete, !decided);
      el.complete.classList.toggle('is-ready', ready);
      setAttr(el.complete, 'data-ready', String(ready));
      const canAbandon = !!sess && !isClosed(sess);
      setDisabled(el.abandon, !canAbandon);
      if (!canAbandon) disarmAbandon();
    });
  }

  function renderCounts(c) {
    part('counts', JSON.stringify(c), () => {
      for (const k of Object.keys(el.count)) setText(el.count[k], String(Number(c[k]) || 0));
    });
  }

  function renderLast(last) {
    part('last', lang + '|' + JSON.stringify(last), () => {
      if (!last) {
        setAttr(el.last, 'data-outcome', 'none');
        el.last.querySelector('use').setAttribute('href', '#i-none');
        setText(el.lastOutcome, t('last.none'));
        setText(el.lastReason, '');
        setText(el.lastCode, '');
        return;
      }
      const outcome = (last.override && last.override.outcome) || last.outcome;
      setAttr(el.last, 'data-outcome', outcome || 'none');
      setAttr(el.last, 'data-reason', last.reason || '');
      el.last.querySelector('use').setAttribute('href', '#i-' + (OUTCOMES.includes(outcome) ? outcome : 'none'));
      const notes = [];
      if (last.abandoned) notes.push(t('last.abandoned'));
      if (last.overridden || last.override) notes.push(t('last.overridden'));
      setText(el.lastOutcome, tOr('outcome.' + outcome, outcome) + (notes.length ? ' (' + notes.join(', ') + ')' : ''));
      setText(el.lastReason, last.reason ? tOr('reason_short.' + last.reason, last.text || last.reason) : (last.text || ''));
      setText(el.lastCode, [last.code, last.order, fmtTime(last.completed_at)].filter((x) => x && x !== '–').join(' · '));
    });
  }

  function fmtTime(iso) {
    if (!iso) return '–';
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) return String(iso);
    return new Intl.DateTimeFormat(lang === 'de' ? 'de-DE' : 'en-GB',
      { dateStyle: 'short', timeStyle: 'medium' }).format(d);
  }

  function openPhoto(p, caption) {
    el.photoViewImg.src = p.url || ('/api/photos/' + encodeURIComponent(p.sha256));
    el.photoViewImg.alt = caption;
    setText(el.photoViewCaption, caption);
    if (!el.photoView.open) el.photoView.showModal();
  }

  // ---------------------------------------------------------------- live preview
  let previewTimer = null;
  let previewSince = 0;
  function setPreviewOn(on) {
    if (on && !previewTimer) {
      previewTimer = setInterval(tickPreview, PREVIEW_MS);
      tickPreview();
    } else if (!on && previewTimer) {
      clearInterval(previewTimer);
      previewTimer = null;
      previewSince = 0;
      el.preview.removeAttribute('src');
      setHidden(el.preview, true);
      setHidden(el.previewOff, false);
    }
  }
  function tickPreview() {
    // One request at a time (a stuck one is given up after 5 s); none while hidden.
    if (document.hidden) return;
    if (previewSince && Date.now() - previewSince < 5000) return;
    previewSince = Date.now();
    el.preview.src = '/api/preview.jpg?t=' + previewSince;
  }
  el.preview.addEventListener('load', () => {
    previewSince = 0;
    if (!previewTimer) return;
    setHidden(el.preview, false);
    setHidden(el.previewOff, true);
  });
  el.preview.addEventListener('error', () => {
    previewSince = 0;
    setHidden(el.preview, true);
    setHidden(el.previewOff, false);
  });

  // ---------------------------------------------------------------- live updates (SSE)
  let source = null;
  function setConn(open) {
    sseOpen = open;
    el.body.dataset.conn = open ? 'open' : 'lost';
    setHidden(el.connLost, open);
    setAttr(el.connBadge, 'data-level', open ? 'ok' : 'error');
    setText(el.connBadge, open ? t('badge.online') : t('badge.offline'));
  }
  function connect() {
    if (source) source.close();
    source = new EventSource('/api/events');
    source.addEventListener('open', () => { setConn(true); refreshSession(); });
    source.addEventListener('state', (ev) => {
      if (!sseOpen) setConn(true);
      let s;
      try { s = JSON.parse(ev.data); } catch { return; }
      acceptState(s, 'sse');
    });
    source.addEventListener('error', () => {
      setConn(false);
      // The browser reconnects by itself unless the stream was refused outright.
      if (source.readyState === EventSource.CLOSED) setTimeout(connect, 2000);
    });
  }

  // ---------------------------------------------------------------- keyboard
  function typingTarget(t0) {
    return !!t0 && (t0.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t0.tagName));
  }
  const anyDialogOpen = () => el.sup.open || el.photoView.open;
  document.addEventListener('keydown', (e) => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    if (anyDialogOpen()) return; // the dialog handles Esc itself
    if (typingTarget(e.target)) {
      if (e.key === 'Escape') e.target.blur();
      return;
    }
    const k = e.key.length === 1 ? e.key.toLowerCase() : e.key;
    const handled = (() => {
      switch (k) {
        case '1': case '2': case '3': case '4': setGrade(GRADES[Number(k) - 1]); return true;
        case 'w': toggleFlag('wrong_item'); return true;
        case 'i': toggleFlag('missing_item'); return true;
        case 'u': toggleFlag('misuse_suspected'); return true;
        case 't': toggleFlag('altered'); return true;
        case 'n': if (!el.noCode.disabled) act('no-code'); return true;
        case 'c': if (!el.complete.disabled) act('complete'); return true;
        case 'x': pressAbandon(); return true;
        case 'p': takePhoto(nextPhotoRole()); return true;
        case 'o': takePhoto('overview'); return true;
        case 'l': takePhoto('label'); return true;
        case 'd': takePhoto('damage'); return true;
        case 'k': takePhoto('contents'); return true;
        case 'e': el.manualInput.focus(); return true;
        case 'g': setLang(lang === 'de' ? 'en' : 'de', true); return true;
        case 'v': toggleSound(); return true;
        case 's': location.hash = '#supervisor'; return true;
        case 'Escape': disarmAbandon(); hideActionError(); return true;
        default: return false;
      }
    })();
    if (handled) e.preventDefault();
  });

  // ---------------------------------------------------------------- supervisor
  let lockTimer = null;
  let lastReceipts = null;
  let loginAnswers = 0;

  async function refreshSession() {
    const r = await getJson('/api/session');
    if (r.ok && r.data) {
      supervisor = r.data.supervisor || null;
      csrf = r.data.csrf || null;
      const until = r.data.locked_until ? Date.parse(r.data.locked_until) : NaN;
      lockedUntil = Number.isNaN(until) ? null : until;
    }
    renderSupervisorView();
    renderLockout();
  }

  function renderSupervisorView() {
    const inside = !!supervisor;
    setHidden(el.pinForm, inside);
    setHidden(el.supMain, !inside);
    setHidden(el.logout, !inside);
    setText(el.supWho, inside ? t('sup.logged_in', { id: supervisor }) : '');
    setAttr(el.sup, 'data-view', inside ? 'main' : 'login');
    if (state) renderSupervisorState(state);
  }

  function renderLockout() {
    clearInterval(lockTimer);
    lockTimer = null;
    const tick = () => {
      const left = lockedUntil ? lockedUntil - Date.now() : 0;
      if (left <= 0) {
        if (el.loginError.classList.contains('is-locked')) {
          setHidden(el.loginError, true);
          el.loginError.classList.remove('is-locked');
        }
        setAttr(el.pinForm, 'data-locked', 'false');
        clearInterval(lockTimer);
        lockTimer = null;
        return;
      }
      const secs = Math.ceil(left / 1000);
      const time = Math.floor(secs / 60) + ':' + String(secs % 60).padStart(2, '0');
      el.loginError.classList.add('is-locked');
      setAttr(el.pinForm, 'data-locked', 'true');
      setText(el.loginError, t('sup.locked', { time }));
      setHidden(el.loginError, false);
    };
    if (lockedUntil && lockedUntil > Date.now()) {
      tick();
      lockTimer = setInterval(tick, 1000);
    } else {
      tick();
    }
  }

  function showLoginError(text) {
    el.loginError.classList.remove('is-locked');
    setText(el.loginError, text);
    setHidden(el.loginError, false);
  }

  el.pinForm.addEventListener('click', (e) => {
    const key = e.target.closest('button');
    if (!key) return;
    if (key.dataset.digit) {
      if (el.pinInput.value.length < 12) el.pinInput.value += key.dataset.digit;
    } else if (key.dataset.testid === 'pin-clear') {
      el.pinInput.value = '';
    } else if (key.dataset.testid === 'pin-back') {
      el.pinInput.value = el.pinInput.value.slice(0, -1);
    }
  });
  el.pinForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const pin = el.pinInput.value;
    if (!pin) { el.pinInput.focus(); return; }
    el.pinInput.value = '';
    const r = await post('/api/login', { pin });
    loginAnswers += 1;
    setAttr(el.pinForm, 'data-answers', String(loginAnswers));
    if (r.ok) {
      setHidden(el.loginError, true);
      lockedUntil = null;
      if (r.data && r.data.supervisor) supervisor = r.data.supervisor;
      if (r.data && r.data.csrf) csrf = r.data.csrf;
      await refreshSession();
      if (!supervisor) supervisor = (r.data && r.data.supervisor) || 'supervisor';
      renderSupervisorView();
      if (lastReceipts === null) searchReceipts();
      focusFirst();
      return;
    }
    if (r.status === 429 || r.error === 'pin_locked') {
      const until = r.data && r.data.locked_until ? Date.parse(r.data.locked_until) : NaN;
      if (!Number.isNaN(until)) lockedUntil = until;
      else await refreshSession();
      if (lockedUntil && lockedUntil > Date.now()) renderLockout();
      else { showLoginError(t('err.pin_locked')); setAttr(el.pinForm, 'data-locked', 'true'); }
    } else if (r.status === 401 || r.status === 403) {
      showLoginError(r.error === 'bad_origin' ? errorText(r) : t('sup.wrong_pin'));
      // The last allowed wrong PIN may start the lockout without saying so: ask.
      await refreshSession();
    } else {
      showLoginError(errorText(r));
    }
    el.pinInput.focus();
  });

  el.logout.addEventListener('click', async () => {
    await post('/api/logout', {});
    supervisor = null;
    csrf = null;
    lastReceipts = null;
    await refreshSession();
    focusFirst();
  });

  function supervisorGone(r) {
    if (r.status !== 401) return false;
    supervisor = null;
    csrf = null;
    renderSupervisorView();
    showLoginError(t('sup.expired'));
    focusFirst();
    return true;
  }

  function showResult(node, ok, text) {
    node.classList.toggle('is-error', !ok);
    node.classList.toggle('is-ok', ok);
    setText(node, text);
    setHidden(node, false);
  }

  el.ovReceipt.addEventListener('input', () => {
    el.ovReceipt.dataset.edited = el.ovReceipt.value ? '1' : '';
  });
  el.ovForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const receipt = el.ovReceipt.value.trim();
    const reason = el.ovReason.value.trim();
    const checked = el.ovForm.querySelector('input[name="outcome"]:checked');
    const outcome = checked ? checked.value : 'accepted';
    if (!receipt) { showResult(el.ovResult, false, t('sup.receipt_required')); el.ovReceipt.focus(); return; }
    if (!reason) { showResult(el.ovResult, false, t('sup.reason_required')); el.ovReason.focus(); return; }
    const r = await post('/api/override', { receipt, outcome, reason });
    if (r.ok) {
      showResult(el.ovResult, true, t('sup.override_done', { outcome: tOr('outcome.' + outcome, outcome) }));
      el.ovReason.value = '';
      el.ovReceipt.dataset.edited = '';
      searchReceipts();
    } else if (!supervisorGone(r)) {
      showResult(el.ovResult, false, errorText(r));
    }
  });

  async function searchReceipts() {
    const q = el.searchQ.value.trim();
    const r = await getJson('/api/receipts?limit=50' + (q ? '&q=' + encodeURIComponent(q) : ''));
    if (!r.ok) {
      if (!supervisorGone(r)) showActionError(errorText({ error: r.data && r.data.error, message: r.data && r.data.message, data: {} }));
      return;
    }
    lastReceipts = (r.data && Array.isArray(r.data.receipts)) ? r.data.receipts : [];
    renderReceipts(lastReceipts);
  }
  el.searchForm.addEventListener('submit', (e) => { e.preventDefault(); searchReceipts(); });

  function renderReceipts(list) {
    el.receiptBody.replaceChildren(...list.map((rc) => {
      const ov = rc.override || null;
      const outcome = rc.decision || rc.outcome;
      // A stored receipt names the override's outcome "decision"; the state JSON "outcome".
      const ovOutcome = ov && (ov.decision || ov.outcome);
      const ovText = ov
        ? [ovOutcome ? tOr('outcome.' + ovOutcome, ovOutcome) : null, ov.by, ov.reason].filter(Boolean).join(' — ')
        : '–';
      const use = make('button', {
        type: 'button', className: 'btn btn--small', 'data-testid': 'receipt-use',
        title: rc.id, text: String(rc.id || '').slice(0, 8),
      });
      use.addEventListener('click', () => {
        el.ovReceipt.value = rc.id;
        el.ovReceipt.dataset.edited = '1';
        el.ovReason.focus();
      });
      return make('tr', {
        'data-testid': 'receipt-row', 'data-receipt-id': rc.id || '', 'data-outcome': outcome || '',
        'data-overridden': ov ? 'true' : 'false',
      }, [
        make('td', { text: fmtTime(rc.completed_at || rc.decided_at || rc.started_at) }),
        make('td', { className: 'mono', 'data-testid': 'receipt-code', text: rc.code || '–' }),
        make('td', { className: 'mono', text: rc.order || '–' }),
        make('td', {
          className: 'outcome', 'data-testid': 'receipt-decision',
          text: tOr('outcome.' + outcome, outcome || '?') + (rc.reason ? ' · ' + tOr('reason_short.' + rc.reason, rc.reason) : ''),
        }),
        make('td', { 'data-testid': 'receipt-override', text: ovText }),
        make('td', {}, [use]),
      ]);
    }));
    setHidden(el.receiptEmpty, list.length > 0);
  }

  function renderSupervisorState(s) {
    if (!el.sup.open) return;
    const devices = Array.isArray(s.devices) ? s.devices : [];
    part('supDevices', lang + '|' + JSON.stringify(devices), () => {
      if (!devices.length) {
        el.deviceBody.replaceChildren(make('tr', {}, [make('td', { colSpan: 5, className: 'muted', text: t('sup.no_devices') })]));
        return;
      }
      el.deviceBody.replaceChildren(...devices.map((d) => make('tr', {
        'data-testid': 'device-row', 'data-name': d.name || '', 'data-state': d.state || '',
      }, [
        make('td', { className: 'mono', text: d.name || '' }),
        make('td', { text: d.kind || '' }),
        make('td', { text: d.role || '' }),
        make('td', { className: 'state', text: tOr('device.' + d.state, d.state || '') }),
        make('td', { className: 'detail', text: d.detail || '' }),
      ])));
    });
    const sync = s.sync || {};
    part('supSync', lang + '|' + JSON.stringify(sync), () => {
      const yes = (v) => (v ? t('sup.yes') : t('sup.no'));
      setText(byId('sync-pending-receipts'), String(sync.pending_receipts ?? '–'));
      setText(byId('sync-pending-photos'), String(sync.pending_photos ?? '–'));
      setText(byId('sync-issues'), String(sync.issues ?? '–'));
      setText(byId('sync-last-run'), sync.last_run ? fmtTime(sync.last_run) : t('sup.never'));
      const lr = sync.last_result;
      setText(byId('sync-last-result'), lr == null ? '–' : typeof lr === 'object' ? JSON.stringify(lr) : String(lr));
      setText(byId('sync-running'), yes(!!sync.running));
      setText(byId('sync-configured'), sync.configured === false ? t('sup.not_configured')
        : sync.configured === true ? t('sup.yes') : '–');
      setDisabled(el.syncNow, !!sync.running || sync.configured === false);
    });
    // The override form suggests the open parcel when the station refused or held it.
    if (el.ovReceipt.dataset.edited !== '1') {
      const sess = s.session;
      const v = sess && sess.decision && !sess.override && !isClosed(sess) &&
        (sess.decision.outcome === 'rejected' || sess.decision.outcome === 'held') ? sess.id : '';
      if (el.ovReceipt.value !== v) el.ovReceipt.value = v;
    }
  }

  el.syncNow.addEventListener('click', async () => {
    const r = await post('/api/sync', {});
    if (r.ok) showResult(el.syncResult, true, t('sup.sync_started'));
    else if (!supervisorGone(r)) showResult(el.syncResult, false, errorText(r));
  });

  function focusFirst() {
    if (!el.sup.open) return;
    if (supervisor) el.ovReceipt.value ? el.ovReason.focus() : el.ovReceipt.focus();
    else el.pinInput.focus();
  }

  async function openSupervisor() {
    if (!el.sup.open) el.sup.showModal();
    focusFirst();
    drawn.supDevices = drawn.supSync = undefined;
    await refreshSession();
    // Closed while the session was asked for (Esc at once): focus stays where it went.
    if (!el.sup.open) return;
    if (supervisor && lastReceipts === null) searchReceipts();
    focusFirst();
  }
  function closeSupervisor() {
    if (el.sup.open) el.sup.close();
  }
  function route() {
    if (location.hash === '#supervisor') openSupervisor();
    else closeSupervisor();
  }
  el.openSup.addEventListener('click', () => {
    if (location.hash === '#supervisor') openSupervisor();
    else location.hash = '#supervisor';
  });
  el.supClose.addEventListener('click', closeSupervisor);
  el.sup.addEventListener('close', () => {
    if (location.hash === '#supervisor') history.replaceState(null, '', location.pathname + location.search);
    el.openSup.focus();
  });
  window.addEventListener('hashchange', route);

  // ---------------------------------------------------------------- start
  applyStaticTexts();
  setConn(false);
  el.body.dataset.conn = 'connecting';
  setHidden(el.connLost, true);
  connect();
  getJson('/api/state').then((r) => { if (r.ok && r.data) acceptState(r.data, 'get'); });
  refreshSession();
  route();
  document.addEventListener('visibilitychange', () => { if (!document.hidden && previewTimer) tickPreview(); });

  // For tests and for a look from the DevTools console; nothing depends on it.
  window.returnscanUi = Object.freeze({
    state: () => state,
    lang: () => lang,
    supervisor: () => supervisor,
  });
})();
