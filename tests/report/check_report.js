// Opens a zenn benchmark report in real headless Chromium (Debian's), checks
// that it renders with no console errors and that every bar holds the ratio
// of the run's JSON, and saves a screenshot.
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
main().catch(e => { console.log('FAIL: ' + e); process.exit(1); });
