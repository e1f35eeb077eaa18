/* zenn test's figures (see cli_metrics.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli_metrics.h"
#include "cli_util.h"

static int64_t argmax(const float *v, int64_t n) {
    int64_t best = 0;
    for (int64_t j = 1; j < n; j++)
        if (v[j] > v[best]) best = j;
    return best;
}

/* R² per output, averaged; NaN when a target column is constant. */
static double r_squared(const float *pred, const float *y, int64_t rows, int64_t n_out) {
    if (rows < 2) return NAN;
    double sum = 0;
    for (int64_t j = 0; j < n_out; j++) {
        double mean = 0, ss_res = 0, ss_tot = 0;
        for (int64_t r = 0; r < rows; r++) mean += y[r * n_out + j];
        mean /= (double)rows;
        for (int64_t r = 0; r < rows; r++) {
            double e = (double)y[r * n_out + j] - pred[r * n_out + j], t = (double)y[r * n_out + j] - mean;
            ss_res += e * e;
            ss_tot += t * t;
        }
        if (ss_tot == 0) return NAN;
        sum += 1.0 - ss_res / ss_tot;
    }
    return sum / (double)n_out;
}

int cli_metrics_compute(const float *pred, const float *y, int64_t rows, int64_t n_out, int64_t n_classes,
                        float bit_fail_limit, cli_metrics *m) {
    memset(m, 0, sizeof *m);
    m->rows = rows;
    m->n_out = n_out;
    m->mse = m->mae = m->r2 = NAN;
    for (int64_t r = 0; r < rows; r++)
        for (int64_t j = 0; j < n_out; j++)
            if (!isfinite(pred[r * n_out + j])) {
                m->nonfinite_rows++;
                break;
            }
    if (n_classes > 0 && n_classes == n_out) {
        m->n_classes = n_classes;
        m->confusion = calloc((size_t)(n_classes * n_classes), sizeof *m->confusion);
        if (!m->confusion) return cli_error("out of memory");
    }
    if (m->nonfinite_rows || rows == 0) return 0;
    zn_eval ev;
    if (zn_eval_outputs(pred, y, rows, n_out, bit_fail_limit, &ev) != ZN_OK) return cli_fail(ZN_ERR_INVALID_ARG);
    m->mse = ev.mse;
    m->mae = ev.mae;
    m->bit_fail = ev.bit_fail;
    if (!m->n_classes) m->r2 = r_squared(pred, y, rows, n_out);
    for (int64_t r = 0; r < rows && m->n_classes; r++) {
        int64_t t = argmax(y + r * n_out, n_out), p = argmax(pred + r * n_out, n_out);
        m->confusion[t * n_classes + p]++;
        m->correct += t == p;
    }
    return 0;
}

void cli_metrics_free(cli_metrics *m) {
    free(m->confusion);
    m->confusion = NULL;
}

void cli_metrics_class(const cli_metrics *m, int64_t k, double *precision, double *recall, double *f1,
                       int64_t *support) {
    int64_t n = m->n_classes, tp = m->confusion[k * n + k], predicted = 0, actual = 0;
    for (int64_t i = 0; i < n; i++) {
        predicted += m->confusion[i * n + k];
        actual += m->confusion[k * n + i];
    }
    *precision = predicted ? (double)tp / (double)predicted : NAN;
    *recall = actual ? (double)tp / (double)actual : NAN;
    *f1 = (predicted && actual && tp) ? 2.0 * *precision * *recall / (*precision + *recall)
                                      : (predicted && actual ? 0.0 : NAN);
    *support = actual;
}
