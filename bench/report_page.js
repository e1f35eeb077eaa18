// The script of zenn bench --report's page (embedded by bench_report.c): it
// draws the headline, the charts, the tables and the trends from the run's
// JSON (#zenn-run) and the history's points (#zenn-history). No network.
'use strict';
const run = JSON.parse(document.getElementById('zenn-run').textContent);
const trend = JSON.parse(document.getElementById('zenn-history').textContent), hist = trend.points;
const NS = 'http://www.w3.org/2000/svg';
// Yardsticks rather than other libraries: kept out of the peers' speed-ups.
const REFERENCES = new Set(['fma-peak', 'fma-peak-2t', 'memcpy', 'target', 'weight-read']);
const isReference = p => REFERENCES.has(p) || p.startsWith('zenn');
// Bars past this speed-up (or its inverse) end at the edge, marked, so one
// outlier (BLIS's 1214x) does not squash every other bar.
const OFF_SCALE = 30;

function el(tag, attrs, text, ns) {
  const e = ns ? document.createElementNS(NS, tag) : document.createElement(tag);
  for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
  if (text !== undefined) e.textContent = text;
  return e;
}
function fmt(v) { return v === null || v === undefined ? '-' : Number(Number(v).toPrecision(4)).toString(); }
function ratioText(r) { return r >= 100 ? r.toFixed(0) + 'x' : r.toFixed(2) + 'x'; }
// A contender's figure in the row's unit ("85.3 GFLOP/s", "0.0471 MSE").
function figure(r, s) { return s ? fmt(s.value) + ' ' + r.unit : '-'; }
// The reason a peer was skipped, without its name in front ("blis: libblis not found").
function reason(r) { return r.skipped.startsWith(r.peer + ': ') ? r.skipped.slice(r.peer.length + 2) : r.skipped; }
const hasRatio = r => typeof r.ratio === 'number' && r.ratio > 0 && r.target_kind !== 'margin';
// met: the target is met; short: not met, though zenn is ahead; miss: not met
// and zenn is behind; none: no target; skipped: the peer was not measured.
function verdict(r) {
  if (r.skipped) return 'skipped';
  if (r.met === true) return 'met';
  if (r.met === false) return hasRatio(r) && r.ratio >= 1 ? 'short' : 'miss';
  return 'none';
}
const VERDICT_TEXT = {met: 'met', short: 'not met (ahead, short of the target)', miss: 'not met', none: ''};
const geomean = v => Math.exp(v.reduce((a, x) => a + Math.log(x), 0) / v.length);

function legend(parent) {
  const p = parent.appendChild(el('p', {class: 'legend'}));
  for (const [cls, text] of [['met', 'target met'], ['short', 'target not met, zenn ahead'],
                             ['miss', 'target not met, zenn behind'], ['none', 'no target'],
                             ['skipped', 'peer skipped']]) {
    p.appendChild(el('span', {class: 'swatch ' + cls}));
    p.appendChild(el('span', {}, text + '  '));
  }
}

function headline() {
  const box = document.getElementById('summary');
  const cpu = run.fingerprint.cpu.trim().replace(/\s+/g, ' ');
  const withTarget = run.results.filter(r => r.target);
  const met = withTarget.filter(r => r.met === true).length, missed = withTarget.filter(r => r.met === false);
  const unmeasured = withTarget.length - met - missed.length;
  box.setAttribute('data-met', met);
  box.setAttribute('data-not-met', missed.length);
  const ahead = missed.filter(r => verdict(r) === 'short').length;
  box.appendChild(el('p', {class: 'headline'}, `Targets: ${met} of ${met + missed.length} met` +
    (missed.length ? ` (${missed.length} not met${ahead ? `, ${ahead} of them with zenn ahead` : ''})` : '') +
    (unmeasured ? `; ${unmeasured} not measurable (a peer missing)` : '') +
    ` — on ${cpu}, kernels ${run.fingerprint.isa}, ${run.fingerprint.threads} threads.`));
  const peers = {};
  for (const r of run.results.filter(r => r.peer && !isReference(r.peer))) {
    const p = peers[r.peer] = peers[r.peer] || {speed: [], met: 0, targets: 0, skipped: null};
    if (r.skipped) p.skipped = p.skipped || reason(r);
    else if (hasRatio(r) && r.measure === 'speed') p.speed.push(r.ratio);
    if (r.target && !r.skipped) { p.targets++; p.met += r.met === true; }
  }
  const t = box.appendChild(el('table', {id: 'peers'}));
  const head = t.appendChild(el('tr'));
  for (const c of ['peer', 'speed rows', 'zenn\'s speed-up (geometric mean)', 'range', 'targets met'])
    head.appendChild(el('th', {}, c));
  for (const name of Object.keys(peers).sort()) {
    const p = peers[name];
    const tr = t.appendChild(el('tr', {'data-peer': name}));
    tr.appendChild(el('td', {}, name));
    if (!p.speed.length && p.skipped) {
      tr.setAttribute('class', 'skipped');
      tr.appendChild(el('td', {colspan: 4}, 'skipped: ' + p.skipped));
      continue;
    }
    const g = p.speed.length ? geomean(p.speed) : null;
    if (g !== null) tr.setAttribute('data-geomean', g);
    tr.appendChild(el('td', {}, String(p.speed.length)));
    tr.appendChild(el('td', {class: g === null ? '' : g >= 1 ? 'ahead' : 'behind'}, g === null ? '-' : ratioText(g)));
    tr.appendChild(el('td', {}, p.speed.length ? ratioText(Math.min(...p.speed)) + ' – ' + ratioText(Math.max(...p.speed)) : '-'));
    tr.appendChild(el('td', {}, p.targets ? `${p.met} of ${p.targets}` : '-'));
  }
  box.appendChild(el('p', {class: 'note'}, 'Speed-up: peer time / zenn time, above 1x zenn is faster; rows against ' +
    'yardsticks (FMA peak, memcpy, zenn itself) are left out. Ratios hold for this CPU only.'));
  legend(box);
}

function meta() {
  const m = document.getElementById('meta');
  m.appendChild(el('p', {}, 'Reproduce: ')).appendChild(el('code', {}, run.command));
  const ft = m.appendChild(el('table', {id: 'fingerprint'}));
  for (const k in run.fingerprint) {
    const tr = ft.appendChild(el('tr'));
    tr.appendChild(el('th', {}, k));
    tr.appendChild(el('td', {}, String(run.fingerprint[k])));
  }
}

function skippedNote(sec, rows) {
  const why = {};
  for (const r of rows.filter(r => r.skipped)) why[r.peer] = why[r.peer] || reason(r);
  const names = Object.keys(why);
  if (!names.length) return;
  const p = sec.appendChild(el('p', {class: 'skipped-note'}, 'Skipped: '));
  names.forEach((n, i) => p.appendChild(el('span', {'data-peer': n}, (i ? '; ' : '') + n + ' (' + why[n] + ')')));
}

function chart(sec, rows) {
  const bars = rows.filter(hasRatio);
  if (!bars.length) return;
  const rowH = 18, labelW = 330, plotW = 560, h = bars.length * rowH + 28, W = labelW + plotW + 130;
  const svg = sec.appendChild(el('svg', {width: W, height: h, class: 'chart'}, undefined, true));
  const logs = bars.map(b => Math.abs(Math.log10(b.ratio)));
  const targetLog = Math.max(0, ...bars.map(b => b.target ? Math.abs(Math.log10(b.target)) : 0));
  const cap = Math.max(Math.log10(OFF_SCALE), targetLog);
  const maxLog = Math.min(Math.max(1, ...logs, targetLog), cap);
  const x = v => labelW + plotW / 2 + Math.max(-1, Math.min(1, Math.log10(v) / maxLog)) * (plotW / 2);
  for (let e = -Math.floor(maxLog); e <= Math.floor(maxLog); e++) {
    const v = Math.pow(10, e);
    svg.appendChild(el('line', {x1: x(v), x2: x(v), y1: 0, y2: h - 22, stroke: e ? '#ddd' : '#333'}, undefined, true));
    svg.appendChild(el('text', {x: x(v) - 8, y: h - 8}, (v < 1 ? v.toFixed(-e) : v) + 'x', true));
  }
  bars.forEach((b, i) => {
    const y = i * rowH + 2, out = Math.abs(Math.log10(b.ratio)) > maxLog + 1e-12;
    const x0 = Math.min(x(1), x(b.ratio)), w = Math.max(1, Math.abs(x(b.ratio) - x(1)));
    svg.appendChild(el('text', {x: 0, y: y + 12}, b.case + ' (' + b.threads + 't) vs ' + b.peer, true));
    const attrs = {x: x0, y: y, width: w, height: rowH - 4, class: 'bar ' + verdict(b),
      'data-case': b.case, 'data-peer': b.peer, 'data-threads': b.threads, 'data-ratio': b.ratio};
    if (out) attrs['data-outlier'] = 'yes';
    const r = svg.appendChild(el('rect', attrs, undefined, true));
    r.appendChild(el('title', {}, b.case + ' vs ' + b.peer + ': ' + ratioText(b.ratio) + '; zenn ' + figure(b, b.zenn) +
      ', ' + b.peer + ' ' + figure(b, b.peer_stats) + (b.target ? '; target ' + b.target + 'x' : ''), true));
    if (out) { // a break mark at the edge: the bar goes on
      const xe = b.ratio > 1 ? x0 + w : x0;
      svg.appendChild(el('path', {d: `M${xe - 6},${y - 1} l4,${rowH - 2} M${xe - 2},${y - 1} l4,${rowH - 2}`,
        stroke: '#fff', 'stroke-width': 2, class: 'break'}, undefined, true));
    }
    if (b.target) svg.appendChild(el('line', {x1: x(b.target), x2: x(b.target), y1: y - 1, y2: y + rowH - 3,
      stroke: '#000', 'stroke-width': 2}, undefined, true));
    const tx = b.ratio >= 1 ? x0 + w + 4 : Math.max(x(1), x0 + w) + 4;
    svg.appendChild(el('text', {x: tx, y: y + 12, class: out ? 'outlier-label' : ''},
      ratioText(b.ratio) + (out ? ' (off scale)' : ''), true));
  });
}

function table(sec, rows) {
  const t = sec.appendChild(el('table', {class: 'results'}));
  const head = t.appendChild(el('tr'));
  for (const c of ['case', 'threads', 'zenn', 'peer', 'peer\'s figure', 'ratio (> 1x: zenn ahead)', 'target', 'verdict'])
    head.appendChild(el('th', {}, c));
  for (const r of rows) {
    const v = verdict(r);
    const tr = t.appendChild(el('tr', {class: v, 'data-case': r.case, 'data-peer': r.peer || ''}));
    const ratio = typeof r.ratio !== 'number' ? '-' : r.target_kind === 'margin'
      ? (r.zenn.value - r.peer_stats.value >= 0 ? '+' : '') + fmt(r.zenn.value - r.peer_stats.value) + ' ' + r.unit
      : ratioText(r.ratio);
    const target = !r.target ? '' : r.target_kind === 'margin' ? 'within ' + r.target + ' ' + r.unit : '>= ' + r.target + 'x';
    const cells = [[r.case], [r.threads], [figure(r, r.zenn), 'zenn'], [r.peer || '-'], [figure(r, r.peer_stats), 'peer'],
      [ratio], [target], [v === 'skipped' ? 'skipped: ' + reason(r) : VERDICT_TEXT[v], 'verdict']];
    for (const [text, cls] of cells) {
      const td = tr.appendChild(el('td', cls ? {class: cls} : {}, String(text)));
      if (cls === 'zenn' && r.zenn) td.setAttribute('title', fmt(r.zenn.median_s) + ' s per call');
      if (cls === 'peer' && r.peer_stats) td.setAttribute('title', fmt(r.peer_stats.median_s) + ' s per call');
    }
  }
}

function trends(sec, s) {
  const series = {};
  for (const h of hist.filter(h => h.suite === s)) { // zenn's time, once per run: the same against every peer
    const k = h.case + ' (' + h.threads + 't)', p = series[k] = series[k] || [];
    if (!p.length || p[p.length - 1].run !== h.run) p.push(h);
  }
  const keys = Object.keys(series).filter(k => series[k].length > 1);
  if (!keys.length) return;
  sec.appendChild(el('h3', {}, 'trend over ' + new Set(hist.map(h => h.run)).size + ' runs on ' + trend.cpu.trim() +
    ' (kernels ' + trend.kernels + ')' + (trend.left_out ? '; left out: ' + trend.left_out : '')));
  for (const k of keys) {
    const p = series[k], W = 240, H = 40;
    const lo = Math.min(...p.map(q => q.zenn_median_s)), hi = Math.max(...p.map(q => q.zenn_median_s));
    const div = sec.appendChild(el('div'));
    const svg = div.appendChild(el('svg', {width: W, height: H, class: 'trend', 'data-series': k}, undefined, true));
    const pts = p.map((q, i) => (i / (p.length - 1) * (W - 4) + 2) + ',' +
      (H - 4 - (hi > lo ? (q.zenn_median_s - lo) / (hi - lo) : 0.5) * (H - 8))).join(' ');
    svg.appendChild(el('polyline', {points: pts, fill: 'none', stroke: '#5c6bc0', 'stroke-width': 2}, undefined, true));
    div.appendChild(el('span', {}, ' ' + k + ': ' + fmt(p[0].zenn_median_s) + ' -> ' +
      fmt(p[p.length - 1].zenn_median_s) + ' s per call'));
  }
}

headline();
meta();
const root = document.getElementById('suites');
for (const s of [...new Set(run.results.map(r => r.suite))]) {
  const sec = root.appendChild(el('section', {'data-suite': s}));
  sec.appendChild(el('h2', {}, s));
  const rows = run.results.filter(r => r.suite === s);
  skippedNote(sec, rows);
  chart(sec, rows);
  table(sec, rows);
  trends(sec, s);
}
document.body.setAttribute('data-rendered', 'yes');
