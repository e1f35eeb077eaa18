/* Loss curves as SVG: a log-scaled y axis when the loss spans more than a
 * decade, ticks, a legend, and the two lines. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "svg_plot.h"

typedef struct curves {
    const double *train, *val;
    int64_t n;
    const char *title;
} curves;

enum { W = 720, H = 420, L = 70, R = 20, T = 40, B = 50 };

static void xml_text(FILE *f, const char *s) {
    for (; *s; s++) {
        if (*s == '<')
            fputs("&lt;", f);
        else if (*s == '>')
            fputs("&gt;", f);
        else if (*s == '&')
            fputs("&amp;", f);
        else
            fputc(*s, f);
    }
}

static void polyline(FILE *f, const double *v, int64_t n, double lo, double hi, int logy, const char *color) {
    fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", color);
    for (int64_t i = 0; i < n; i++) {
        if (!isfinite(v[i])) continue;
        double x = L + (n > 1 ? (double)i / (double)(n - 1) : 0.5) * (W - L - R);
        double y0 = logy ? log10(v[i] > lo ? v[i] : lo) : v[i];
        double y = H - B - (y0 - lo) / (hi - lo) * (H - T - B);
        fprintf(f, "%.1f,%.1f ", x, y);
    }
    fputs("\"/>\n", f);
}

static zn_status write_svg(FILE *f, void *ctx) {
    const curves *c = ctx;
    double mn = INFINITY, mx = -INFINITY;
    for (int64_t i = 0; i < c->n; i++) {
        const double v[2] = {c->train[i], c->val ? c->val[i] : NAN};
        for (int k = 0; k < 2; k++)
            if (isfinite(v[k]) && v[k] > 0) {
                mn = v[k] < mn ? v[k] : mn;
                mx = v[k] > mx ? v[k] : mx;
            }
    }
    if (!isfinite(mn)) mn = 1e-3, mx = 1;
    int logy = mx / mn > 10.0;
    double lo = logy ? floor(log10(mn)) : 0.0, hi = logy ? ceil(log10(mx)) : mx * 1.05;
    if (hi <= lo) hi = lo + 1;
    fprintf(f,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
            "font-family=\"sans-serif\" font-size=\"12\">\n",
            W, H, W, H);
    fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n<text x=\"%d\" y=\"24\" font-size=\"15\">", L);
    xml_text(f, c->title);
    fputs("</text>\n", f);
    fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n", L, H - B, W - R, H - B);
    fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n", L, T, L, H - B);
    for (int k = 0; k <= 4; k++) { /* y ticks */
        double v = lo + (hi - lo) * k / 4.0, y = H - B - (double)k / 4.0 * (H - T - B);
        fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", L, y, W - R, y);
        fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.3g</text>\n", L - 6, y + 4, logy ? pow(10, v) : v);
    }
    for (int k = 0; k <= 4; k++) { /* x ticks: epochs */
        double x = L + (double)k / 4.0 * (W - L - R);
        long long e = 1 + (long long)((double)(c->n > 1 ? c->n - 1 : 0) * k / 4.0);
        fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%lld</text>\n", x, H - B + 18, e);
    }
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">epoch</text>\n", (W + L) / 2, H - 10);
    fprintf(f, "<text x=\"16\" y=\"%d\" transform=\"rotate(-90 16 %d)\" text-anchor=\"middle\">loss%s</text>\n",
            (H + T) / 2, (H + T) / 2, logy ? " (log scale)" : "");
    polyline(f, c->train, c->n, lo, hi, logy, "#1f77b4");
    int have_val = 0;
    for (int64_t i = 0; c->val && i < c->n; i++) have_val |= isfinite(c->val[i]);
    if (have_val) polyline(f, c->val, c->n, lo, hi, logy, "#d62728");
    fprintf(
        f, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"3\" fill=\"#1f77b4\"/><text x=\"%d\" y=\"%d\">train</text>\n",
        W - 150, T + 4, W - 132, T + 9);
    if (have_val)
        fprintf(f,
                "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"3\" fill=\"#d62728\"/><text x=\"%d\" "
                "y=\"%d\">validation</text>\n",
                W - 150, T + 22, W - 132, T + 27);
    fputs("</svg>\n", f);
    return ZN_OK;
}

zn_status svg_write_curves(const char *path, const double *train, const double *val, int64_t n, const char *title) {
    curves c = {train, val, n, title ? title : ""};
    return zn_file_write_atomic(path, write_svg, &c);
}
