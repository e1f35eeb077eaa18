/* zenn bench --report FILE.html: one self-contained page (no network) with,
 * per suite, bars of zenn's speed-up against each peer, the absolute figures
 * on hover and in a table, trend lines from the history, the machine's
 * fingerprint and the command to reproduce. The run's JSON and the history
 * are embedded; the page's script draws from them. */
#include <stdio.h>
#include <stdlib.h>

#include "base/file.h"
#include "bench_history.h"
#include "bench_report.h"

static const char *const page_head =
    "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
    "<title>zenn benchmark report</title>\n<style>\n"
    "body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}\n"
    "h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ddd}\n"
    "table{border-collapse:collapse;font-size:12px;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 6px;"
    "text-align:left}\n.met{color:#1a7f37}.miss{color:#c62828;font-weight:600}code{background:#f4f4f4;padding:2px "
    "4px}\n"
    "svg text{font-size:11px}.bar-good{fill:#2e7d32}.bar-bad{fill:#c62828}.bar-none{fill:#5c6bc0}\n"
    "</style></head><body>\n<h1>zenn benchmark report</h1>\n"
    "<p>Bars: zenn's speed-up over each peer (peer time / zenn time, log scale; the line is 1x, a tick the "
    "target). Hover a bar for the absolute figures. Trend lines: zenn's median time per call over the "
    "history's runs on this CPU model with these kernels (lower is faster).</p>\n<div id=\"meta\"></div>\n<div id=\"suites\"></div>\n";

/* The page's script, a line per entry (ISO C caps a string literal at 4095 bytes). */
static const char *const page_script[] = {
    "<script>\n",
    "'use strict';\n",
    "const run = JSON.parse(document.getElementById('zenn-run').textContent);\n",
    "const trend = JSON.parse(document.getElementById('zenn-history').textContent), hist = trend.points;\n",
    "const NS = 'http://www.w3.org/2000/svg';\n",
    "function el(tag, attrs, text, ns) {\n",
    "  const e = ns ? document.createElementNS(NS, tag) : document.createElement(tag);\n",
    "  for (const k in attrs || {}) e.setAttribute(k, attrs[k]);\n",
    "  if (text !== undefined) e.textContent = text;\n",
    "  return e;\n",
    "}\n",
    "function fmt(v) { return v === null || v === undefined ? '-' : Number(v).toPrecision(4); }\n",
    "const meta = document.getElementById('meta');\n",
    "meta.appendChild(el('p', {}, 'Reproduce: ')).appendChild(el('code', {}, run.command));\n",
    "const ft = meta.appendChild(el('table', {id: 'fingerprint'}));\n",
    "for (const k in run.fingerprint) { const tr = ft.appendChild(el('tr')); tr.appendChild(el('th', {}, k));"
    " tr.appendChild(el('td', {}, String(run.fingerprint[k]))); }\n",
    "const suites = [...new Set(run.results.map(r => r.suite))];\n",
    "const root = document.getElementById('suites');\n",
    "for (const s of suites) {\n",
    "  const sec = root.appendChild(el('section', {'data-suite': s}));\n",
    "  sec.appendChild(el('h2', {}, s));\n",
    "  const rows = run.results.filter(r => r.suite === s);\n",
    "  const bars = rows.filter(r => typeof r.ratio === 'number' && r.ratio > 0 && r.target_kind !== 'margin');\n",
    "  if (bars.length) {\n",
    "    const rowH = 18, labelW = 330, plotW = 520, h = bars.length * rowH + 24;\n",
    "    const svg = sec.appendChild(el('svg', {width: labelW + plotW + 80, height: h, class: 'chart'}, undefined, "
    "true));\n",
    "    const maxLog = Math.max(1, ...bars.map(b => Math.abs(Math.log10(b.ratio))), "
    "...bars.map(b => b.target ? Math.abs(Math.log10(b.target)) : 0));\n",
    "    const x = v => labelW + plotW / 2 + (Math.log10(v) / maxLog) * (plotW / 2);\n",
    "    svg.appendChild(el('line', {x1: x(1), x2: x(1), y1: 0, y2: h - 20, stroke: '#333'}, undefined, true));\n",
    "    svg.appendChild(el('text', {x: x(1) - 6, y: h - 6}, '1x', true));\n",
    "    bars.forEach((b, i) => {\n",
    "      const y = i * rowH + 2, x0 = Math.min(x(1), x(b.ratio)), w = Math.max(1, Math.abs(x(b.ratio) - x(1)));\n",
    "      const cls = b.met === true ? 'bar-good' : b.met === false ? 'bar-bad' : 'bar-none';\n",
    "      svg.appendChild(el('text', {x: 0, y: y + 12}, b.case + ' (' + b.threads + 't) vs ' + b.peer, true));\n",
    "      const r = svg.appendChild(el('rect', {x: x0, y: y, width: w, height: rowH - 4, class: cls + ' bar',\n",
    "        'data-case': b.case, 'data-peer': b.peer, 'data-threads': b.threads, 'data-ratio': b.ratio}, undefined, "
    "true));\n",
    "      r.appendChild(el('title', {}, b.case + ' vs ' + b.peer + ': ' + b.ratio.toFixed(2) + 'x; zenn ' +\n",
    "        fmt(b.zenn && b.zenn.median_s) + ' s, ' + b.peer + ' ' + fmt(b.peer_stats && b.peer_stats.median_s) +\n",
    "        ' s per call' + (b.target ? '; target ' + b.target + 'x' : ''), true));\n",
    "      if (b.target) svg.appendChild(el('line', {x1: x(b.target), x2: x(b.target), y1: y - 1, y2: y + rowH - 3,"
    " stroke: '#000', 'stroke-width': 2}, undefined, true));\n",
    "      svg.appendChild(el('text', {x: Math.max(x(b.ratio), x(1)) + 4, y: y + 12}, b.ratio.toFixed(2) + 'x', "
    "true));\n",
    "    });\n",
    "  }\n",
    "  const t = sec.appendChild(el('table', {class: 'results'}));\n",
    "  const head = t.appendChild(el('tr'));\n",
    "  for (const c of ['case', 'threads', 'unit', 'zenn median s', 'peer', 'peer median s', 'ratio', 'target', "
    "'verdict'])"
    " head.appendChild(el('th', {}, c));\n",
    "  for (const r of rows) {\n",
    "    const tr = t.appendChild(el('tr'));\n",
    "    const cells = [r.case, r.threads, r.unit, fmt(r.zenn && r.zenn.median_s), r.peer || '-',\n",
    "      fmt(r.peer_stats && r.peer_stats.median_s), typeof r.ratio === 'number' ? r.ratio.toFixed(2) + 'x' : '-',\n",
    "      r.target ? (r.target_kind === 'margin' ? 'within ' : '>= ') + r.target : '',\n",
    "      r.skipped ? 'skipped: ' + r.skipped : r.met === true ? 'met' : r.met === false ? 'not met' : ''];\n",
    "    cells.forEach((c, i) => tr.appendChild(el('td', i === 8 ? {class: r.met === false ? 'miss' : 'met'} : {},"
    " String(c))));\n",
    "  }\n",
    "  const series = {};\n",
    "  for (const h of hist.filter(h => h.suite === s)) {\n",
    "    const k = h.case + ' (' + h.threads + 't)' + (h.peer ? ' vs ' + h.peer : '');\n",
    "    (series[k] = series[k] || []).push(h);\n",
    "  }\n",
    "  const keys = Object.keys(series).filter(k => series[k].length > 1);\n",
    "  if (keys.length) {\n",
    "    sec.appendChild(el('h3', {}, 'trend over ' + new Set(hist.map(h => h.run)).size + ' runs on ' + trend.cpu +"
    " ' (kernels ' + trend.kernels + ')' + (trend.left_out ? '; left out: ' + trend.left_out : '')));\n",
    "    for (const k of keys) {\n",
    "      const p = series[k], W = 240, H = 40;\n",
    "      const lo = Math.min(...p.map(q => q.zenn_median_s)), hi = Math.max(...p.map(q => q.zenn_median_s));\n",
    "      const div = sec.appendChild(el('div'));\n",
    "      const svg = div.appendChild(el('svg', {width: W, height: H, class: 'trend', 'data-series': k}, undefined, "
    "true));\n",
    "      const pts = p.map((q, i) => (i / (p.length - 1) * (W - 4) + 2) + ',' +\n",
    "        (H - 4 - (hi > lo ? (q.zenn_median_s - lo) / (hi - lo) : 0.5) * (H - 8))).join(' ');\n",
    "      svg.appendChild(el('polyline', {points: pts, fill: 'none', stroke: '#5c6bc0', 'stroke-width': 2}, "
    "undefined, true));\n",
    "      div.appendChild(el('span', {}, ' ' + k + ': ' + fmt(p[0].zenn_median_s) + ' -> ' +"
    " fmt(p[p.length - 1].zenn_median_s) + ' s'));\n",
    "    }\n",
    "  }\n",
    "}\n",
    "document.body.setAttribute('data-rendered', 'yes');\n",
    "</script>\n</body></html>\n",
    NULL};

typedef struct report_ctx {
    const bench_run *run;
    int argc;
    char **argv;
    const char *history, *machine;
} report_ctx;

static zn_status write_page(FILE *f, void *p) {
    const report_ctx *c = p;
    fputs(page_head, f);
    fputs("<script type=\"application/json\" id=\"zenn-run\">\n", f);
    bench_write_json(f, c->run, c->argc, c->argv);
    fputs("</script>\n<script type=\"application/json\" id=\"zenn-history\">\n", f);
    bench_history_series_json(c->history, c->machine, 30, f);
    fputs("\n</script>\n", f);
    for (int i = 0; page_script[i]; i++) fputs(page_script[i], f);
    return ferror(f) ? ZN_ERR_IO : ZN_OK;
}

int bench_write_report(const char *path, const bench_run *run, int argc, char **argv, const char *history,
                       const char *machine) {
    report_ctx c = {run, argc, argv, history, machine};
    if (zn_file_write_atomic(path, write_page, &c) != ZN_OK) {
        fprintf(stderr, "zenn: error: cannot write the report %s: %s\n", path, zn_last_error());
        return 0;
    }
    return 1;
}
