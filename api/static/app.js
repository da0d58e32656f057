// Accrete dashboard: a single-page app; its one library is uPlot (charts,
// vendored in static/vendor, MIT).
//
// Routes (hash based, so the server only serves /, /app.js and /style.css):
//   #/                                    adoption matrix   (?from=&to=&person=)
//   #/people/<person>                     a person's sessions (?from=&to=&practice=)
//   #/sessions/<id>?person=<person>       one session: evidence + timeline (&line=&agent=: open at that line)
//   #/practices/<id>                      who to learn a practice from, with example sessions (?from=&to=&team=)
//   #/teams/<team>                        a team's weekly trend and cohorts (?from=&to=)
//
// Test hooks: body[data-ready] is set to "matrix" | "sessions" | "session" once
// a view has rendered ("error" / "notfound" otherwise, "auth" while the API
// token form is shown) and removed while a view (re)loads; #matrix tr[data-person] td[data-practice][data-count][data-share],
// #sessions tr[data-session], #session-detail .evidence-item[data-practice],
// #timeline .tl-row[data-line][data-agent][data-practices], #status[data-state],
// #auth-form #auth-token, #sign-out.
//
// API tokens: a server with [[api.tokens]] answers 401 without one. The
// dashboard then shows a token form, keeps the token in localStorage and sends
// it as `Authorization: Bearer` on every call; "Sign out" forgets it.
//
// All API text is user data: it only ever reaches the DOM via textContent,
// Text nodes or setAttribute (never innerHTML).
'use strict';

(function () {
  // ---------------------------------------------------------------- helpers

  const $ = (sel, root) => (root || document).querySelector(sel);
  const enc = encodeURIComponent;

  /** Element builder. Strings/numbers in children become Text nodes. */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    if (attrs) {
      for (const k of Object.keys(attrs)) {
        const v = attrs[k];
        if (v === null || v === undefined || v === false) continue;
        if (k === 'class') el.className = v;
        else if (k === 'text') el.textContent = String(v);
        else if (k === 'dataset') {
          for (const d of Object.keys(v)) if (v[d] !== null && v[d] !== undefined) el.dataset[d] = String(v[d]);
        } else if (k === 'style') {
          for (const p of Object.keys(v)) el.style.setProperty(p, v[p]);
        } else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
        else if (k === 'value' || k === 'checked') el[k] = v;
        else el.setAttribute(k, v === true ? '' : String(v));
      }
    }
    add(el, children);
    return el;
  }
  function add(el, children) {
    for (const c of children) {
      if (c === null || c === undefined || c === false) continue;
      if (Array.isArray(c)) add(el, c);
      else el.append(c instanceof Node ? c : String(c));
    }
    return el;
  }

  const nf = new Intl.NumberFormat('en-US');
  const fmtInt = (n) => (typeof n === 'number' && isFinite(n) ? nf.format(n) : '—');
  const pad = (n) => String(n).padStart(2, '0');
  function validMs(ms) { return typeof ms === 'number' && isFinite(ms) && ms > 0; }
  function fmtDate(ms) {
    if (!validMs(ms)) return '—';
    const d = new Date(ms);
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  }
  function fmtDateTime(ms) {
    if (!validMs(ms)) return '—';
    const d = new Date(ms);
    return `${fmtDate(ms)} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
  }
  function fmtClock(ms) {
    if (!validMs(ms)) return '—';
    const d = new Date(ms);
    return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  }
  function fmtIso(ms) { return validMs(ms) ? new Date(ms).toISOString() : ''; }
  function fmtDuration(ms) {
    if (typeof ms !== 'number' || !isFinite(ms) || ms < 0) return '—';
    const s = Math.round(ms / 1000);
    if (s < 60) return `${s}s`;
    const m = Math.floor(s / 60);
    if (m < 10) return `${m}m ${pad(s % 60)}s`;
    if (m < 60) return `${m}m`;
    return `${Math.floor(m / 60)}h ${pad(m % 60)}m`;
  }
  function fmtOffset(ms) {
    if (typeof ms !== 'number' || !isFinite(ms)) return '';
    const neg = ms < 0;
    let s = Math.floor(Math.abs(ms) / 1000);
    const hh = Math.floor(s / 3600); s -= hh * 3600;
    const mm = Math.floor(s / 60); s -= mm * 60;
    return (neg ? '−' : '+') + (hh ? `${hh}:${pad(mm)}:${pad(s)}` : `${mm}:${pad(s)}`);
  }
  function fmtBytes(b) {
    if (typeof b !== 'number' || !isFinite(b)) return '—';
    if (b < 1000) return `${b} B`;
    if (b < 1e6) return `${(b / 1e3).toFixed(1)} KB`;
    if (b < 1e9) return `${(b / 1e6).toFixed(1)} MB`;
    return `${(b / 1e9).toFixed(2)} GB`;
  }
  const pct = (share) => `${Math.round(share * 100)}%`;
  const shortId = (id) => String(id).slice(0, 8);
  function plural(n, one, many) { return `${fmtInt(n)} ${n === 1 ? one : (many || one + 's')}`; }

  // Heat-map scale (keep in sync with .legend-scale in style.css).
  const HEAT = [[0, [243, 245, 250]], [0.25, [201, 214, 245]], [0.5, [143, 169, 236]],
    [0.75, [79, 115, 217]], [1, [37, 70, 181]]];
  function heat(share) {
    const s = Math.max(0, Math.min(1, share || 0));
    let i = 1;
    while (i < HEAT.length - 1 && s > HEAT[i][0]) i++;
    const [a, ca] = HEAT[i - 1], [b, cb] = HEAT[i];
    const t = (s - a) / (b - a);
    const rgb = ca.map((c, k) => Math.round(c + (cb[k] - c) * t));
    // WCAG relative luminance decides between dark and white text.
    const lin = rgb.map((c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); });
    const L = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2];
    return { bg: `rgb(${rgb.join(',')})`, dark: L < 0.3 };
  }

  /** The text of a line an opted-in person shared (stored as JSON: text, cwd, tool inputs). */
  function contentText(c) {
    let t = c;
    try { const o = JSON.parse(c); t = (o && (o.text || (o.tool_inputs || []).join('\n'))) || ''; } catch (_) { /* plain text */ }
    t = String(t);
    return t.length > 800 ? `${t.slice(0, 800)}…` : t;
  }

  const GROUP_NAME = { tool_use: 'Tool use', steering: 'How you steer' };
  const GROUP_HINT = {
    tool_use: 'Features of the agent the person used (objective signals).',
    steering: 'How the person steers the agent, judged from their prompts on their own machine.',
  };

  const PALETTE = ['#4263eb', '#0ca678', '#f08c00', '#7048e8', '#d6336c', '#1098ad', '#e03131',
    '#5c940d', '#e8590c', '#495057', '#ae3ec9', '#3b5bdb'];

  // -------------------------------------------------------------- API layer

  class ApiError extends Error {
    constructor(status, message) { super(message); this.status = status; this.name = 'ApiError'; }
  }

  const TOKEN_KEY = 'accrete.apiToken';
  let memToken = ''; // where localStorage is unavailable
  function getToken() {
    try { return localStorage.getItem(TOKEN_KEY) || ''; } catch (_) { return memToken; }
  }
  function setToken(t) {
    memToken = t || '';
    try { if (t) localStorage.setItem(TOKEN_KEY, t); else localStorage.removeItem(TOKEN_KEY); } catch (_) { /* memory only */ }
    updateSignOut();
  }

  /** GET `path` (or, with `body`, POST it as JSON) and return the JSON answer. */
  async function api(path, signal, body) {
    const token = getToken();
    const headers = { Accept: 'application/json' };
    if (token) headers.Authorization = `Bearer ${token}`;
    const init = { headers, cache: 'no-store', signal };
    if (body !== undefined) {
      init.method = 'POST';
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let res;
    try {
      res = await fetch(path, init);
    } catch (e) {
      if (e && e.name === 'AbortError') throw e;
      throw new ApiError(0, `Cannot reach the Accrete server (${e && e.message ? e.message : e}).`);
    }
    const text = await res.text();
    let answer = null;
    try { answer = text ? JSON.parse(text) : null; } catch (_) { answer = null; }
    if (!res.ok) {
      const msg = answer && typeof answer.error === 'string' && answer.error
        ? answer.error : `HTTP ${res.status} ${res.statusText || ''}`.trim();
      if (res.status === 401) showAuth(msg, token);
      throw new ApiError(res.status, msg);
    }
    if (answer === null || typeof answer !== 'object') throw new ApiError(res.status, `Invalid JSON from ${path}`);
    return answer;
  }

  // The practice catalog changes rarely; cache it, refetch when the matrix
  // reports another catalog version.
  let catalogCache = null;
  async function getCatalog(signal, wantVersion) {
    if (catalogCache && (!wantVersion || catalogCache.version === wantVersion)) return catalogCache;
    try {
      const c = await api('v1/practices', signal);
      const list = Array.isArray(c.practices) ? c.practices : [];
      catalogCache = { version: String(c.version || ''), list, byId: new Map() };
      list.forEach((p, i) => catalogCache.byId.set(p.id, { ...p, index: i, color: PALETTE[i % PALETTE.length] }));
    } catch (e) {
      if (e && e.name === 'AbortError') throw e;
      showBanner(`Practice catalog unavailable: ${e.message}`, 'warn');
      if (!catalogCache) return { version: '', list: [], byId: new Map() };
    }
    return catalogCache;
  }
  /** Practice metadata for an id, with fallbacks for ids missing from the catalog. */
  function practiceInfo(cat, id, extraIndex) {
    const p = cat.byId.get(id);
    if (p) return p;
    const index = cat.list.length + (extraIndex || 0);
    return { id, name: id, description: '', rule: '', index, color: PALETTE[index % PALETTE.length] };
  }
  /** Ids in catalog order, then any unknown ids in their given order. */
  function orderIds(cat, ids) {
    const set = new Set(ids);
    const known = cat.list.map((p) => p.id).filter((id) => set.has(id));
    const extra = ids.filter((id) => !cat.byId.has(id));
    return known.concat([...new Set(extra)]);
  }

  // ---------------------------------------------------------------- chrome

  function setCrumbs(items) {
    const nav = $('#crumbs');
    nav.replaceChildren();
    items.forEach((it, i) => {
      if (i) nav.append(h('span', { class: 'crumb-sep', 'aria-hidden': 'true' }, '/'));
      nav.append(it.href ? h('a', { href: it.href, class: 'crumb' }, it.label)
        : h('span', { class: 'crumb current', 'aria-current': 'page' }, it.label));
    });
  }

  let bannerTimer = 0;
  function showBanner(msg, kind) {
    const b = $('#banner');
    b.replaceChildren(h('span', { class: 'banner-text' }, msg),
      h('button', { type: 'button', class: 'banner-close', 'aria-label': 'Dismiss', onclick: hideBanner }, '×'));
    b.className = `banner ${kind || 'error'}`;
    b.hidden = false;
    clearTimeout(bannerTimer);
  }
  function hideBanner() { const b = $('#banner'); b.hidden = true; b.replaceChildren(); }

  function errorBox(err, retry) {
    const status = err && err.status ? `HTTP ${err.status}` : 'Error';
    return h('div', { class: 'error-box', role: 'alert', 'data-error': '' },
      h('div', { class: 'error-title' }, `${status}: could not load this view`),
      h('div', { class: 'error-msg' }, err && err.message ? err.message : String(err)),
      retry ? h('button', { type: 'button', class: 'btn', onclick: retry }, 'Retry') : null);
  }
  const loadingBox = (what) => h('div', { class: 'loading' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), `Loading ${what}…`);

  function chip(info, opts) {
    const o = opts || {};
    return h('span', {
      class: 'chip' + (o.muted ? ' muted' : ''), title: info.description || info.name,
      dataset: { chip: info.id }, style: { '--c': info.color },
    }, h('i', { class: 'chip-dot', 'aria-hidden': 'true' }), o.label || info.name);
  }
  const powerBadge = () => h('span', { class: 'badge power', title: 'Power user: shows many practices regularly' }, '★ Power user');

  // ---------------------------------------------------------------- router

  class ViewCtx {
    constructor() { this.ac = new AbortController(); this.timers = []; this.dead = false; }
    get signal() { return this.ac.signal; }
    every(ms, fn) { if (!this.dead) this.timers.push(setInterval(fn, ms)); }
    ready(name) { if (!this.dead) document.body.dataset.ready = name; }
    unready() { if (!this.dead) delete document.body.dataset.ready; }
    dispose() { this.dead = true; this.ac.abort(); this.timers.forEach(clearInterval); }
  }

  function safeDecode(s) { try { return decodeURIComponent(s); } catch (_) { return s; } }

  function parseHash() {
    const raw = location.hash.replace(/^#/, '') || '/';
    const qi = raw.indexOf('?');
    const path = qi < 0 ? raw : raw.slice(0, qi);
    const query = new URLSearchParams(qi < 0 ? '' : raw.slice(qi + 1));
    const seg = path.split('/').filter(Boolean).map(safeDecode);
    if (seg.length === 0) return { view: 'matrix', query };
    if (seg[0] === 'people' && seg.length === 2) return { view: 'sessions', person: seg[1], query };
    if (seg[0] === 'sessions' && seg.length === 2) return { view: 'session', id: seg[1], person: query.get('person') || '', query };
    if (seg[0] === 'practices' && seg.length === 2) return { view: 'practice', practice: seg[1], query };
    if (seg[0] === 'teams' && seg.length === 2) return { view: 'team', team: seg[1], query };
    return { view: 'notfound', query };
  }

  const hrefMatrix = (q) => '#/' + qs(q, ['from', 'to', 'person', 'agent']);
  const hrefPerson = (person, q) => `#/people/${enc(person)}` + qs(q, ['from', 'to', 'practice']);
  const hrefSession = (id, person) => `#/sessions/${enc(id)}` + (person ? `?person=${enc(person)}` : '');
  // A session opened at the moment a practice shows.
  const hrefMoment = (id, person, line, agent) => `#/sessions/${enc(id)}` + qs({ person, line: String(line || ''), agent }, ['person', 'line', 'agent']);
  const hrefPractice = (id, q) => `#/practices/${enc(id)}` + qs(q, ['from', 'to', 'team']);
  function qs(q, keys) {
    const out = new URLSearchParams();
    if (q) for (const k of keys) { const v = q.get ? q.get(k) : q[k]; if (v) out.set(k, v); }
    const s = out.toString();
    return s ? '?' + s : '';
  }
  function go(hash) { if (location.hash !== hash) location.hash = hash; }

  let ctx = null;
  function route() {
    if (ctx) ctx.dispose();
    const my = (ctx = new ViewCtx());
    delete document.body.dataset.ready;
    hideBanner();
    const r = parseHash();
    document.body.dataset.view = r.view;
    const app = $('#app');
    app.replaceChildren();
    window.scrollTo(0, 0);
    const views = { matrix: viewMatrix, sessions: viewPerson, session: viewSession, practice: viewPractice, team: viewTeam };
    const fn = views[r.view] || viewNotFound;
    Promise.resolve().then(() => fn(r, my, app)).catch((err) => {
      if (my.dead || (err && err.name === 'AbortError')) return;
      console.error(err);
      app.replaceChildren(errorBox(err, route));
      my.ready('error');
    });
  }

  // ------------------------------------------------------------ sign in

  /** The token form, in place of the view that got a 401. */
  function showAuth(msg, refused) {
    // A token the server no longer knows is forgotten.
    if (refused && refused === getToken()) setToken('');
    if ($('#auth-form')) return;
    if (ctx) ctx.dispose();
    hideBanner();
    setCrumbs([{ label: 'Sign in' }]);
    const input = h('input', {
      type: 'password', id: 'auth-token', name: 'token', autocomplete: 'off', spellcheck: 'false',
      required: true, placeholder: 'Paste your API token', 'aria-describedby': 'auth-help',
    });
    const form = h('form', { id: 'auth-form', class: 'card auth-card', 'aria-labelledby': 'auth-title' },
      h('h1', { id: 'auth-title' }, 'API token'),
      h('p', { id: 'auth-help', class: 'muted' },
        'This Accrete server answers only with a token. Ask your Accrete admin for one; this browser keeps it until you sign out.'),
      refused ? h('p', { class: 'auth-error', id: 'auth-error', role: 'alert' }, `That token was not accepted (${msg}).`) : null,
      h('label', { class: 'field' }, h('span', { class: 'field-label' }, 'Token'), input),
      h('div', null, h('button', { type: 'submit', class: 'btn primary' }, 'Sign in')));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const t = input.value.trim();
      if (!t) return;
      setToken(t);
      route();
      pollStatus();
    });
    $('#app').replaceChildren(form);
    document.body.dataset.view = 'auth';
    document.body.dataset.ready = 'auth';
    input.focus();
  }

  function updateSignOut() {
    const a = $('#sign-out');
    if (a) a.hidden = !getToken();
  }

  function signOut(ev) {
    ev.preventDefault();
    setToken('');
    route();
    pollStatus();
  }

  function viewNotFound(r, c, app) {
    setCrumbs([{ label: 'Adoption matrix', href: '#/' }, { label: 'Not found' }]);
    app.append(h('div', { class: 'empty' }, h('h2', null, 'Page not found'),
      h('p', null, 'This address does not match any dashboard view. '), h('a', { href: '#/' }, 'Back to the adoption matrix')));
    c.ready('notfound');
  }

  // ---------------------------------------------------------- matrix view

  async function viewMatrix(r, c, app) {
    const f = { from: r.query.get('from') || '', to: r.query.get('to') || '', person: r.query.get('person') || '', agent: r.query.get('agent') || '' };
    setCrumbs([{ label: 'Adoption matrix' }]);

    const knownPeople = viewMatrix.knownPeople || (viewMatrix.knownPeople = new Set());
    const fromIn = h('input', { type: 'date', id: 'filter-from', name: 'from', value: f.from });
    const toIn = h('input', { type: 'date', id: 'filter-to', name: 'to', value: f.to });
    const personSel = h('select', { id: 'filter-person', name: 'person' });
    // One agent's sessions, or all (the default).
    const agentSel = h('select', { id: 'filter-agent', name: 'agent' },
      h('option', { value: '' }, 'All agents'),
      ['claude_code', 'codex', 'gemini'].map((a) => h('option', { value: a }, agentName(a))));
    agentSel.value = f.agent;
    const updated = h('span', { class: 'updated', id: 'updated' }, '');
    const kpis = h('section', { class: 'kpis', 'aria-label': 'Summary' });
    const body = h('div', { class: 'matrix-body' }, loadingBox('adoption matrix'));
    const cohorts = cohortCard(c);

    function fillPeople() {
      const list = [...knownPeople];
      if (f.person && !knownPeople.has(f.person)) list.push(f.person);
      list.sort((a, b) => a.localeCompare(b));
      personSel.replaceChildren(h('option', { value: '' }, 'All people'),
        ...list.map((p) => h('option', { value: p }, p)));
      personSel.value = f.person;
    }
    fillPeople();

    function syncBounds() {
      toIn.min = fromIn.value || '';
      fromIn.max = toIn.value || '';
    }
    syncBounds();

    function applyFilters() {
      f.from = fromIn.value; f.to = toIn.value; f.person = personSel.value; f.agent = agentSel.value;
      syncBounds();
      history.replaceState(null, '', hrefMatrix(f));
      load(false);
      cohorts.load(f);
    }
    function setRange(days) {
      if (!days) { fromIn.value = ''; toIn.value = ''; } else {
        const now = Date.now();
        toIn.value = fmtDate(now);
        fromIn.value = fmtDate(now - (days - 1) * 86400000);
      }
      applyFilters();
    }
    fromIn.addEventListener('change', applyFilters);
    toIn.addEventListener('change', applyFilters);
    personSel.addEventListener('change', applyFilters);
    agentSel.addEventListener('change', applyFilters);

    const field = (label, input) => h('label', { class: 'field' }, h('span', { class: 'field-label' }, label), input);
    const toolbar = h('section', { class: 'toolbar', 'aria-label': 'Filters' },
      field('From', fromIn), field('To', toIn), field('Person', personSel), field('Agent', agentSel),
      h('div', { class: 'presets', role: 'group', 'aria-label': 'Quick ranges' },
        h('button', { type: 'button', class: 'btn ghost', onclick: () => setRange(7) }, '7 days'),
        h('button', { type: 'button', class: 'btn ghost', onclick: () => setRange(30) }, '30 days'),
        h('button', { type: 'button', class: 'btn ghost', onclick: () => setRange(90) }, '90 days'),
        h('button', { type: 'button', class: 'btn ghost', onclick: () => setRange(0) }, 'All time')),
      h('button', {
        type: 'button', class: 'btn', id: 'filter-reset',
        onclick: () => { fromIn.value = ''; toIn.value = ''; personSel.value = ''; agentSel.value = ''; applyFilters(); },
      }, 'Reset'),
      h('span', { class: 'spacer' }), updated);

    app.append(
      h('div', { class: 'page-head' },
        h('div', null, h('h1', null, 'Practice adoption'),
          h('p', { class: 'subtitle' }, 'Share of each person\u2019s sessions (Claude Code, Codex CLI, Gemini CLI) that show a practice, out of the sessions of agents it has a counterpart in ("n/a": none). Click a person for their sessions, a cell for the sessions showing that practice.'))),
      toolbar, kpis, body, cohorts.card);

    let seq = 0;
    let lastKey = '';
    async function load(isRefresh) {
      const mySeq = ++seq;
      if (!isRefresh) { c.unready(); lastKey = ''; body.classList.add('is-loading'); }
      const path = 'v1/adoption-matrix' + qs(f, ['from', 'to', 'person', 'agent']);
      try {
        const [m, cat0] = await Promise.all([api(path, c.signal), getCatalog(c.signal)]);
        let cat = cat0;
        if (m.catalog_version && cat.version && m.catalog_version !== cat.version) cat = await getCatalog(c.signal, m.catalog_version);
        if (c.dead || mySeq !== seq) return;
        const key = JSON.stringify(m);
        if (key !== lastKey) {
          lastKey = key;
          (m.people || []).forEach((p) => knownPeople.add(p.person));
          fillPeople();
          renderMatrix(m, cat);
        }
        body.classList.remove('is-loading');
        updated.textContent = `Updated ${fmtClock(Date.now())} · auto-refresh 10 s`;
        if (isRefresh) hideBanner();
        c.ready('matrix');
      } catch (err) {
        if (c.dead || mySeq !== seq || (err && err.name === 'AbortError')) return;
        body.classList.remove('is-loading');
        if (isRefresh && lastKey) {
          showBanner(`Auto-refresh failed: ${err.message}`, 'warn');
        } else {
          kpis.replaceChildren();
          body.replaceChildren(errorBox(err, () => load(false)));
          c.ready('error');
        }
      }
    }

    function renderMatrix(m, cat) {
      const ids = orderIds(cat, Array.isArray(m.practice_ids) && m.practice_ids.length
        ? m.practice_ids : cat.list.map((p) => p.id));
      const cols = ids.map((id, i) => practiceInfo(cat, id, i));
      const people = (m.people || []).slice().sort((a, b) =>
        (b.score || 0) - (a.score || 0) || String(a.person).localeCompare(String(b.person)));

      // --- KPIs
      const totalSessions = people.reduce((s, p) => s + (p.sessions || 0), 0);
      // The sessions a practice applies to: those of the agents the catalog
      // maps it to (servers before agents send no `applicable`: all).
      const applicable = (p, id) => {
        const a = p.applicable || {};
        return Object.keys(a).length ? (a[id] || 0) : (p.sessions || 0);
      };
      const totals = cols.map((col) => people.reduce((s, p) => s + ((p.practices || {})[col.id] || 0), 0));
      const totalOf = cols.map((col) => people.reduce((s, p) => s + applicable(p, col.id), 0));
      const shares = totals.map((t, i) => (totalOf[i] ? t / totalOf[i] : 0));
      let best = -1, worst = -1;
      shares.forEach((s, i) => {
        if (best < 0 || s > shares[best]) best = i;
        if (worst < 0 || s < shares[worst]) worst = i;
      });
      const kpi = (label, value, sub, hook) => h('div', { class: 'kpi', dataset: { kpi: hook } },
        h('div', { class: 'kpi-label' }, label), h('div', { class: 'kpi-value', title: typeof value === 'string' ? value : null }, value), h('div', { class: 'kpi-sub' }, sub || ''));
      kpis.replaceChildren(
        kpi('People', fmtInt(people.length), f.person ? 'filtered' : 'with sessions in range', 'people'),
        kpi('Sessions', fmtInt(totalSessions), f.from || f.to ? `${f.from || '…'} → ${f.to || '…'}` : 'all time', 'sessions'),
        kpi('Power users', fmtInt(people.filter((p) => p.power_user).length), 'marked ★ below', 'power-users'),
        kpi('Most adopted', best >= 0 && totalSessions ? cols[best].name : '—', best >= 0 && totalSessions ? `${pct(shares[best])} of sessions` : '', 'most'),
        kpi('Least adopted', worst >= 0 && totalSessions ? cols[worst].name : '—', worst >= 0 && totalSessions ? `${pct(shares[worst])} of sessions` : '', 'least'));

      // --- table
      const heatCell = (count, sessions, attrs, na) => {
        if (na) {
          // No counterpart in the agents of these sessions: not 0 %.
          return h('td', Object.assign({ class: 'heat na' }, attrs), h('span', { class: 'pct' }, 'n/a'));
        }
        const share = sessions > 0 ? count / sessions : 0;
        const hc = heat(share);
        return h('td', Object.assign({
          class: 'heat' + (hc.dark ? ' dark' : '') + (count ? '' : ' zero'),
          style: { 'background-color': hc.bg },
        }, attrs), h('span', { class: 'pct' }, sessions > 0 ? pct(share) : '–'), ' ', h('span', { class: 'cnt' }, `(${fmtInt(count)})`));
      };
      // Practices grouped as the catalog groups them: "tool use" (a feature
      // was used) and "how you steer" (judgements on the person's prompts).
      const groups = [];
      cols.forEach((col) => {
        const g = col.group || 'tool_use';
        if (groups.length && groups[groups.length - 1].id === g) groups[groups.length - 1].n++;
        else groups.push({ id: g, n: 1 });
      });
      const thead = h('thead', null,
        h('tr', { class: 'group-row' },
          h('th', { colspan: 2, class: 'group-spacer' }),
          groups.map((g) => h('th', {
            colspan: g.n, scope: 'colgroup', class: `col-group group-${g.id}`, dataset: { group: g.id },
            title: GROUP_HINT[g.id] || '',
          }, GROUP_NAME[g.id] || g.id)),
          h('th', { class: 'group-spacer' })),
        h('tr', null,
          h('th', { class: 'col-person', scope: 'col' }, 'Person'),
          h('th', { class: 'col-num', scope: 'col', title: 'Sessions in range' }, 'Sessions'),
          cols.map((col) => h('th', {
            class: `col-practice group-${col.group || 'tool_use'}`, scope: 'col', title: col.description || col.name,
            dataset: { practiceHeader: col.id, group: col.group || 'tool_use' }, style: { '--c': col.color },
          }, h('a', { class: 'th-name', href: hrefPractice(col.id, f), title: `Who to learn ${col.name} from` }, col.name))),
          h('th', { class: 'col-num col-score', scope: 'col', title: 'Adoption score reported by the server' }, 'Score')));
      const maxScore = Math.max(1e-9, ...people.map((p) => p.score || 0));
      const tbody = h('tbody', null, people.length ? null : h('tr', { class: 'empty-row' },
        h('td', { colspan: cols.length + 3, class: 'empty' }, h('strong', null, 'No sessions'), h('br'),
          f.from || f.to || f.person ? 'Nothing matches these filters. Try a wider date range.' : 'No transcripts have been collected yet.')),
      people.map((p) => {
        const counts = p.practices || {};
        const sessions = p.sessions || 0;
        const phref = hrefPerson(p.person, { from: f.from, to: f.to });
        return h('tr', {
          class: p.power_user ? 'power-user' : null,
          dataset: { person: p.person, href: phref },
        },
        h('th', { class: 'col-person', scope: 'row' },
          h('div', { class: 'person-line' },
            h('a', { class: 'person-link', href: phref }, p.person),
            p.power_user ? h('span', { class: 'star', title: 'Power user', 'aria-label': 'Power user' }, '★') : null),
          p.team ? h('div', { class: 'team' }, p.team) : null,
          // Which agents the sessions are from, once any is not Claude Code.
          Object.keys(p.agents || {}).some((a) => a !== 'claude_code')
            ? h('div', { class: 'agents small muted', dataset: { agents: Object.keys(p.agents).join(',') } },
              Object.entries(p.agents).map(([a, n]) => `${agentName(a)} ${fmtInt(n)}`).join(' · '))
            : null),
        h('td', { class: 'col-num', dataset: { sessions } }, fmtInt(sessions)),
        cols.map((col) => {
          const n = counts[col.id] || 0;
          const of = applicable(p, col.id);
          const share = of > 0 ? n / of : 0;
          const na = sessions > 0 && of === 0;
          const agents = Object.keys(p.agents || {}).map(agentName).join(', ');
          return heatCell(n, of, {
            dataset: { practice: col.id, count: n, share, na: na ? '1' : '', href: hrefPerson(p.person, { from: f.from, to: f.to, practice: col.id }) },
            title: na
              ? `${p.person} · ${col.name}: n/a, no counterpart in ${agents}`
              : `${p.person} · ${col.name}: ${n} of ${plural(of, 'session')}${of !== sessions ? ` it applies to (of ${fmtInt(sessions)})` : ''} (${pct(share)})`,
          }, na);
        }),
        h('td', { class: 'col-num col-score', dataset: { score: p.score } },
          h('span', { class: 'score-bar', 'aria-hidden': 'true' }, h('i', { style: { width: `${Math.round(100 * (p.score || 0) / maxScore)}%` } })),
          typeof p.score === 'number' ? p.score.toFixed(2) : '—'));
      }));
      const tfoot = people.length === 0 ? null : h('tfoot', null, h('tr', { class: 'totals' },
        h('th', { class: 'col-person', scope: 'row' }, 'All people'),
        h('td', { class: 'col-num' }, fmtInt(totalSessions)),
        cols.map((col, i) => heatCell(totals[i], totalOf[i], {
          dataset: { totalPractice: col.id, count: totals[i], share: shares[i] },
          title: `Everyone · ${col.name}: ${totals[i]} of ${plural(totalOf[i], 'session')}`,
        }, totalSessions > 0 && totalOf[i] === 0)),
        h('td', { class: 'col-num' }, '')));
      const table = h('table', { id: 'matrix', class: 'matrix' }, thead, tbody, tfoot);
      table.addEventListener('click', (ev) => {
        if (ev.target.closest('a')) return;
        const td = ev.target.closest('td[data-href], tr[data-href]');
        if (td) go(td.dataset.href);
      });

      body.replaceChildren(h('div', { class: 'card table-card' }, h('div', { class: 'table-scroll' }, table)), legend());
    }

    function agentName(a) {
      return { claude_code: 'Claude Code', codex: 'Codex CLI', gemini: 'Gemini CLI' }[a] || a;
    }

    function legend() {
      return h('div', { class: 'legend', 'aria-label': 'Legend' },
        h('span', { class: 'legend-item' }, h('span', { class: 'legend-swatch' }, '27% (10)'),
          'share of the person\u2019s sessions showing the practice (session count)'),
        h('span', { class: 'legend-item' }, h('span', { class: 'legend-scale', 'aria-hidden': 'true' }),
          h('span', { class: 'legend-ticks' }, h('span', null, '0%'), h('span', null, '50%'), h('span', null, '100%'))),
        h('span', { class: 'legend-item' }, h('span', { class: 'star' }, '★'), 'power user'),
        h('span', { class: 'legend-item' }, h('span', { class: 'legend-na' }, 'n/a'), 'no counterpart in the agents of these sessions'));
    }

    cohorts.load(f);
    await load(false);
    c.every(10000, () => load(true));
  }

  // ----------------------------------------------------------- person view

  async function viewPerson(r, c, app) {
    const person = r.person;
    const range = { from: r.query.get('from') || '', to: r.query.get('to') || '' };
    let practiceFilter = r.query.get('practice') || '';
    setCrumbs([{ label: 'Adoption matrix', href: hrefMatrix(range) }, { label: person }]);
    app.append(loadingBox(`sessions of ${person}`));

    const matrixRow = api('v1/adoption-matrix' + qs({ from: range.from, to: range.to, person }, ['from', 'to', 'person']), c.signal)
      .then((m) => (m.people || []).find((p) => p.person === person) || null)
      .catch((e) => { if (e && e.name === 'AbortError') throw e; return null; });
    const [data, cat, row] = await Promise.all([
      api(`v1/people/${enc(person)}/sessions`, c.signal), getCatalog(c.signal), matrixRow]);
    if (c.dead) return;

    const all = Array.isArray(data.sessions) ? data.sessions : [];
    const lo = range.from ? new Date(range.from + 'T00:00:00').getTime() : -Infinity;
    const hi = range.to ? new Date(range.to + 'T00:00:00').getTime() + 86400000 : Infinity;
    const sessions = all.filter((s) => !(s.started_ms < lo || s.started_ms >= hi));
    const team = (row && row.team) || (all[0] && all[0].team) || '';

    // practice profile, computed from the listed sessions
    const seenIds = new Set();
    sessions.forEach((s) => (s.practices || []).forEach((p) => seenIds.add(p)));
    const ids = orderIds(cat, cat.list.map((p) => p.id).concat([...seenIds]));
    const cols = ids.map((id, i) => practiceInfo(cat, id, i));
    const counts = new Map(ids.map((id) => [id, 0]));
    sessions.forEach((s) => (s.practices || []).forEach((p) => counts.set(p, (counts.get(p) || 0) + 1)));

    const head = h('div', { class: 'page-head' },
      h('div', null,
        h('h1', null, person, row && row.power_user ? powerBadge() : null),
        h('p', { class: 'subtitle' },
          [team ? h('a', { href: `#/teams/${enc(team)}` + qs(range, ['from', 'to']), id: 'team-link' }, `Team ${team}`) : 'No team', plural(sessions.length, 'session'),
            row && typeof row.score === 'number' ? `score ${row.score.toFixed(2)}` : null,
            range.from || range.to ? `${range.from || '…'} → ${range.to || '…'}` : 'all time'].filter(Boolean).flatMap((x, i) => (i ? [' · ', x] : [x])))));

    const profileRows = cols.map((col) => {
      const n = counts.get(col.id) || 0;
      const share = sessions.length ? n / sessions.length : 0;
      return h('button', {
        type: 'button', class: 'profile-row', dataset: { profilePractice: col.id, count: n, share },
        title: `${col.description || col.name}\nClick to list only the sessions showing it.`,
        onclick: () => { practiceFilter = practiceFilter === col.id ? '' : col.id; applyPracticeFilter(true); },
      },
      h('span', { class: 'profile-name' }, h('i', { class: 'chip-dot', style: { '--c': col.color } }), col.name),
      h('span', { class: 'bar', 'aria-hidden': 'true' }, h('i', { style: { width: `${(share * 100).toFixed(1)}%`, '--c': col.color } })),
      h('span', { class: 'profile-val' }, `${pct(share)} (${fmtInt(n)})`));
    });
    const profile = h('section', { class: 'card profile', 'aria-label': 'Practice profile' },
      h('div', { class: 'card-head' }, h('h2', null, 'Practice profile'),
        h('span', { class: 'muted small' }, 'share of the sessions below · click to filter')),
      h('div', { class: 'profile-grid' }, profileRows));

    const filterNote = h('div', { class: 'filter-note', hidden: true });
    const countNote = h('span', { class: 'muted small' });
    const emptyMsg = all.length
      ? h('td', { colspan: 5, class: 'empty' }, 'No sessions in this date range. ', h('a', { href: hrefPerson(person, {}) }, 'Show all sessions'))
      : h('td', { colspan: 5, class: 'empty' }, `No sessions recorded for ${person}.`);
    const sessionsTable = h('table', { id: 'sessions', class: 'data sessions' },
      h('thead', null, h('tr', null,
        h('th', { scope: 'col' }, 'Started'), h('th', { scope: 'col', class: 'col-num' }, 'Duration'),
        h('th', { scope: 'col' }, 'Project'), h('th', { scope: 'col', class: 'col-num' }, 'Events'),
        h('th', { scope: 'col' }, 'Practices'))),
      h('tbody', null, sessions.length ? null : h('tr', { class: 'empty-row' }, emptyMsg), sessions.map((s) => {
        const href = hrefSession(s.session_id, s.person || person);
        const ps = orderIds(cat, s.practices || []);
        const agent = s.agent && s.agent !== 'claude_code'
          ? h('span', { class: 'sid agent', title: 'Written by this agent' }, { codex: 'Codex CLI', gemini: 'Gemini CLI' }[s.agent] || s.agent)
          : null;
        return h('tr', { dataset: { session: s.session_id, href, practices: ps.join(' '), agent: s.agent || '' }, class: 'clickable' },
          h('td', { class: 'nowrap' }, h('a', { href, title: `${fmtIso(s.started_ms)}\nsession ${s.session_id}` }, fmtDateTime(s.started_ms)),
            h('span', { class: 'sid' }, shortId(s.session_id)), agent),
          h('td', { class: 'col-num nowrap' }, fmtDuration(s.ended_ms - s.started_ms)),
          h('td', null, h('code', { class: 'project' }, s.project || '—')),
          h('td', { class: 'col-num' }, fmtInt(s.events)),
          h('td', { class: 'chips' }, ps.length ? ps.map((id) => chip(practiceInfo(cat, id))) : h('span', { class: 'muted small' }, 'none')));
      })));
    sessionsTable.addEventListener('click', (ev) => {
      if (ev.target.closest('a')) return;
      const tr = ev.target.closest('tr[data-href]');
      if (tr) go(tr.dataset.href);
    });

    function applyPracticeFilter(updateUrl) {
      if (practiceFilter && !counts.has(practiceFilter)) practiceFilter = '';
      let shown = 0;
      for (const tr of sessionsTable.tBodies[0].rows) {
        if (!tr.dataset.session) continue;
        const ok = !practiceFilter || (tr.dataset.practices || '').split(' ').includes(practiceFilter);
        tr.hidden = !ok;
        if (ok) shown++;
      }
      profileRows.forEach((b) => b.classList.toggle('active', b.dataset.profilePractice === practiceFilter));
      if (practiceFilter) {
        const info = practiceInfo(cat, practiceFilter);
        filterNote.replaceChildren('Showing only sessions with ', chip(info), ' ',
          h('button', { type: 'button', class: 'btn ghost small', onclick: () => { practiceFilter = ''; applyPracticeFilter(true); } }, 'Clear filter'));
        filterNote.hidden = false;
      } else filterNote.hidden = true;
      countNote.textContent = practiceFilter ? `${fmtInt(shown)} of ${plural(sessions.length, 'session')}` : plural(sessions.length, 'session') + ', newest first';
      if (updateUrl) history.replaceState(null, '', hrefPerson(person, { from: range.from, to: range.to, practice: practiceFilter }));
    }

    app.replaceChildren(head, coachingCard(person, range, cat, c), profile,
      h('section', { class: 'card' },
        h('div', { class: 'card-head' }, h('h2', null, 'Sessions'), countNote),
        filterNote, h('div', { class: 'table-scroll' }, sessionsTable)));
    applyPracticeFilter(false);
    c.ready('sessions');
  }

  // -------------------------------------------------------------- coaching

  /**
   * The person's coaching card: the suggested next practice (with the
   * teammate to learn it from and an "Assign" button), their assignments
   * with the check-in, and the weekly trend of their practices drawn with
   * uPlot. Hooks: #coaching[data-state], #suggestion[data-practice],
   * #assign-button, #assignments li[data-practice][data-verdict],
   * #trend-chart canvas.
   */
  function coachingCard(person, range, cat, c) {
    const win = qs({ from: range.from, to: range.to }, ['from', 'to']).replace(/^\?/, '');
    const sep = win ? '&' : '';
    const suggestion = h('div', { id: 'suggestion', class: 'suggestion' }, loadingBox('the suggestion'));
    const assignments = h('ul', { id: 'assignments', class: 'assignments' });
    const examples = h('ol', { id: 'examples', class: 'examples small', 'aria-label': 'Example sessions to learn from' });
    const chart = h('div', { id: 'trend-chart', class: 'trend-chart', 'aria-label': 'Weekly share of sessions per practice' });
    const card = h('section', { id: 'coaching', class: 'card coaching', dataset: { state: 'loading' } },
      h('div', { class: 'card-head' }, h('h2', null, 'Coaching'),
        h('span', { class: 'muted small' }, 'one practice at a time')),
      h('div', { class: 'coaching-grid' },
        h('div', null, h('h3', null, 'Next practice'), suggestion, h('h3', null, 'Assignments'), assignments),
        h('div', null, h('h3', null, 'Weekly trend'), chart)));

    function showAssignments(list) {
      assignments.replaceChildren(...(list.length ? list.map((a) => {
        const info = practiceInfo(cat, a.practice);
        return h('li', { dataset: { practice: a.practice, verdict: a.verdict } },
          chip(info), ` ${a.start} → ${a.ends} · `, h('strong', null, a.verdict),
          h('span', { class: 'muted small' },
            ` · ${fmtInt(a.sessions_showing)} of ${plural(a.sessions_since, 'session')} since (before: ${pct(a.rate_before)})`));
      }) : [h('li', { class: 'muted small' }, 'None yet.')]));
    }
    async function loadAssignments() {
      const r = await api(`v1/coaching/assignments?person=${enc(person)}`, c.signal);
      if (!c.dead) showAssignments(r.assignments || []);
    }
    function showSuggestion(s) {
      if (!s || !s.practice) {
        suggestion.replaceChildren(h('p', { class: 'muted' }, (s && s.reason) || 'Nothing to suggest.'));
        return;
      }
      const info = practiceInfo(cat, s.practice);
      const status = h('span', { class: 'assign-status muted small', role: 'status' });
      const button = h('button', {
        type: 'button', id: 'assign-button', class: 'btn',
        onclick: async () => {
          button.disabled = true;
          status.textContent = 'Assigning…';
          try {
            await api('v1/coaching/assignments', c.signal, { person, practice: s.practice });
            status.textContent = 'Assigned for 4 weeks.';
            await loadAssignments();
          } catch (e) {
            if (e && e.name === 'AbortError') return;
            status.textContent = e.message;
            button.disabled = false;
          }
        },
      }, 'Assign for 4 weeks');
      suggestion.dataset.practice = s.practice;
      suggestion.replaceChildren(
        h('p', null, chip(info), ' ', h('span', { class: 'muted small' }, `${s.cohort} user`)),
        h('p', { class: 'small' }, s.reason),
        h('p', { class: 'small' }, 'Learn it from ', h('a', { href: hrefPerson(s.learn_from, range) }, s.learn_from),
          ` (${pct(s.learn_from_share)} of their sessions).`),
        examples,
        h('p', null, button, ' ', status));
      const ex = `v1/coaching/examples?practice=${enc(s.practice)}&person=${enc(s.learn_from)}${sep}${win}`;
      api(ex, c.signal).then((r) => {
        const t = (r.people || [])[0];
        if (!c.dead) examples.replaceChildren(...(t ? exampleLinks(t, cat) : []));
      }).catch((e) => {
        // A member may not open a teammate's sessions: the name is enough then.
        if (e && e.name !== 'AbortError') examples.replaceChildren();
      });
    }
    const drawTrend = (t) => { c.plot = trendChart(chart, t, cat); };
    Promise.all([
      api(`v1/coaching/suggestions?person=${enc(person)}${sep}${win}`, c.signal),
      api(`v1/coaching/trends?person=${enc(person)}&bucket=week${sep}${win}`, c.signal),
      loadAssignments(),
    ]).then(([s, t]) => {
      if (c.dead) return;
      showSuggestion((s.people || [])[0]);
      drawTrend(t);
      card.dataset.state = 'loaded';
    }).catch((e) => {
      if (e && e.name === 'AbortError') return;
      card.dataset.state = 'error';
      suggestion.replaceChildren(h('p', { class: 'muted small' }, `Coaching unavailable: ${e.message}`));
    });
    return card;
  }

  /** A person's best example sessions of a practice, each opening the drill-down at its moment. */
  function exampleLinks(t, cat) {
    return (t.examples || []).map((e) => h('li', { dataset: { session: e.session_id } },
      h('a', { class: 'example-link', href: hrefMoment(e.session_id, t.person, e.line, e.agent_id) },
        `${fmtDate(e.started_ms)} · line ${e.line}`),
      h('span', { class: 'muted' }, ` · ${pct(e.position)} in` + (e.committed ? ' · committed' : '') +
        (e.interruptions ? ` · ${plural(e.interruptions, 'interruption')}` : '') + (e.evidence ? ` · ${e.evidence}` : ''))));
  }

  /** Each practice's share of sessions per bucket, one line per practice seen (at most six). */
  function trendChart(chart, t, cat) {
    const points = t.points || [];
    if (!points.length || typeof uPlot !== 'function') {
      chart.replaceChildren(h('p', { class: 'muted small' }, points.length ? 'Chart unavailable.' : 'No sessions in this window.'));
      return null;
    }
    // The practices seen at all, in catalog order (at most six lines).
    const ids = orderIds(cat, cat.list.map((p) => p.id))
      .filter((id) => points.some((p) => (p.share || {})[id] > 0)).slice(0, 6);
    const xs = points.map((p) => Date.parse(p.start + 'T00:00:00Z') / 1000);
    const data = [xs, ...ids.map((id) => points.map((p) => Math.round(100 * ((p.share || {})[id] || 0))))];
    const series = [{}, ...ids.map((id) => {
      const info = practiceInfo(cat, id);
      return { label: info.name, stroke: info.color, width: 2, points: { show: true } };
    })];
    chart.replaceChildren();
    const plot = new uPlot({
      width: Math.max(320, chart.clientWidth || 520), height: 240, series,
      scales: { y: { range: [0, 100] } },
      axes: [{}, { values: (_, ticks) => ticks.map((v) => `${v}%`) }],
    }, data, chart);
    chart.dataset.series = String(ids.length);
    return plot;
  }

  // ---------------------------------------------------------- team view

  /** A team's weekly trend (uPlot) and its cohorts per month. Managers and admins. */
  async function viewTeam(r, c, app) {
    const q = { from: r.query.get('from') || '', to: r.query.get('to') || '' };
    const team = r.team;
    setCrumbs([{ label: 'Adoption matrix', href: hrefMatrix(q) }, { label: `Team ${team}` }]);
    app.append(loadingBox(`team ${team}`));
    const [t, cat] = await Promise.all([
      api('v1/coaching/trends' + qs(Object.assign({ team, bucket: 'week' }, q), ['team', 'bucket', 'from', 'to']), c.signal),
      getCatalog(c.signal)]);
    if (c.dead) return;
    const chart = h('div', { id: 'team-trend-chart', class: 'trend-chart', 'aria-label': 'Weekly share of the team\u2019s sessions per practice' });
    const adopted = (t.adoption || []).filter((a) => a.people_adopted > 0);
    const cohorts = cohortCard(c, team);
    app.replaceChildren(h('div', { class: 'page-head' },
      h('div', null, h('h1', null, `Team ${team}`),
        h('p', { class: 'subtitle' }, `${fmtDate(t.from_ms)} → ${fmtDate(t.to_ms - 1)} · adopted: seen in ${t.adopted_n} of a person\u2019s last ${t.adopted_m} sessions`))),
    h('section', { id: 'team-trend', class: 'card' },
      h('div', { class: 'card-head' }, h('h2', null, 'Weekly trend'),
        h('span', { class: 'muted small' }, 'share of the team\u2019s sessions showing each practice')),
      chart,
      h('ul', { class: 'chips', id: 'team-adoption' }, adopted.map((a) => h('li', { dataset: { practice: a.practice } },
        chip(practiceInfo(cat, a.practice)), h('span', { class: 'muted small' }, ` ${a.people_adopted} of ${plural(a.people, 'person', 'people')} adopted`))))),
    cohorts.card);
    trendChart(chart, t, cat);
    await cohorts.load(q);
    c.ready('team');
  }

  // ---------------------------------------------------------- cohorts

  /**
   * People per cohort (light / moderate / heavy) per month, drawn with uPlot,
   * and the heavy-to-light gap. Team data: hidden for a member (403).
   * Hooks: #cohorts[data-state], #cohort-chart[data-points] canvas.
   */
  function cohortCard(c, team) {
    const chart = h('div', { id: 'cohort-chart', class: 'trend-chart', 'aria-label': 'People per cohort per month' });
    const gap = h('p', { class: 'muted small', id: 'cohort-gap' });
    const card = h('section', { id: 'cohorts', class: 'card', dataset: { state: 'loading' } },
      h('div', { class: 'card-head' }, h('h2', null, 'Cohorts over time'),
        h('span', { class: 'muted small' }, 'people active each month, as light, moderate or heavy users')),
      chart, gap);
    const colors = { light: '#94a3b8', moderate: '#2563eb', heavy: '#d97706' };
    async function load(f) {
      card.dataset.state = 'loading';
      let d;
      try {
        d = await api('v1/coaching/cohorts' + qs(Object.assign({ team: team || '' }, f), ['team', 'from', 'to']), c.signal);
      } catch (e) {
        if (e && e.name === 'AbortError') return;
        card.hidden = !!(e && e.status === 403);
        chart.replaceChildren(h('p', { class: 'muted small' }, `Cohorts unavailable: ${e.message}`));
        card.dataset.state = 'error';
        return;
      }
      if (c.dead) return;
      const points = d.points || [];
      chart.dataset.points = String(points.length);
      if (!points.length || typeof uPlot !== 'function') {
        chart.replaceChildren(h('p', { class: 'muted small' }, points.length ? 'Chart unavailable.' : 'No sessions in these months.'));
        gap.textContent = '';
        card.dataset.state = 'loaded';
        return;
      }
      const names = ['light', 'moderate', 'heavy'];
      const xs = points.map((p) => Date.parse(p.start + 'T00:00:00Z') / 1000);
      const count = (p, n) => ((p.cohorts || []).find((x) => x.cohort === n) || {}).people || 0;
      const data = [xs, ...names.map((n) => points.map((p) => count(p, n)))];
      chart.replaceChildren();
      new uPlot({
        width: Math.max(320, chart.clientWidth || 720), height: 220,
        series: [{}, ...names.map((n) => ({ label: n, stroke: colors[n], width: 2, points: { show: true, size: 7 } }))],
        scales: { y: { range: (u, lo, hi) => [0, Math.max(1, hi)] } },
        // One tick per month, named YYYY-MM.
        axes: [{ splits: () => xs, values: (u, ticks) => ticks.map((t) => new Date(t * 1000).toISOString().slice(0, 7)) }, {}],
      }, data, chart);
      const last = points[points.length - 1];
      gap.textContent = last.heavy_to_light
        ? `${last.start.slice(0, 7)}: heavy users' score is ${last.heavy_to_light.toFixed(1)}× light users'.`
        : `${last.start.slice(0, 7)}: ${plural(last.people, 'person', 'people')} active.`;
      card.dataset.state = 'loaded';
    }
    return { card, load };
  }

  // ---------------------------------------------------------- practice view

  /** Who to learn a practice from: the most consistent people, each with their best example sessions. */
  async function viewPractice(r, c, app) {
    const q = { from: r.query.get('from') || '', to: r.query.get('to') || '', team: r.query.get('team') || '' };
    const cat = await getCatalog(c.signal);
    const info = practiceInfo(cat, r.practice);
    setCrumbs([{ label: 'Adoption matrix', href: hrefMatrix(q) }, { label: info.name }]);
    app.append(loadingBox(`who to learn ${info.name} from`));
    const d = await api('v1/coaching/examples' + qs(Object.assign({ practice: r.practice }, q), ['practice', 'from', 'to', 'team']), c.signal);
    if (c.dead) return;
    const people = d.people || [];
    app.replaceChildren(h('div', { class: 'page-head' },
      h('div', null, h('h1', null, `Who to learn ${info.name} from`),
        h('p', { class: 'subtitle' }, `${fmtDate(d.from_ms)} → ${fmtDate(d.to_ms - 1)}` + (q.team ? ` · team ${q.team}` : '')),
        info.description ? h('p', { class: 'practice-desc' }, info.description) : null)),
    h('section', { id: 'teachers', class: 'card' },
      h('div', { class: 'card-head' }, h('h2', null, 'The most consistent'),
        h('span', { class: 'muted small' }, 'best sessions first: shown early, ended with a commit, few interruptions')),
      people.length ? h('ol', { class: 'teachers' }, people.map((t) => h('li', { dataset: { person: t.person } },
        h('p', null, h('a', { href: hrefPerson(t.person, q) }, h('strong', null, t.person)),
          h('span', { class: 'muted small' }, ` ${t.team ? `team ${t.team} · ` : ''}${pct(t.share)} of ${plural(t.sessions, 'session')}`)),
        h('ol', { class: 'examples small' }, exampleLinks(t, cat)))))
        : h('p', { class: 'empty' }, d.reason || 'Nobody to learn it from yet.')));
    c.ready('practice');
  }

  // ---------------------------------------------------------- session view

  async function viewSession(r, c, app) {
    const id = r.id;
    const person = r.person;
    setCrumbs([{ label: 'Adoption matrix', href: '#/' },
      person ? { label: person, href: hrefPerson(person, {}) } : null,
      { label: `Session ${shortId(id)}` }].filter(Boolean));
    app.append(loadingBox('session'));

    const [d, cat] = await Promise.all([
      api(`v1/sessions/${enc(id)}` + (person ? `?person=${enc(person)}` : ''), c.signal), getCatalog(c.signal)]);
    if (c.dead) return;
    const s = d.summary || {};
    const who = s.person || person;
    if (!person && who) setCrumbs([{ label: 'Adoption matrix', href: '#/' }, { label: who, href: hrefPerson(who, {}) }, { label: `Session ${shortId(id)}` }]);
    const evidence = Array.isArray(d.evidence) ? d.evidence : [];
    const timeline = Array.isArray(d.timeline) ? d.timeline : [];
    const t0 = validMs(s.started_ms) ? s.started_ms : (timeline.find((e) => validMs(e.timestamp_ms)) || {}).timestamp_ms;

    const shownIds = orderIds(cat, [...(s.practices || []), ...evidence.map((e) => e.practice)]);
    const missing = cat.list.map((p) => p.id).filter((pid) => !shownIds.includes(pid));

    // --- summary header
    const meta = (label, value, mono) => h('div', { class: 'meta' },
      h('dt', null, label), h('dd', { class: mono ? 'mono' : null }, value));
    const header = h('section', { class: 'card session-head' },
      h('div', { class: 'session-title' },
        h('h1', null, `Session ${shortId(s.session_id || id)}`),
        h('code', { class: 'session-id', title: 'Session id' }, s.session_id || id)),
      h('dl', { class: 'meta-grid' },
        meta('Person', who ? h('a', { href: hrefPerson(who, {}) }, who) : '—'),
        meta('Team', s.team || '—'),
        meta('Project', s.project || '—', true),
        meta('Started', h('span', { title: fmtIso(s.started_ms) }, fmtDateTime(s.started_ms))),
        meta('Duration', fmtDuration(s.ended_ms - s.started_ms)),
        meta('Events', fmtInt(typeof s.events === 'number' ? s.events : timeline.length)),
        meta('Practices', `${shownIds.length} of ${cat.list.length || shownIds.length}`)),
      h('div', { class: 'chips' }, shownIds.map((pid) => chip(practiceInfo(cat, pid)))));

    // --- practices with evidence (teaching material)
    const byPractice = new Map(shownIds.map((pid) => [pid, []]));
    evidence.forEach((e) => byPractice.get(e.practice).push(e));
    let jumpTo = () => {};
    const cards = shownIds.map((pid) => {
      const info = practiceInfo(cat, pid);
      const items = byPractice.get(pid).slice().sort((a, b) =>
        (a.timestamp_ms || 0) - (b.timestamp_ms || 0) || (a.line || 0) - (b.line || 0));
      return h('article', { class: 'practice-card', style: { '--c': info.color }, dataset: { practiceGroup: pid } },
        h('header', null,
          h('h3', null, h('i', { class: 'chip-dot', 'aria-hidden': 'true' }), info.name,
            h('span', { class: `group-tag group-${info.group || 'tool_use'}` }, GROUP_NAME[info.group || 'tool_use'] || '')),
          h('span', { class: 'muted small' }, plural(items.length, 'piece') + ' of evidence')),
        info.description ? h('p', { class: 'practice-desc' }, info.description) : null,
        info.rule ? h('p', { class: 'practice-rule' }, h('span', { class: 'rule-label' }, 'Detected by'), h('code', null, info.rule)) : null,
        items.length ? h('ol', { class: 'evidence-list' }, items.map((e) => h('li', {
          class: 'evidence-item', dataset: { practice: pid, line: e.line, agent: e.agent_id || null },
        },
        h('button', {
          type: 'button', class: 'line-link', title: 'Show this line in the timeline',
          onclick: () => jumpTo(e.agent_id || '', e.line),
        }, `line ${e.line}`),
        h('span', { class: 'ev-time', title: fmtIso(e.timestamp_ms) },
          fmtClock(e.timestamp_ms), validMs(e.timestamp_ms) && validMs(t0) ? h('span', { class: 'muted' }, ` ${fmtOffset(e.timestamp_ms - t0)}`) : null),
        e.agent_id ? h('span', { class: 'agent-tag', title: e.agent_id }, `subagent ${e.agent_id}`) : null,
        e.agent_id ? null : h('span', {
          class: 'ev-pos', title: 'Where in the session it happened', dataset: { position: e.position || 0 },
        }, h('i', { style: { left: `${Math.round(40 * (e.position || 0))}px` } }), ` ${pct(e.position || 0)} in`),
        h('code', { class: 'ev-text' }, e.evidence || ''),
        e.content ? h('blockquote', { class: 'ev-content', title: 'Shared by the person (--share-content)' }, contentText(e.content)) : null))) :
          h('p', { class: 'muted small' }, 'Detected, but no evidence lines were returned.'));
    });
    const practicesSec = h('section', { class: 'card' },
      h('div', { class: 'card-head' }, h('h2', null, 'Practices in this session'),
        h('span', { class: 'muted small' }, 'what was done, and the transcript lines that show it')),
      cards.length ? h('div', { class: 'practice-cards' }, cards)
        : h('p', { class: 'empty' }, 'No practices were detected in this session.'),
      missing.length ? h('div', { class: 'missing' },
        h('h3', null, 'Not seen in this session'),
        h('ul', { class: 'missing-list' }, missing.map((pid) => {
          const info = practiceInfo(cat, pid);
          return h('li', { dataset: { missingPractice: pid } }, h('strong', null, info.name), info.description ? h('span', null, ` — ${info.description}`) : null);
        }))) : null);

    // --- timeline
    const tl = renderTimeline(timeline, t0, cat);
    jumpTo = tl.jumpTo;

    app.replaceChildren(h('div', { id: 'session-detail', dataset: { session: s.session_id || id } }, header, practicesSec, tl.el));
    // Opened from an example: straight to the moment the practice shows.
    const line = r.query.get('line');
    if (line) tl.jumpTo(r.query.get('agent') || '', Number(line), true);
    c.ready('session');
  }

  const LINE_TYPES = new Set(['user', 'assistant', 'system', 'summary', 'file-history-snapshot', 'queue-operation']);

  function renderTimeline(timeline, t0, cat) {
    const list = h('div', { id: 'timeline', class: 'timeline', role: 'table', 'aria-label': 'Session timeline' });
    const headRow = h('div', { class: 'tl-row tl-head', role: 'row' },
      ['Line', 'Time', 'Type', 'Event', 'Practices'].map((t) => h('span', { role: 'columnheader' }, t)));
    list.append(headRow);

    const rows = new Array(timeline.length);
    const texts = new Array(timeline.length);
    const index = new Map();
    const frag = document.createDocumentFragment();
    let evidenceRows = 0, subRows = 0, prevAgent = '';
    for (let i = 0; i < timeline.length; i++) {
      const e = timeline[i] || {};
      const agent = e.agent_id || '';
      const practices = Array.isArray(e.practices) ? e.practices : [];
      const row = document.createElement('div');
      row.className = 'tl-row' + (practices.length ? ' has-practice' : '') + (agent ? ' subagent' : '') + (e.is_sidechain ? ' sidechain' : '');
      row.setAttribute('role', 'row');
      row.dataset.line = String(e.line);
      if (agent) row.dataset.agent = agent;
      if (practices.length) row.dataset.practices = practices.join(' ');

      const cLine = document.createElement('span');
      cLine.className = 'tl-line';
      cLine.textContent = String(e.line ?? '');
      const cTime = document.createElement('span');
      cTime.className = 'tl-time';
      cTime.textContent = validMs(e.timestamp_ms) && validMs(t0) ? fmtOffset(e.timestamp_ms - t0) : '';
      if (validMs(e.timestamp_ms)) cTime.title = `${fmtIso(e.timestamp_ms)} (${fmtClock(e.timestamp_ms)} local)`;
      const cType = document.createElement('span');
      const lt = String(e.line_type || '');
      cType.className = 'tl-type t-' + (LINE_TYPES.has(lt) ? lt : 'other');
      cType.textContent = lt;
      const cSum = document.createElement('span');
      cSum.className = 'tl-sum';
      if (agent && agent !== prevAgent) {
        const tag = document.createElement('span');
        tag.className = 'agent-tag';
        tag.textContent = `↳ ${agent}`;
        cSum.append(tag, ' ');
      }
      cSum.append(String(e.summary || ''));
      cSum.title = (agent ? `[${agent}] ` : '') + String(e.summary || '');
      const cPr = document.createElement('span');
      cPr.className = 'tl-pr';
      for (const pid of practices) cPr.append(chip(practiceInfo(cat, pid)));
      row.append(cLine, cTime, cType, cSum, cPr);
      frag.append(row);

      rows[i] = row;
      texts[i] = `${e.line} ${lt} ${e.summary || ''} ${agent} ${practices.join(' ')}`.toLowerCase();
      index.set(`${agent}\u0000${e.line}`, row);
      if (practices.length) evidenceRows++;
      if (agent) subRows++;
      prevAgent = agent;
    }
    list.append(frag);
    if (!timeline.length) list.append(h('div', { class: 'empty' }, 'No timeline events.'));

    const onlyEv = h('input', { type: 'checkbox', id: 'only-evidence' });
    const hideSub = h('input', { type: 'checkbox', id: 'hide-subagents' });
    const search = h('input', { type: 'search', id: 'timeline-search', placeholder: 'Filter events…', 'aria-label': 'Filter timeline events' });
    const counter = h('span', { class: 'muted small', id: 'timeline-count' });
    let query = '';
    function refresh() {
      list.classList.toggle('only-evidence', onlyEv.checked);
      list.classList.toggle('hide-subagents', hideSub.checked);
      let shown = 0;
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i];
        const match = !query || texts[i].includes(query);
        if (row.hidden === match) row.hidden = !match;
        if (match && (!onlyEv.checked || row.classList.contains('has-practice')) && (!hideSub.checked || !row.dataset.agent)) shown++;
      }
      counter.textContent = `${plural(timeline.length, 'event')} · ${fmtInt(evidenceRows)} with practice evidence · ${fmtInt(subRows)} subagent` +
        (shown !== timeline.length ? ` · showing ${fmtInt(shown)}` : '');
    }
    let debounce = 0;
    search.addEventListener('input', () => {
      clearTimeout(debounce);
      debounce = setTimeout(() => { query = search.value.trim().toLowerCase(); refresh(); }, 150);
    });
    onlyEv.addEventListener('change', refresh);
    hideSub.addEventListener('change', refresh);
    refresh();

    function jumpTo(agent, line, focus) {
      const row = index.get(`${agent}\u0000${line}`);
      if (!row) return;
      if (focus) { list.querySelectorAll('.tl-row.focus').forEach((r) => r.classList.remove('focus')); row.classList.add('focus'); }
      if (row.hidden || (hideSub.checked && agent)) { search.value = ''; query = ''; hideSub.checked = false; refresh(); }
      row.scrollIntoView({ block: 'center' });
      row.classList.remove('flash');
      void row.offsetWidth; // restart the animation
      row.classList.add('flash');
    }

    const el = h('section', { class: 'card timeline-card' },
      h('div', { class: 'card-head' }, h('h2', null, 'Timeline'), counter),
      h('div', { class: 'tl-toolbar' },
        h('label', { class: 'check' }, onlyEv, 'Only practice evidence'),
        h('label', { class: 'check' }, hideSub, 'Hide subagent lines'),
        search,
        h('span', { class: 'tl-legend' },
          h('span', { class: 'tl-key has' }, 'practice evidence'), h('span', { class: 'tl-key sub' }, 'subagent line'))),
      h('div', { class: 'tl-scroll' }, list));
    return { el, jumpTo };
  }

  // ---------------------------------------------------------------- status

  let statusBusy = false;
  async function pollStatus() {
    if (statusBusy) return;
    statusBusy = true;
    const el = $('#status');
    try {
      const st = await api('v1/status');
      const sources = Array.isArray(st.sources) ? st.sources : [];
      const behind = sources.reduce((n, s) => n + (s.bytes_behind || 0), 0);
      const caught = st.caught_up === true;
      const state = caught ? 'ok' : 'behind';
      let text = caught ? 'Caught up' : (behind > 0 ? `${fmtBytes(behind)} behind` : 'Catching up…');
      renderStatus(el, state, text, `${plural(sources.length, 'source')}${st.version ? ' · v' + st.version : ''}`, sources);
      el.dataset.caughtUp = String(caught);
      el.dataset.bytesBehind = String(behind);
    } catch (e) {
      if (e && e.status === 403) renderStatus(el, 'restricted', 'Status', 'for admins only', null);
      else if (e && e.status === 401) renderStatus(el, 'error', 'Signed out', 'a token is needed', null);
      else renderStatus(el, 'error', 'Status unavailable', e.message, null);
      el.dataset.caughtUp = 'false';
      delete el.dataset.bytesBehind;
    } finally {
      statusBusy = false;
    }
  }

  function renderStatus(el, state, text, sub, sources) {
    el.dataset.state = state;
    let det = el.querySelector('details');
    if (!det) {
      det = h('details', { class: 'status-details' });
      el.replaceChildren(det);
      document.addEventListener('click', (ev) => { if (det.open && !det.contains(ev.target)) det.open = false; });
    }
    const summary = h('summary', { title: 'Collector status' },
      h('span', { class: 'status-dot', 'aria-hidden': 'true' }),
      h('span', { class: 'status-text' }, text),
      h('span', { class: 'status-sub' }, sub));
    let panel;
    if (sources && sources.length) {
      panel = h('div', { class: 'status-panel' }, h('table', { class: 'data compact' },
        h('thead', null, h('tr', null, ['Person', 'Path', 'Files', 'Read', 'Behind', 'Lines', 'Invalid', ''].map((t) => h('th', null, t)))),
        h('tbody', null, sources.map((s) => h('tr', { dataset: { source: s.person } },
          h('td', null, s.person || '—'), h('td', null, h('code', null, s.path || '')),
          h('td', { class: 'col-num' }, fmtInt(s.files_seen)), h('td', { class: 'col-num' }, fmtBytes(s.bytes_read)),
          h('td', { class: 'col-num' }, fmtBytes((s.bytes_behind || 0) + (s.bytes_partial || 0))),
          h('td', { class: 'col-num' }, fmtInt(s.lines_read)),
          h('td', { class: 'col-num' + (s.lines_invalid ? ' warn' : '') }, fmtInt(s.lines_invalid)),
          h('td', null, s.caught_up ? h('span', { class: 'ok' }, '✓') : h('span', { class: 'warn' }, 'behind')))))));
    } else {
      panel = h('div', { class: 'status-panel' }, h('p', { class: 'muted small' },
        state === 'error' ? sub : state === 'restricted' ? 'Collector status is shown to admins only.' : 'No sources yet.'));
    }
    det.replaceChildren(summary, panel);
  }

  // ------------------------------------------------------------------ boot

  window.addEventListener('hashchange', route);
  const signOutLink = $('#sign-out');
  if (signOutLink) signOutLink.addEventListener('click', signOut);
  updateSignOut();
  route();
  pollStatus();
  setInterval(pollStatus, 5000);
})();
