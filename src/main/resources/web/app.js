// sessionctl console: plain JavaScript, no build step. Every rule (who sees what, who may end
// what) is enforced by the server; this file only shows what the API returns. Text from the
// database is always inserted with textContent, never as HTML.
'use strict';

const REFRESH_MS = 3000;

const state = {
  me: null,            // {user, role, target, via, csrfToken}
  target: null,
  view: 'sessions',
  sessions: [],
  sort: { field: 'secondsInState', dir: -1 },
  paused: false,
  timer: null,
  loginMode: 'database',
  pending: null,       // {session, action} while the dialog is open
};

const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(e.dataset, v);
    else if (k === 'indent') e.style.paddingLeft = v; // CSSOM, allowed by the CSP (inline style attributes are not)
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

// ---- API -------------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, code, message) { super(message); this.status = status; this.code = code; }
}

async function api(method, path, body) {
  const headers = { 'Accept': 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && state.me) headers['X-CSRF-Token'] = state.me.csrfToken;
  const res = await fetch(path, {
    method, headers, credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = null;
  try { data = await res.json(); } catch (_) { /* empty body */ }
  if (!res.ok) {
    const err = data && data.error ? data.error : { code: 'http-' + res.status, message: res.statusText };
    if (res.status === 401 && !path.startsWith('/api/login') && path !== '/api/me') {
      showSignin('Your session ended; sign in again.');
    }
    throw new ApiError(res.status, err.code, err.message);
  }
  return data;
}

const enc = encodeURIComponent;
const targetPath = () => '/api/targets/' + enc(state.target);

// ---- formatting ------------------------------------------------------------------------------

function age(seconds) {
  if (seconds === null || seconds === undefined) return '';
  const s = Math.floor(seconds);
  if (s < 60) return s + 's';
  if (s < 3600) return Math.floor(s / 60) + 'm' + String(s % 60).padStart(2, '0') + 's';
  if (s < 86400) return Math.floor(s / 3600) + 'h' + String(Math.floor((s % 3600) / 60)).padStart(2, '0') + 'm';
  return Math.floor(s / 86400) + 'd' + String(Math.floor((s % 86400) / 3600)).padStart(2, '0') + 'h';
}
const waitOf = (s) => s.waitEvent ? (s.waitEventType ? s.waitEventType + ': ' : '') + s.waitEvent : '';
const stateChip = (s) => el('span', { class: 'state ' + s.state, text: s.state.replace(/-/g, ' ') });

// level: 'ok', 'warn' (done, but not what one may think), 'bad'; true means 'bad', as before
function toast(message, level) {
  const lvl = level === true ? 'bad' : level || '';
  const t = $('toast');
  t.textContent = message;
  t.classList.toggle('bad', lvl === 'bad');
  t.classList.toggle('warn', lvl === 'warn');
  t.classList.toggle('ok', lvl === 'ok');
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.hidden = true; }, lvl === 'ok' ? 5000 : 9000);
}

// every kill outcome of the API (docs/cli.md), in words, and how the toast shows it
const OUTCOMES = {
  'terminated': ['Session ended', 'ok'],
  'cancelled': ['Statement cancelled', 'ok'],
  'marked-for-kill': ['Marked for kill, still cleaning up', 'warn'],
  'already-gone': ['Already gone', 'ok'],
  'nothing-to-cancel': ['Nothing to cancel: the session is still connected', 'warn'],
  'identity-changed': ['Not done: the id now belongs to another session', 'bad'],
  'refused-by-guard': ['Refused by a guard', 'bad'],
  'refused-privilege': ['Refused: missing privilege', 'bad'],
  'timed-out': ['Sent, but it did not go in time', 'bad'],
  'connection-lost': ['Connection lost', 'bad'],
  'not-verified': ['Sent, but not verified', 'bad'],
  'dry-run': ['Dry run', 'ok'],
  'skipped': ['Skipped', 'warn'],
  'failed': ['Failed', 'bad'],
};

function outcomeToast(r, key) {
  const [label, level] = OUTCOMES[r.outcome] || [r.outcome, r.succeeded ? 'ok' : 'bad'];
  toast(label + ' (' + r.outcome + '): ' + key + ' \u2014 ' + (r.message || ''), level);
}

// ---- sign-in ---------------------------------------------------------------------------------

async function showSignin(message) {
  stopRefresh();
  state.me = null;
  $('app').hidden = true;
  $('signin').hidden = false;
  $('signin-error').textContent = message || '';
  try {
    const opts = await api('GET', '/api/login/options');
    const sel = $('signin-target');
    sel.replaceChildren(...opts.selfServiceTargets.map((t) => el('option', { value: t, text: t })));
    $('mode-admin').hidden = !opts.adminSignIn;
    if (opts.selfServiceTargets.length === 0 && opts.adminSignIn) setLoginMode('admin');
  } catch (e) {
    $('signin-error').textContent = e.message;
  }
  $('signin-user').focus();
}

function setLoginMode(mode) {
  state.loginMode = mode;
  $('mode-database').classList.toggle('active', mode === 'database');
  $('mode-admin').classList.toggle('active', mode === 'admin');
  $('mode-database').setAttribute('aria-selected', String(mode === 'database'));
  $('mode-admin').setAttribute('aria-selected', String(mode === 'admin'));
  $('target-row').hidden = mode !== 'database';
  $('signin-note').hidden = mode !== 'database';
}

async function signIn(ev) {
  ev.preventDefault();
  $('signin-error').textContent = '';
  $('signin-submit').disabled = true;
  const body = {
    mode: state.loginMode,
    username: $('signin-user').value,
    password: $('signin-password').value,
  };
  if (state.loginMode === 'database') body.target = $('signin-target').value;
  try {
    state.me = await api('POST', '/api/login', body);
    $('signin-password').value = '';
    await startApp();
  } catch (e) {
    $('signin-error').textContent = e.message;
  } finally {
    $('signin-submit').disabled = false;
  }
}

async function signOut() {
  try { await api('POST', '/api/logout', {}); } catch (_) { /* already gone */ }
  showSignin('Signed out.');
}

// ---- app -------------------------------------------------------------------------------------

async function startApp() {
  $('signin').hidden = true;
  $('app').hidden = false;
  const me = state.me;
  $('who').textContent = me.role === 'admin'
    ? me.user + ' · administrator'
    : me.user + ' · your sessions on ' + me.target;
  const targets = (await api('GET', '/api/targets')).targets.map((t) => t.name);
  const sel = $('target');
  sel.replaceChildren(...targets.map((t) => el('option', { value: t, text: t })));
  state.target = me.target || (targets.includes(state.target) ? state.target : targets[0]);
  sel.value = state.target;
  sel.disabled = targets.length < 2;
  showView(state.view);
}

function showView(view) {
  state.view = view;
  for (const b of document.querySelectorAll('[data-view]')) b.classList.toggle('active', b.dataset.view === view);
  for (const v of ['sessions', 'blockers', 'audit']) $('view-' + v).hidden = v !== view;
  refresh();
}

async function refresh() {
  stopRefresh();
  if (!state.me) return;
  try {
    if (state.view === 'sessions') await loadSessions();
    else if (state.view === 'blockers') await loadBlockers();
    else await loadAudit();
    $('updated').textContent = (state.paused ? 'paused · ' : 'live · ') + 'updated ' + new Date().toLocaleTimeString();
  } catch (e) {
    if (e.status !== 401) toast(e.message, true);
  }
  if (!state.paused && state.me && !state.pending) state.timer = setTimeout(refresh, REFRESH_MS);
}

function stopRefresh() {
  clearTimeout(state.timer);
  state.timer = null;
}

function togglePause() {
  state.paused = !state.paused;
  $('pause').textContent = state.paused ? 'Resume' : 'Pause';
  $('pause').setAttribute('aria-pressed', String(state.paused));
  $('live-dot').classList.toggle('on', !state.paused);
  refresh();
}

// ---- sessions --------------------------------------------------------------------------------

async function loadSessions() {
  const data = await api('GET', targetPath() + '/sessions');
  state.sessions = data.sessions;
  renderSessions();
}

function sortValue(s, field) {
  switch (field) {
    case 'wait': return waitOf(s);
    case 'blockedBy': return s.blockedBy.join(' ');
    case 'secondsInState': return s.secondsInState === null ? -1 : s.secondsInState;
    case 'key': return s.sessionId;
    default: return (s[field] || '').toString().toLowerCase();
  }
}

function renderSessions() {
  const text = $('filter-text').value.trim().toLowerCase();
  const st = $('filter-state').value;
  const blockingOnly = $('filter-blocking').checked;
  const blockers = new Set(state.sessions.flatMap((s) => s.blockedBy));
  const rows = state.sessions
    .filter((s) => !st || s.state === st)
    .filter((s) => !blockingOnly || s.blockedBy.length > 0 || blockers.has(String(s.sessionId)))
    .filter((s) => !text || [s.key, s.user, s.database, s.program, s.clientHost, s.sqlText, s.state]
      .some((v) => v && String(v).toLowerCase().includes(text)));
  const { field, dir } = state.sort;
  rows.sort((a, b) => {
    const x = sortValue(a, field), y = sortValue(b, field);
    return (x < y ? -1 : x > y ? 1 : 0) * dir || a.sessionId - b.sessionId;
  });
  for (const th of document.querySelectorAll('#sessions-table th[data-sort]')) {
    th.classList.toggle('sorted', th.dataset.sort === field);
    th.classList.toggle('asc', th.dataset.sort === field && dir > 0);
    th.setAttribute('aria-sort', th.dataset.sort === field ? (dir > 0 ? 'ascending' : 'descending') : 'none');
  }
  const body = $('sessions-table').querySelector('tbody');
  body.replaceChildren(...rows.map((s) => sessionRow(s, blockers)));
  $('sessions-empty').hidden = rows.length > 0;
  $('count').textContent = rows.length + ' of ' + state.sessions.length + ' session(s)';
}

function sessionRow(s, blockers) {
  const blocking = blockers.has(String(s.sessionId));
  return el('tr', { class: s.protected ? 'protected' : null, dataset: { key: s.key } },
    el('td', { class: 'key', 'data-label': 'Key' }, s.key,
      blocking ? el('span', { class: 'badge lock', text: 'blocking' }) : null,
      s.protected ? el('span', { class: 'badge', title: s.protectedReason, text: 'protected' }) : null),
    el('td', { 'data-label': 'User' }, s.user || ''),
    el('td', { 'data-label': 'DB' }, s.database || ''),
    el('td', { 'data-label': 'State' }, stateChip(s)),
    el('td', { 'data-label': 'Age' }, age(s.secondsInState)),
    el('td', { 'data-label': 'Wait' }, waitOf(s)),
    el('td', { 'data-label': 'Blocked by' }, s.blockedBy.join(' ')),
    el('td', { class: 'sql', 'data-label': 'SQL' }, el('span', { class: 'clip', title: s.sqlText || '', text: s.sqlText || '' })),
    el('td', { class: 'actions' }, ...actionButtons(s)));
}

function actionButtons(s) {
  // the server refuses these anyway; the console just does not offer them
  const foreign = state.me.role !== 'admin' && s.user !== state.me.user;
  const disabled = foreign || s.protected || s.state === 'terminating';
  const why = foreign ? 'not your session: only ' + s.user + ' (or an administrator) can end it'
    : s.protected ? s.protectedReason : s.state === 'terminating' ? 'already ending' : null;
  return [
    el('button', { type: 'button', class: 'act-explain link', title: 'why it is there, and what to do',
      onclick: () => openExplain(s) }, 'Why?'),
    el('button', { type: 'button', class: 'act-cancel', disabled, title: why || 'stop the current statement; the session stays',
      onclick: () => openConfirm(s, 'cancel') }, 'Cancel'),
    el('button', { type: 'button', class: 'act-kill danger', disabled, title: why || 'end the session',
      onclick: () => openConfirm(s, 'terminate') }, 'End'),
  ];
}

// ---- blocking trees --------------------------------------------------------------------------

async function loadBlockers() {
  const data = await api('GET', targetPath() + '/blockers');
  const box = $('blockers');
  if (data.roots.length === 0 && data.deadlocks.length === 0) {
    box.replaceChildren(el('p', { class: 'empty muted', text: 'No session is blocked on ' + data.target + '.' }));
    return;
  }
  const cards = data.roots.map((r) => {
    const s = r.session;
    const head = el('h3', {},
      el('span', { class: 'mono', text: 'ROOT ' + (r.key || r.sessionId) }),
      s ? el('span', { text: (s.user || '?') + '@' + (s.database || '?') }) : el('span', { class: 'muted', text: 'not visible' }),
      s ? stateChip(s) : null,
      s ? el('span', { class: 'muted', text: age(s.secondsInState) }) : null,
      r.idleInTransaction ? el('span', { class: 'badge warn', text: 'idle in transaction while blocking' }) : null,
      s && s.protected ? el('span', { class: 'badge', title: s.protectedReason, text: 'protected' }) : null);
    const summary = el('p', { class: 'summary muted', text: 'blocks ' + r.totalBlocked + ' session(s): ' + r.directlyBlocked
      + ' directly, chain depth ' + r.depth + (r.longestWaitSeconds !== null ? ', longest wait ' + age(r.longestWaitSeconds) : '') });
    const sql = s && s.sqlText ? el('div', { class: 'sql', text: s.sqlText })
      : s && s.attributes && s.attributes.redacted
        ? el('p', { class: 'muted small', text: 'Another user\u2019s session: its SQL is not shown to you. Ask '
          + (s.user || 'its owner') + ' or a DBA to end it.' })
        : null;
    const acts = s ? el('div', { class: 'root-actions' }, ...actionButtons(s)) : null;
    const waiters = el('ul', { class: 'waiters' }, ...r.waiters.map((w) => el('li', { indent: (w.level - 1) * 18 + 'px' },
      el('span', { class: 'mono', text: '\u2514 ' + w.key }),
      (w.session.user || '') + ' ', stateChip(w.session), ' waited ' + age(w.waitedSeconds) + ' ',
      el('span', { class: 'muted', text: waitOf(w.session) }), ' ',
      el('span', { class: 'mono', text: w.session.sqlText || '' }))));
    return el('div', { class: 'card root', dataset: { key: r.key || '' } }, head, summary, sql, acts, waiters);
  });
  const dl = data.deadlocks.map((d) => el('div', { class: 'card root' },
    el('h3', {}, el('span', { class: 'badge lock', text: 'deadlock' }), d.members.map((m) => m.key).join(', ')),
    el('p', { class: 'muted', text: 'The engine\u2019s deadlock detector normally ends one member; ending any one member breaks the cycle.'
      + (d.blockedBehind.length ? ' ' + d.blockedBehind.length + ' more session(s) wait behind it.' : '') })));
  box.replaceChildren(...cards, ...dl);
}

// ---- audit -----------------------------------------------------------------------------------

async function loadAudit() {
  const data = await api('GET', '/api/audit?limit=200');
  const body = $('audit-table').querySelector('tbody');
  body.replaceChildren(...data.records.map((r) => r.event === 'action' ? actionRow(r) : accessRow(r)));
  $('audit-empty').hidden = data.records.length > 0;
}

const shortTime = (t) => (t || '').replace('T', ' ').replace(/\.\d+Z$/, 'Z');

// one action of the shared trail: intent (before), outcome and verification (after)
function actionRow(r) {
  const first = r.intent || r.outcome || r.verification || r.escalation || {};
  const a = first.actor || {};
  const who = (a.osUser || '?') + (a.host ? ' from ' + a.host : '') + (a.via ? ' \u00b7 ' + a.via : '');
  const what = (first.action || '') + (first.statement ? ': ' + first.statement : '')
    + (first.reason ? ' \u2014 reason: ' + first.reason : '');
  const out = r.outcome || {};
  return el('tr', {},
    el('td', { class: 'time', 'data-label': 'Time', text: shortTime(r.time) }),
    el('td', { 'data-label': 'Event', text: 'action' }),
    el('td', { 'data-label': 'Who', text: who }),
    el('td', { 'data-label': 'Target', text: first.target || '' }),
    el('td', { class: 'key', 'data-label': 'Session', text: first.session ? first.session.key + ' ' + (first.session.user || '') : '' }),
    el('td', { 'data-label': 'Action', text: what }),
    el('td', { 'data-label': 'Outcome', text: (r.status || '') + (out.message ? ': ' + out.message : '') }));
}

// a sign-in, sign-out or refused request
function accessRow(r) {
  const a = r.actor || {};
  const who = (a.user || '?') + (a.role ? ' (' + a.role + ')' : '') + (a.address ? ' from ' + a.address : '');
  return el('tr', {},
    el('td', { class: 'time', 'data-label': 'Time', text: shortTime(r.time) }),
    el('td', { 'data-label': 'Event', text: r.event }),
    el('td', { 'data-label': 'Who', text: who }),
    el('td', { 'data-label': 'Target', text: r.target || '' }),
    el('td', { class: 'key', 'data-label': 'Session', text: '' }),
    el('td', { 'data-label': 'Action', text: r.detail || '' }),
    el('td', { 'data-label': 'Outcome', text: '' }));
}

// ---- kill / cancel with confirmation ---------------------------------------------------------

async function openConfirm(s, action) {
  stopRefresh();
  state.pending = { session: s, action };
  let p;
  try {
    p = await api('GET', targetPath() + '/sessions/' + enc(s.key) + '/preview?action=' + enc(action));
  } catch (e) {
    state.pending = null;
    toast(e.message, true);
    refresh();
    return;
  }
  const ends = action !== 'cancel';
  $('confirm-title').textContent = ends ? 'End session ' + s.key + '?' : 'Cancel the statement of ' + s.key + '?';
  $('c-session').textContent = [p.session.user, p.session.database, p.session.state.replace(/-/g, ' '),
    age(p.session.secondsInState), p.session.program].filter(Boolean).join(' · ');
  $('c-statement').textContent = p.statement || '(none: ' + (p.message || 'refused') + ')';
  const inTxn = p.session.state === 'idle-in-transaction';
  $('c-txn').textContent = p.transactionAgeSeconds === null && p.transactionSize === null
    ? (inTxn ? 'open (start not reported)' : 'no open transaction')
    : (p.transactionAgeSeconds !== null ? 'open ' + age(p.transactionAgeSeconds) : '')
      + (p.transactionSize !== null ? (p.transactionAgeSeconds !== null ? ', ' : '') + 'size ' + p.transactionSize : '');
  $('c-rollback').textContent = p.rollbackEstimate;
  $('c-blocked').textContent = p.sessionsBlocked > 0 ? p.sessionsBlocked + ' session(s) wait on it' : 'no one waits on it';
  // a cancel of a session that runs nothing is answered nothing-to-cancel: say so before, not after
  const idleCancel = action === 'cancel' && p.allowed && p.session.state !== 'active';
  $('c-refused').textContent = !p.allowed ? (p.message || 'refused')
    : idleCancel ? 'It runs no statement now (' + p.session.state.replace(/-/g, ' ') + '): a cancel would change nothing'
      + (inTxn ? ' and it keeps its transaction\'s locks; End session releases them.' : '.')
    : '';
  $('c-confirm').textContent = ends ? 'End session' : 'Cancel statement';
  $('c-confirm').disabled = !p.allowed;
  $('c-reason').value = '';
  $('confirm').showModal();
}

function closeConfirm() {
  if ($('confirm').open) $('confirm').close();
  state.pending = null;
  refresh();
}

async function confirmKill() {
  const { session, action } = state.pending;
  $('c-confirm').disabled = true;
  try {
    const res = await api('POST', targetPath() + '/sessions/' + enc(session.key) + '/kill',
      { action, reason: $('c-reason').value || null, verify: true });
    const r = res.result;
    outcomeToast(r, session.key);
  } catch (e) {
    toast(e.message, true);
  }
  closeConfirm();
}

// ---- explain ---------------------------------------------------------------------------------

async function openExplain(s) {
  stopRefresh();
  state.pending = { session: s, action: null };
  let x;
  try {
    x = await api('GET', targetPath() + '/sessions/' + enc(s.key) + '/explain');
  } catch (e) {
    state.pending = null;
    toast(e.message, true);
    refresh();
    return;
  }
  $('explain-title').textContent = 'Session ' + s.key + ': why?';
  $('x-findings').replaceChildren(...x.findings.map((f) => el('li', { text: f.text })));
  $('x-rollback').textContent = x.rollback
    ? x.rollback.remaining + ' ' + x.rollback.unit + ' left' + (x.rollback.etaSeconds ? ', ETA ' + age(x.rollback.etaSeconds) : '')
    : (x.rollbackEstimate || '');
  const next = x.next || {};
  $('x-next').replaceChildren(el('span', { text: next.action + ': ' + (next.why || '') }),
    next.command ? el('code', { text: next.command }) : null);
  const act = $('x-act');
  const foreign = state.me.role !== 'admin' && s.user !== state.me.user;
  const offered = next.action === 'cancel' || next.action === 'terminate';
  act.hidden = !offered || foreign || s.protected;
  act.textContent = next.action === 'cancel' ? 'Cancel statement\u2026' : 'End session\u2026';
  act.onclick = () => { $('explain').close(); openConfirm(s, next.action); };
  $('explain').showModal();
}

function closeExplain() {
  if ($('explain').open) $('explain').close();
  state.pending = null;
  refresh();
}

// ---- wiring ----------------------------------------------------------------------------------

document.addEventListener('DOMContentLoaded', async () => {
  $('signin-form').addEventListener('submit', signIn);
  $('mode-database').addEventListener('click', () => setLoginMode('database'));
  $('mode-admin').addEventListener('click', () => setLoginMode('admin'));
  $('signout').addEventListener('click', signOut);
  $('pause').addEventListener('click', togglePause);
  $('refresh').addEventListener('click', refresh);
  $('target').addEventListener('change', (e) => { state.target = e.target.value; refresh(); });
  for (const b of document.querySelectorAll('[data-view]')) b.addEventListener('click', () => showView(b.dataset.view));
  for (const id of ['filter-text', 'filter-state', 'filter-blocking']) $(id).addEventListener('input', renderSessions);
  for (const th of document.querySelectorAll('#sessions-table th[data-sort]')) {
    th.addEventListener('click', () => {
      const f = th.dataset.sort;
      state.sort = { field: f, dir: state.sort.field === f ? -state.sort.dir : (f === 'secondsInState' ? -1 : 1) };
      renderSessions();
    });
  }
  $('x-close').addEventListener('click', closeExplain);
  $('toast').addEventListener('click', () => { $('toast').hidden = true; });
  $('explain').addEventListener('cancel', () => { state.pending = null; refresh(); });
  $('c-cancel').addEventListener('click', closeConfirm);
  $('c-confirm').addEventListener('click', confirmKill);
  $('confirm').addEventListener('cancel', () => { state.pending = null; refresh(); });
  setLoginMode('database');
  try {
    state.me = await api('GET', '/api/me');
    await startApp();
  } catch (_) {
    showSignin();
  }
});
