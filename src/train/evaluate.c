/* Evaluation of a model on a dataset: loss, MSE/MAE, accuracy, bit fails. */
#include <math.h>
#include <string.h>

#include "base/internal.h"
#include "kernels/kernels.h"
#include "train/train_internal.h"

zn_status zn_evaluator_init(zn_evaluator *ev, const zn_model *m, int64_t max_rows, zn_pool *pool, int max_threads) {
    memset(ev, 0, sizeof *ev);
    if (zn_model_input_count(m) < 1 || zn_model_output_count(m) < 1)
        return zn_error(ZN_ERR_INVALID_ARG, "evaluate: the model needs an input and an output");
    ev->m = m;
    ev->chunk = max_rows < 256 ? (max_rows > 0 ? max_rows : 1) : 256;
    zn_ws_opts o = zn_ws_opts_default();
    o.max_batch = ev->chunk;
    o.mode = zn_model_has_loss(m) ? ZN_WS_TRAIN : ZN_WS_INFER;
    o.pool = pool;
    o.max_threads = max_threads;
    zn_status s = zn_ws_create(m, &o, &ev->ws);
    if (s != ZN_OK) return s;
    ev->out = zn_alloc((size_t)(ev->chunk * zn_model_output_features(m, 0)) * sizeof(float));
    if (!ev->out) {
        zn_evaluator_free(ev);
        return ZN_ERR_OUT_OF_MEMORY;
    }
    return ZN_OK;
}

void zn_evaluator_free(zn_evaluator *ev) {
    zn_ws_free(ev->ws);
    zn_free(ev->out);
    zn_free(ev->xb);
    zn_free(ev->yb);
    memset(ev, 0, sizeof *ev);
}

zn_status zn_train_check_data(const zn_dataset *d, const char *what) {
    if (!d) return zn_error(ZN_ERR_INVALID_ARG, "zn_train_check_data: NULL dataset");
    if (!what) what = "training";
    const float *arr[2] = {d->x, d->y};
    const int64_t cols[2] = {d->n_in, d->n_out};
    for (int k = 0; k < 2; k++) {
        const int64_t n = arr[k] ? d->rows * cols[k] : 0;
        int64_t i = 0;
        while (i < n && isfinite(arr[k][i])) i++;
        if (i == n) continue;
        const int64_t row = i / cols[k], col = i % cols[k];
        int64_t bad = 0; /* a column NaN throughout was scaled with a NaN in it */
        for (int64_t r = 0; r < d->rows; r++) bad += !isfinite(arr[k][r * cols[k] + col]);
        const double v = isnan(arr[k][i]) ? NAN : (double)arr[k][i];
        return zn_error(ZN_ERR_INVALID_ARG,
                        "the %s data has %g at row %lld, %s column %lld%s; training needs finite numbers (drop or fill "
                        "in such rows)",
                        what, v, (long long)row + 1, k ? "target" : "input", (long long)col + 1,
                        bad == d->rows && d->rows > 1 ? " and in every other row (was it scaled with a NaN in it?)"
                                                      : "");
    }
    return ZN_OK;
}

zn_status zn_check_targets(const zn_dataset *d, const char *fn) {
    if (d->rows > 0 && !d->x) return zn_error(ZN_ERR_INVALID_ARG, "%s: the data has no inputs", fn);
    if (d->y || d->rows == 0) return ZN_OK;
    if (!d->labels) return zn_error(ZN_ERR_INVALID_ARG, "%s: the data has neither targets nor class labels", fn);
    for (int64_t r = 0; r < d->rows; r++)
        if (d->labels[r] < 0 || d->labels[r] >= d->n_out)
            return zn_error(ZN_ERR_INVALID_ARG, "%s: row %lld has class %d, not in [0, %lld)", fn, (long long)r + 1,
                            (int)d->labels[r], (long long)d->n_out);
    return ZN_OK;
}

int zn_rows_gathered(const zn_rows *rs) { return rs->idx != NULL || rs->d->y == NULL; }

void zn_rows_gather(const zn_rows *rs, const int64_t *pos, int64_t i0, int64_t n, float *x, float *y) {
    const zn_dataset *d = rs->d;
    const int64_t ni = d->n_in, no = d->n_out;
    for (int64_t i = 0; i < n; i++) {
        int64_t r = pos ? pos[i] : i0 + i;
        if (rs->idx) r = rs->idx[r];
        memcpy(x + i * ni, d->x + r * ni, (size_t)ni * sizeof(float));
        if (d->y) {
            memcpy(y + i * no, d->y + r * no, (size_t)no * sizeof(float));
        } else {
            memset(y + i * no, 0, (size_t)no * sizeof(float));
            y[i * no + d->labels[r]] = 1.0f; /* in range: checked before training */
        }
    }
}

static int64_t argmax(const float *v, int64_t n) {
    int64_t best = 0;
    for (int64_t j = 1; j < n; j++)
        if (v[j] > v[best]) best = j;
    return best;
}

/* Running sums of the output errors: eight of each, element e of the data
 * (row-major, rows x outputs) adding to sums e % 8, so the additions form
 * eight independent chains (a vector's lanes in vmath.err_sums), and the
 * totals do not depend on how the rows were split into chunks. */
enum { SUMS = 8 };
typedef struct error_sums {
    double se[SUMS], ae[SUMS];
    int64_t correct, fails;
} error_sums;

static inline void error_one(error_sums *a, int q, float p, float t, float bit_fail_limit) {
    const double diff = (double)p - t;
    a->se[q] += diff * diff;
    a->ae[q] += fabs(diff);
    a->fails += fabs(diff) >= bit_fail_limit;
}

/* Rows first .. first + rows - 1 of the data. all == 0 (the trainer's
 * figures): no accuracy. */
static void error_add(error_sums *a, const float *pred, const float *y, int64_t first, int64_t rows, int64_t nout,
                      float bit_fail_limit, int all) {
    const int64_t n = rows * nout, base = first * nout;
    int64_t i = 0;
    for (; i < n && ((base + i) % SUMS); i++) error_one(a, (int)((base + i) % SUMS), pred[i], y[i], bit_fail_limit);
    if (i < n) /* from element base + i, a multiple of 8: the kernel's sum k is ours */
        zn_kernels_get()->vmath.err_sums((size_t)(n - i), pred + i, y + i, bit_fail_limit, a->se, a->ae, &a->fails);
    for (int64_t r = 0; all && nout > 1 && r < rows; r++)
        a->correct += argmax(pred + r * nout, nout) == argmax(y + r * nout, nout);
}

static double sums_total(const double *v) { return ((v[0] + v[1]) + (v[2] + v[3])) + ((v[4] + v[5]) + (v[6] + v[7])); }

static void error_finish(const error_sums *a, int64_t rows, int64_t nout, zn_eval *out) {
    double r = rows > 0 ? (double)rows : 1.0;
    out->rows = rows;
    out->mse = sums_total(a->se) / (r * (double)nout);
    out->mae = sums_total(a->ae) / (r * (double)nout);
    out->accuracy = nout > 1 ? (double)a->correct / r : NAN;
    out->bit_fail = a->fails;
}

zn_status zn_evaluator_run(zn_evaluator *ev, const zn_rows *rs, float bit_fail_limit, zn_eval *out) {
    const zn_model *m = ev->m;
    const zn_dataset *d = rs->d;
    int64_t nout = zn_model_output_features(m, 0);
    memset(out, 0, sizeof *out);
    out->rows = rs->n;
    if (zn_model_input_features(m, 0) != d->n_in)
        return zn_error(ZN_ERR_SHAPE, "evaluate: the model takes %lld inputs, the data has %lld",
                        (long long)zn_model_input_features(m, 0), (long long)d->n_in);
    if (nout != d->n_out)
        return zn_error(ZN_ERR_SHAPE, "evaluate: the model gives %lld outputs, the data has %lld", (long long)nout,
                        (long long)d->n_out);
    const int gather = zn_rows_gathered(rs);
    if (gather && !ev->xb) {
        ev->xb = zn_alloc((size_t)(ev->chunk * d->n_in) * sizeof(float));
        ev->yb = zn_alloc((size_t)(ev->chunk * d->n_out) * sizeof(float));
        if (!ev->xb || !ev->yb) return zn_error(ZN_ERR_OUT_OF_MEMORY, "evaluate: out of memory");
    }
    int has_loss = zn_model_has_loss(m) && zn_model_input_count(m) >= 2;
    double loss = 0;
    error_sums acc = {0};
    for (int64_t r0 = 0; r0 < rs->n; r0 += ev->chunk) {
        int64_t n = rs->n - r0 < ev->chunk ? rs->n - r0 : ev->chunk;
        const float *x, *y;
        if (gather) {
            zn_rows_gather(rs, NULL, r0, n, ev->xb, ev->yb);
            x = ev->xb;
            y = ev->yb;
        } else {
            x = d->x + r0 * d->n_in;
            y = d->y + r0 * d->n_out;
        }
        const float *inputs[2] = {x, y};
        const float *pred = NULL;
        zn_status s = ZN_OK;
        if (has_loss) { /* one pass to the loss; the outputs are kept on its way */
            float l;
            s = zn_model_loss(m, ev->ws, n, inputs, &l);
            if (s != ZN_OK) return s;
            loss += (double)l * (double)n;
            pred = zn_ws_node_value(ev->ws, zn_model_loss_output_node(m, 0));
        }
        if (!pred) {
            float *outs[1] = {ev->out};
            if ((s = zn_model_forward(m, ev->ws, n, inputs, outs)) != ZN_OK) return s;
            pred = ev->out;
        }
        error_add(&acc, pred, y, r0, n, nout, bit_fail_limit, 1);
    }
    error_finish(&acc, rs->n, nout, out);
    out->loss = has_loss ? loss / (rs->n > 0 ? (double)rs->n : 1.0) : NAN;
    return ZN_OK;
}

zn_status zn_eval_outputs(const float *pred, const float *y, int64_t rows, int64_t n_out, float bit_fail_limit,
                          zn_eval *out) {
    if (!out || rows < 0 || n_out < 1 || (rows > 0 && (!pred || !y)))
        return zn_error(ZN_ERR_INVALID_ARG, "zn_eval_outputs: NULL data or bad sizes");
    error_sums acc = {0};
    error_add(&acc, pred, y, 0, rows, n_out, bit_fail_limit, 1);
    error_finish(&acc, rows, n_out, out);
    out->loss = NAN;
    return ZN_OK;
}

zn_status zn_eval_fit_figures(const float *pred, const float *y, int64_t rows, int64_t n_out, float bit_fail_limit,
                              zn_eval *out) {
    error_sums acc = {0};
    error_add(&acc, pred, y, 0, rows, n_out, bit_fail_limit, 0);
    error_finish(&acc, rows, n_out, out);
    out->loss = out->mae = out->accuracy = NAN;
    return ZN_OK;
}

zn_status zn_eval_labels(const float *pred, const int32_t *labels, int64_t rows, int64_t n_out, float bit_fail_limit,
                         zn_eval *out) {
    if (!out || rows < 0 || n_out < 1 || (rows > 0 && (!pred || !labels)))
        return zn_error(ZN_ERR_INVALID_ARG, "zn_eval_labels: NULL data or bad sizes");
    float *hot = zn_calloc((size_t)n_out, sizeof(float)); /* one row's one-hot target */
    if (!hot) return zn_error(ZN_ERR_OUT_OF_MEMORY, "zn_eval_labels: out of memory");
    error_sums acc = {0};
    zn_status s = ZN_OK;
    for (int64_t r = 0; r < rows && s == ZN_OK; r++) {
        if (labels[r] < 0 || labels[r] >= n_out) {
            s = zn_error(ZN_ERR_INVALID_ARG, "zn_eval_labels: row %lld has class %d, not in [0, %lld)",
                         (long long)r + 1, (int)labels[r], (long long)n_out);
            break;
        }
        hot[labels[r]] = 1.0f;
        error_add(&acc, pred + r * n_out, hot, r, 1, n_out, bit_fail_limit, 1);
        hot[labels[r]] = 0.0f;
    }
    zn_free(hot);
    if (s != ZN_OK) return s;
    error_finish(&acc, rows, n_out, out);
    out->loss = NAN;
    return ZN_OK;
}

zn_status zn_evaluate(const zn_model *m, const zn_dataset *d, float bit_fail_limit, zn_pool *pool, zn_eval *out) {
    if (!m || !d || !out) return zn_error(ZN_ERR_INVALID_ARG, "zn_evaluate: NULL argument");
    zn_status s = zn_check_targets(d, "zn_evaluate");
    if (s != ZN_OK) return s;
    zn_evaluator ev;
    s = zn_evaluator_init(&ev, m, d->rows, pool, 0);
    if (s != ZN_OK) return s;
    const zn_rows all = {d, NULL, d->rows};
    s = zn_evaluator_run(&ev, &all, bit_fail_limit, out);
    zn_evaluator_free(&ev);
    return s;
}
