// Opens a zenn benchmark report in real headless Chromium (Debian's), checks
// that it renders with no console errors, that every bar holds the ratio of
// the run's JSON in the colour of its verdict and inside its chart (outliers
// marked), that figures carry their units, that skipped peers are grey with
// their reason, that the headline counts the targets and gives each peer's
// geometric-mean speed-up, and saves a screenshot.
// Usage: node check_report.js REPORT.html RESULTS.json SCREENSHOT.png
'use strict';
const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');

async function main() {
  const [report, jsonPath, shot] = process.argv.slice(2);
  const data = JSON.parse(fs.readFileSync(jsonPath, 'utf8'));
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const errors = [];
  page.on('console', m => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', e => errors.push(String(e)));
  page.on('request', r => { if (!r.url().startsWith('file:')) errors.push('network request: ' + r.url()); });
  await page.goto('file://' + path.resolve(report));
  await page.waitForSelector('body[data-rendered="yes"]', { timeout: 10000 });
  const bars = await page.$$eval('rect.bar', rs => rs.map(r => ({
    c: r.getAttribute('data-case'), p: r.getAttribute('data-peer'),
    t: Number(r.getAttribute('data-threads')), ratio: Number(r.getAttribute('data-ratio')) })));
  const want = data.results.filter(r => typeof r.ratio === 'number' && r.ratio > 0 && r.target_kind !== 'margin');
  const problems = [...errors];
  if (bars.length !== want.length) problems.push(`${bars.length} bars for ${want.length} ratios`);
  for (const w of want) {
    const b = bars.find(x => x.c === w.case && x.p === w.peer && x.t === w.threads);
    if (!b) problems.push('no bar for ' + w.case + ' vs ' + w.peer);
    else if (Math.abs(b.ratio - w.ratio) > 1e-9) problems.push(`bar ${w.case}: ${b.ratio} != ${w.ratio}`);
  }
  problems.push(...await checkVerdicts(page, data), ...await checkHeadline(page, data));
  const rows = await page.$$eval('table.results tr', t => t.length);
  if (rows < data.results.length) problems.push(`${rows} table rows for ${data.results.length} results`);
  const cmd = await page.textContent('#meta code');
  if (cmd !== data.command) problems.push('command differs: ' + cmd);
  await page.screenshot({ path: shot, fullPage: true });
  await browser.close();
  if (problems.length) {
    console.log('FAIL: ' + problems.join('; '));
    process.exit(1);
  }
  console.log(`report ok: ${bars.length} bars, ${rows} rows, screenshot ${shot}`);
}
// Libraries zenn is compared with; other "peers" are yardsticks (FMA peak, memcpy, zenn itself).
const LIBRARIES = new Set(['openblas', 'blis', 'libfann', 'pytorch', 'numpy', 'brain.js', 'tfjs']);
const OFF_SCALE = 30;
const hasRatio = r => typeof r.ratio === 'number' && r.ratio > 0 && r.target_kind !== 'margin';
const reasonOf = r => r.skipped.startsWith(r.peer + ': ') ? r.skipped.slice(r.peer.length + 2) : r.skipped;

// Bars coloured by verdict and kept inside their chart; figures in their units; skipped rows grey with the reason.
async function checkVerdicts(page, data) {
  const problems = [];
  const bars = await page.$$eval('rect.bar', rs => rs.map(r => {
    const svg = r.ownerSVGElement;
    return {c: r.getAttribute('data-case'), p: r.getAttribute('data-peer'), t: Number(r.getAttribute('data-threads')),
      cls: r.getAttribute('class'), outlier: r.getAttribute('data-outlier') === 'yes',
      x: Number(r.getAttribute('x')), w: Number(r.getAttribute('width')), svgW: Number(svg.getAttribute('width'))};
  }));
  for (const r of data.results.filter(hasRatio)) {
    const b = bars.find(x => x.c === r.case && x.p === r.peer && x.t === r.threads);
    if (!b) continue; // reported by main()
    const want = r.met === true ? 'met' : r.met === false ? (r.ratio >= 1 ? 'short' : 'miss') : 'none';
    if (b.cls !== 'bar ' + want) problems.push(`bar ${r.case} vs ${r.peer} (${r.ratio}x): class '${b.cls}', want '${want}'`);
    if (b.x < 0 || b.x + b.w > b.svgW) problems.push(`bar ${r.case} vs ${r.peer} leaves its chart`);
    const far = Math.abs(Math.log10(r.ratio)) > Math.log10(Math.max(OFF_SCALE, r.target || 0, 1 / (r.target || 1)));
    if (far && !b.outlier) problems.push(`bar ${r.case} vs ${r.peer} (${r.ratio}x) is off the scale, not marked`);
  }
  const head = await page.$$eval('table.results tr:first-child th', ts => ts.map(t => t.textContent));
  if (head.some(h => / s$|median s/.test(h))) problems.push('a column header names seconds: ' + head.join(' | '));
  const cells = await page.$$eval('table.results tr', trs => trs.slice(1).map(tr => ({
    cls: tr.getAttribute('class'), c: tr.getAttribute('data-case'), p: tr.getAttribute('data-peer'),
    zenn: tr.querySelector('td.zenn') ? tr.querySelector('td.zenn').textContent : null,
    verdict: tr.querySelector('td.verdict') ? tr.querySelector('td.verdict').textContent : ''})));
  for (const r of data.results) {
    const rows = cells.filter(x => x.c === r.case && x.p === (r.peer || ''));
    if (r.zenn && !rows.some(x => x.zenn && x.zenn.endsWith(' ' + r.unit)))
      problems.push(`zenn's figure for ${r.case} without its unit ${r.unit}`);
    if (r.skipped && !rows.some(x => x.cls === 'skipped' && x.verdict.includes(reasonOf(r))))
      problems.push(`skipped ${r.case} vs ${r.peer}: no grey row with its reason`);
  }
  return problems;
}

// The headline: targets met and not met, and each library's geometric-mean speed-up.
async function checkHeadline(page, data) {
  const problems = [];
  const box = await page.$('#summary');
  if (!box) return ['no headline summary'];
  const met = data.results.filter(r => r.met === true).length, notMet = data.results.filter(r => r.met === false).length;
  const shown = [Number(await box.getAttribute('data-met')), Number(await box.getAttribute('data-not-met'))];
  if (shown[0] !== met || shown[1] !== notMet) problems.push(`headline says ${shown} met/not met, the JSON ${met}/${notMet}`);
  if (!(await box.textContent()).includes(`${met} of ${met + notMet} met`)) problems.push('headline text without the count');
  const peers = await page.$$eval('#peers tr[data-peer]', trs => trs.map(tr => ({
    p: tr.getAttribute('data-peer'), g: tr.hasAttribute('data-geomean') ? Number(tr.getAttribute('data-geomean')) : null})));
  for (const p of peers) if (!LIBRARIES.has(p.p)) problems.push('a yardstick in the peers\' speed-ups: ' + p.p);
  for (const name of LIBRARIES) {
    const v = data.results.filter(r => r.peer === name && hasRatio(r) && r.measure === 'speed').map(r => r.ratio);
    const row = peers.find(p => p.p === name);
    if (!v.length) continue;
    const g = Math.exp(v.reduce((a, x) => a + Math.log(x), 0) / v.length);
    if (!row || row.g === null || Math.abs(row.g / g - 1) > 1e-9) problems.push(`${name}: geometric mean ${row && row.g}, want ${g}`);
  }
  return problems;
}

main().catch(e => { console.log('FAIL: ' + e); process.exit(1); });
