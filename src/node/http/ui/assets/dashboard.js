/* global document, sessionStorage, fetch, setTimeout */
// The dstash dashboard: polls this node's /v1/stats every POLL_MS and redraws.
// No dependencies. The bearer token typed in the header is kept in this tab's
// sessionStorage and sent as an Authorization header on every request.

const POLL_MS = 2000;
const TOKEN_KEY = 'dstash.token';
const COLORS = ['#3d6fd9', '#e07b39', '#2a9d8f', '#b5179e', '#7b8c1f', '#8338ec', '#d62828', '#4a5264'];

const $ = (id) => document.getElementById(id);

function headers() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return token ? { authorization: `Bearer ${token}` } : {};
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v;
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}

function bytes(n) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

/** The windows of a member's load that are complete (the last one is still filling). */
function complete(load) {
  return load ? load.samples.slice(0, -1) : [];
}

function rps(sample, load) {
  return sample ? sample.requests / (load.sampleMs / 1000) : 0;
}

function clockText(clock) {
  if (!clock || typeof clock.offsetMs !== 'number') return '–';
  const sign = clock.offsetMs > 0 ? '+' : '';
  return `${sign}${clock.offsetMs} ms${typeof clock.rttMs === 'number' ? ` (±${Math.ceil(clock.rttMs / 2)})` : ''}`;
}

function renderSummary(data) {
  const up = data.members.filter((m) => m.healthy).length;
  const stats = data.members.map((m) => m.stats).filter(Boolean);
  const sum = (f) => stats.reduce((a, s) => a + f(s), 0);
  const cards = [
    ['members healthy', `${up} / ${data.members.length}`],
    ['partitions, N', `${data.partitions ?? '–'}, N=${data.replicas ?? '–'}`],
    ['data (all replicas)', bytes(sum((s) => s.sizeBytes))],
    ['hints pending', String(sum((s) => s.hintsPending))],
    ['partitions moving', String(sum((s) => s.transfer?.partitionsRemaining ?? 0))],
    ['anti-entropy repaired', String(sum((s) => s.load?.antiEntropyKeysRepaired ?? 0))],
    ['requests / s', sum((s) => rps(complete(s.load).at(-1), s.load)).toFixed(1)],
  ];
  $('summary').replaceChildren(...cards.map(([label, value]) => el('div', { class: 'card' }, el('div', { class: 'value' }, value), el('div', { class: 'label' }, label))));
}

function renderMembers(data) {
  const withClock = data.members.some((m) => m.clock);
  for (const th of document.querySelectorAll('.clock')) th.hidden = !withClock;
  const rows = data.members.map((m, i) => {
    const s = m.stats;
    const last = s ? complete(s.load).at(-1) : undefined;
    // A store copy put aside (corrupt) or being pulled again from the peers (rebuilding) shows in place of healthy.
    const store = s && s.storeState !== 'ok' ? s.storeState : undefined;
    const health = s?.draining ? 'draining' : !m.healthy ? 'unhealthy' : store ?? (s?.readOnly ? 'read-only' : 'healthy');
    const transfer = s?.transfer;
    const moving = transfer && transfer.partitionsRemaining > 0 ? `${transfer.partitionsRemaining} partitions left` : transfer && transfer.keysMoved > 0 ? `done (${transfer.keysMoved} keys)` : '–';
    const name = el('td', {}, el('span', { class: 'swatch', style: `background:${COLORS[i % COLORS.length]};margin-left:0` }), m.id);
    if (m.self) name.append(el('span', { class: 'self' }, '(this node)'));
    const clock = el('td', { class: `clock num${m.clock?.offender ? ' offender' : ''}` }, clockText(m.clock));
    clock.hidden = !withClock;
    const row = el('tr', { 'data-member': m.id, 'data-health': health, class: m.healthy ? '' : 'down' },
      name,
      el('td', {}, m.address),
      el('td', {}, m.zone ?? '–'),
      el('td', { class: `health ${health}`, ...(s?.readOnly ? { title: `writes refused until space is freed: ${s.readOnly}` } : {}) }, m.error ? `${health} (${m.error.code})` : health),
      el('td', { class: 'num' }, String(m.homePartitions)),
      el('td', { class: 'num' }, s ? bytes(s.sizeBytes) : '–'),
      el('td', { class: 'num' }, s ? String(s.hintsPending) : '–'),
      el('td', {}, moving),
      el('td', { class: 'num' }, s ? rps(last, s.load).toFixed(1) : '–'),
      el('td', { class: 'num' }, s && last?.requests ? `${last.p99Ms} ms` : '–'),
      clock,
      el('td', {}, s?.version ?? '–'));
    return row;
  });
  document.querySelector('#members tbody').replaceChildren(...rows);
}

const SVG = 'http://www.w3.org/2000/svg';
function svg(tag, attrs) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

/** Draws one line per member: `value(sample, load)` over the complete windows. */
function renderChart(target, data, value, unit) {
  const W = 600, H = 180, L = 44, B = 18, T = 8;
  const series = data.members.map((m, i) => ({ color: COLORS[i % COLORS.length], load: m.stats?.load, points: complete(m.stats?.load) }));
  const all = series.flatMap((s) => s.points.map((p) => value(p, s.load)));
  const max = Math.max(1, ...all) * 1.1;
  const times = series.flatMap((s) => s.points.map((p) => p.startMs));
  const t0 = Math.min(...times), t1 = Math.max(...times);
  const x = (t) => L + ((t - t0) / Math.max(1, t1 - t0)) * (W - L - 4);
  const y = (v) => H - B - (v / max) * (H - B - T);
  const nodes = [svg('line', { x1: L, y1: H - B, x2: W, y2: H - B, class: 'axis' }), svg('line', { x1: L, y1: T, x2: L, y2: H - B, class: 'axis' })];
  for (const v of [0, max / 2, max]) {
    const label = svg('text', { x: L - 4, y: y(v) + 3, 'text-anchor': 'end' });
    label.textContent = v >= 10 ? v.toFixed(0) : v.toFixed(1);
    nodes.push(label);
  }
  if (times.length) {
    const ago = svg('text', { x: L, y: H - 4 });
    ago.textContent = `${Math.round((t1 - t0) / 60000)} min ago`;
    const now = svg('text', { x: W - 4, y: H - 4, 'text-anchor': 'end' });
    now.textContent = `now (${unit})`;
    nodes.push(ago, now);
  }
  for (const s of series) {
    if (!s.points.length) continue;
    const d = s.points.map((p, i) => `${i ? 'L' : 'M'}${x(p.startMs).toFixed(1)},${y(value(p, s.load)).toFixed(1)}`).join(' ');
    nodes.push(svg('path', { d, fill: 'none', stroke: s.color, 'stroke-width': 1.8 }));
  }
  $(target).replaceChildren(...nodes);
}

function render(data) {
  $('seen-by').textContent = `seen by ${data.nodeId} at ${new Date(data.at).toLocaleTimeString()}`;
  $('status').textContent = 'live';
  $('status').className = 'pill live';
  $('error').hidden = true;
  renderSummary(data);
  renderMembers(data);
  renderChart('chart-rps', data, (p, load) => rps(p, load), 'req/s');
  renderChart('chart-p99', data, (p) => p.p99Ms, 'ms');
  $('legend').replaceChildren(...data.members.flatMap((m, i) => [el('span', { class: 'swatch', style: `background:${COLORS[i % COLORS.length]}` }), m.id]));
}

function fail(message) {
  $('status').textContent = 'not updating';
  $('status').className = 'pill failing';
  $('error').textContent = message;
  $('error').hidden = false;
}

async function poll() {
  try {
    const res = await fetch('/v1/stats', { headers: headers(), cache: 'no-store' });
    const body = await res.json().catch(() => ({}));
    if (res.ok) render(body);
    else if (res.status === 401 || res.status === 403) fail(`${res.status}: this node needs a valid token (type it above). ${body.error?.code ?? ''}`);
    else fail(`${res.status} ${body.error?.code ?? ''} ${body.error?.message ?? ''}`);
  } catch (err) {
    fail(`cannot reach the node: ${err.message}`);
  }
  setTimeout(poll, POLL_MS);
}

$('token').value = sessionStorage.getItem(TOKEN_KEY) ?? '';
$('token-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const token = $('token').value.trim();
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
});
void poll();
