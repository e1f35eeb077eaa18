/* zenn bench --report FILE.html: one self-contained page (no network) with a
 * headline (targets met, zenn's geometric-mean speed-up per peer), then per
 * suite bars of zenn's speed-up against each peer coloured by verdict, the
 * figures in their units in a table, skipped peers with their reason, trend
 * lines from the history of this CPU, the machine's fingerprint and the
 * command to reproduce. The run's JSON and the history are embedded; the
 * page's script (bench/report_page.js) draws from them. */
#include <stdio.h>
#include <stdlib.h>

#include "base/file.h"
#include "bench_history.h"
#include "bench_report.h"
#include "report_page_js.h" /* generated from bench/report_page.js: zn_report_page_js */

static const char *const page_head =
    "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
    "<title>zenn benchmark report</title>\n<style>\n"
    "body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}\n"
    "h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ddd}\n"
    "table{border-collapse:collapse;font-size:12px;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 6px;"
    "text-align:left}\ncode{background:#f4f4f4;padding:2px 4px}.headline{font-size:16px;font-weight:600}\n"
    "svg text{font-size:11px}.note,.skipped-note{color:#666}.outlier-label{font-weight:600}\n"
    /* One colour per verdict, in bars, swatches and verdict cells alike. */
    ".bar.met,.swatch.met{fill:#2e7d32;background:#2e7d32}.bar.short,.swatch.short{fill:#f9a825;background:#f9a825}\n"
    ".bar.miss,.swatch.miss{fill:#c62828;background:#c62828}.bar.none,.swatch.none{fill:#78909c;background:#78909c}\n"
    ".swatch.skipped{background:#ccc}.swatch{display:inline-block;width:12px;height:12px;margin:0 4px 0 8px;"
    "vertical-align:-1px}\n"
    "tr.met td.verdict{color:#1a7f37}tr.short td.verdict{color:#a06800}tr.miss td.verdict{color:#c62828;"
    "font-weight:600}\ntr.skipped td{color:#999}td.ahead{color:#1a7f37}td.behind{color:#c62828}\n"
    "td.zenn,td.peer{white-space:nowrap}\n"
    "</style></head><body>\n<h1>zenn benchmark report</h1>\n<div id=\"summary\"></div>\n"
    "<p>Bars: zenn's speed-up over each peer (peer time / zenn time, log scale; the dark line is 1x, a tick the "
    "target; a bar with a break runs off the scale). Hover a bar for the figures. Trend lines: zenn's time per call "
    "over the history's runs on this CPU model with these kernels (lower is faster).</p>\n"
    "<div id=\"meta\"></div>\n<div id=\"suites\"></div>\n";

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
    fputs("<script>\n", f);
    fwrite(zn_report_page_js, 1, sizeof zn_report_page_js - 1, f);
    fputs("</script>\n</body></html>\n", f);
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
