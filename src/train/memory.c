/* What a training run will allocate, from the spec and config alone, so a
 * caller can refuse a run past a memory limit before allocating any of it.
 * The figures follow zn_train's allocations: parameters, the training
 * workspace (values, gradients, the parameters' gradients), one evaluation
 * workspace, the optimizer's two state arrays, the best epoch's copy, the
 * batch buffers and the data. */
#include <string.h>

#include "base/internal.h"
#include "zenn/train.h"

/* A float count rounded up to a cache line, as the allocators lay them out. */
static double line(double floats) { return floats + 16.0; }

/* Floats of a training workspace at `batch` rows, excluding the parameters'
 * gradients: every layer's product and activation (values and gradients),
 * the shortcut concatenations and the loss's buffers, without the reuse the
 * workspace's planner finds (an upper bound). */
static double ws_floats(const zn_mlp_spec *s, double batch) {
    double f = 0.0, fan_in = (double)s->sizes[0];
    const int last = s->n_layers - 1;
    for (int l = 1; l <= last; l++) {
        const double n = (double)s->sizes[l];
        if (l < last) {
            f += 4.0 * line(batch * n);                        /* z, h: values and gradients */
            if (s->dropout > 0.0f) f += 3.0 * line(batch * n); /* dropout's output, gradient and mask */
            fan_in = s->shortcut ? fan_in + n : n;
            if (s->shortcut) f += 2.0 * line(batch * fan_in);
        } else {
            f += 6.0 * line(batch * n); /* z, the prediction, the loss's own buffers */
        }
    }
    return f;
}

zn_status zn_train_memory_estimate(const zn_mlp_spec *spec, const zn_train_config *cfg, int64_t rows,
                                   zn_train_memory *out) {
    if (!spec || !cfg || !out || rows < 1 || spec->n_layers < 2 || spec->n_layers > ZN_MLP_MAX_LAYERS)
        return zn_error(ZN_ERR_INVALID_ARG, "zn_train_memory_estimate: NULL argument, no rows or bad layers");
    memset(out, 0, sizeof *out);
    const int last = spec->n_layers - 1;
    double params = 0.0, consts = 0.0, fan_in = (double)spec->sizes[0];
    for (int l = 1; l <= last; l++) {
        const double n = (double)spec->sizes[l];
        if (spec->sizes[l] < 1 || spec->sizes[l - 1] < 1)
            return zn_error(ZN_ERR_INVALID_ARG, "zn_train_memory_estimate: layer %d has no units", l);
        params += line(fan_in * n) + line(n);
        if (spec->connection_rate > 0.0f && spec->connection_rate < 1.0f) consts += line(fan_in * n);
        fan_in = spec->shortcut ? fan_in + n : n;
    }
    const double in = (double)spec->sizes[0], nout = (double)spec->sizes[last];
    const double val_rows = (double)rows * cfg->val_split, fit_rows = (double)rows - val_rows;
    double batch = cfg->batch_size > 0 ? (double)cfg->batch_size
                                       : (cfg->optim.algo == ZN_ALGO_INCREMENTAL   ? 1.0
                                          : zn_algo_is_full_batch(cfg->optim.algo) ? fit_rows
                                                                                   : 32.0);
    if (batch > fit_rows) batch = fit_rows < 1.0 ? 1.0 : fit_rows;
    const double chunk = (double)rows < 256.0 ? (double)rows : 256.0;
    const double f = sizeof(float);
    out->params = (size_t)((params + consts) * f);
    out->grads = (size_t)(2.0 * params * f); /* the training and the evaluation workspace's */
    out->optimizer = (size_t)(2.0 * params * f);
    if (cfg->val_split > 0.0 && cfg->restore_best) out->optimizer += (size_t)(params * f); /* the best epoch */
    const double buf_rows = batch < 64.0 ? 64.0 : batch;
    out->workspace =
        (size_t)((ws_floats(spec, batch) + ws_floats(spec, chunk) + buf_rows * (in + nout) + chunk * nout) * f +
                 (double)rows * 8.0);
    /* the caller's rows (a validation split is by row number, no copy) */
    out->data = (size_t)((double)rows * (in + nout) * f + (cfg->val_split > 0.0 ? (double)rows * 8.0 : 0.0));
    out->total = out->params + out->grads + out->optimizer + out->workspace + out->data;
    return ZN_OK;
}
