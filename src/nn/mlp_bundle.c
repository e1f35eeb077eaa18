/* zn_mlp: a network with its scaling and class names. */
#include <pthread.h>
#include <string.h>

#include "base/internal.h"
#include "zenn/nn.h"

/* zn_mlp_predict_rows' kept workspace, for the model it was made for. */
struct zn_mlp_cache {
    pthread_mutex_t lock;
    zn_ws *ws;
    const zn_model *model;
};

static zn_status cache_create(struct zn_mlp_cache **out) {
    struct zn_mlp_cache *c = zn_calloc(1, sizeof *c);
    if (!c) return ZN_ERR_OUT_OF_MEMORY;
    if (pthread_mutex_init(&c->lock, NULL) != 0) {
        zn_free(c);
        return zn_error(ZN_ERR_OUT_OF_MEMORY, "zn_mlp: cannot create a mutex");
    }
    *out = c;
    return ZN_OK;
}

static void cache_free(struct zn_mlp_cache *c) {
    if (!c) return;
    pthread_mutex_destroy(&c->lock);
    zn_ws_free(c->ws);
    zn_free(c);
}

static zn_status copy_scaler(const zn_scaler *src, zn_scaler **dst) {
    *dst = NULL;
    if (!src) return ZN_OK;
    zn_scaler *s = zn_calloc(1, sizeof *s);
    if (!s) return ZN_ERR_OUT_OF_MEMORY;
    *s = *src;
    s->mul = zn_alloc((size_t)src->cols * sizeof(float));
    s->add = zn_alloc((size_t)src->cols * sizeof(float));
    if (!s->mul || !s->add) {
        zn_scaler_free(s);
        return ZN_ERR_OUT_OF_MEMORY;
    }
    memcpy(s->mul, src->mul, (size_t)src->cols * sizeof(float));
    memcpy(s->add, src->add, (size_t)src->cols * sizeof(float));
    *dst = s;
    return ZN_OK;
}

zn_status zn_mlp_wrap(const zn_mlp_spec *spec, uint64_t seed, const zn_scaler *input_scaler,
                      const zn_scaler *output_scaler, int64_t n_classes, char *const *class_names, zn_mlp **out) {
    if (!spec || !out) return zn_error(ZN_ERR_INVALID_ARG, "zn_mlp_wrap: NULL argument");
    *out = NULL;
    int64_t nin = spec->n_layers > 0 ? spec->sizes[0] : 0,
            nout = spec->n_layers > 0 ? spec->sizes[spec->n_layers - 1] : 0;
    if (input_scaler && input_scaler->cols != nin)
        return zn_error(ZN_ERR_SHAPE, "zn_mlp_wrap: the input scaler has %lld columns for %lld inputs",
                        (long long)input_scaler->cols, (long long)nin);
    if (output_scaler && output_scaler->cols != nout)
        return zn_error(ZN_ERR_SHAPE, "zn_mlp_wrap: the output scaler has %lld columns for %lld outputs",
                        (long long)output_scaler->cols, (long long)nout);
    if (n_classes < 0 || (n_classes > 0 && (n_classes != nout || !class_names)))
        return zn_error(ZN_ERR_SHAPE, "zn_mlp_wrap: %lld class names for %lld outputs", (long long)n_classes,
                        (long long)nout);
    zn_mlp *m = zn_calloc(1, sizeof *m);
    if (!m) return ZN_ERR_OUT_OF_MEMORY;
    m->spec = *spec;
    zn_status s = zn_mlp_create(spec, seed, &m->model);
    if (s == ZN_OK) s = cache_create(&m->cache);
    if (s == ZN_OK) s = copy_scaler(input_scaler, &m->input_scaler);
    if (s == ZN_OK) s = copy_scaler(output_scaler, &m->output_scaler);
    if (s == ZN_OK && n_classes > 0) {
        s = zn_names_copy(class_names, n_classes, &m->class_names);
        if (s == ZN_OK) m->n_classes = n_classes;
    }
    if (s != ZN_OK) {
        zn_mlp_free(m);
        return s;
    }
    *out = m;
    return ZN_OK;
}

void zn_mlp_free(zn_mlp *m) {
    if (!m) return;
    cache_free(m->cache);
    zn_model_free(m->model);
    zn_scaler_free(m->input_scaler);
    zn_scaler_free(m->output_scaler);
    zn_names_free(m->class_names, m->n_classes);
    zn_names_free(m->target_names, m->n_targets);
    zn_names_free(m->input_names, m->spec.n_layers > 0 ? m->spec.sizes[0] : 0);
    zn_free(m);
}

zn_status zn_mlp_set_targets(zn_mlp *m, char *const *names, int64_t n) {
    if (!m || n < 0 || (n > 0 && !names)) return zn_error(ZN_ERR_INVALID_ARG, "zn_mlp_set_targets: bad argument");
    char **copy = NULL;
    zn_status s = zn_names_copy(names, n, &copy);
    if (s != ZN_OK) return s;
    zn_names_free(m->target_names, m->n_targets);
    m->target_names = copy;
    m->n_targets = copy ? n : 0;
    return ZN_OK;
}

zn_status zn_mlp_set_inputs(zn_mlp *m, char *const *names, int64_t n) {
    if (!m || !names || n != m->spec.sizes[0])
        return zn_error(ZN_ERR_INVALID_ARG, "zn_mlp_set_inputs: %lld names for %lld inputs", (long long)n,
                        m ? (long long)m->spec.sizes[0] : 0LL);
    char **copy = NULL;
    zn_status s = zn_names_copy(names, n, &copy);
    if (s != ZN_OK) return s;
    zn_names_free(m->input_names, m->spec.sizes[0]);
    m->input_names = copy;
    return ZN_OK;
}

zn_status zn_mlp_predict(const zn_mlp *m, zn_ws *ws, int64_t rows, const float *x, float *y) {
    if (!m || !ws || (rows > 0 && (!x || !y))) return zn_error(ZN_ERR_INVALID_ARG, "zn_mlp_predict: NULL argument");
    if (rows < 0) return zn_error(ZN_ERR_INVALID_ARG, "zn_mlp_predict: rows < 0");
    int64_t nin = m->spec.sizes[0], nout = m->spec.sizes[m->spec.n_layers - 1];
    const float *in = x;
    float *scaled = NULL;
    if (m->input_scaler && rows > 0) {
        scaled = zn_alloc((size_t)(rows * nin) * sizeof(float));
        if (!scaled) return ZN_ERR_OUT_OF_MEMORY;
        memcpy(scaled, x, (size_t)(rows * nin) * sizeof(float));
        zn_scaler_apply(m->input_scaler, scaled, rows);
        in = scaled;
    }
    zn_status s = ZN_OK;
    /* The workspace may be smaller than the request: run in chunks. */
    const float *inputs[2] = {NULL, NULL};
    float *outputs[1] = {NULL};
    int64_t chunk = zn_ws_max_batch(ws);
    for (int64_t r = 0; r < rows && s == ZN_OK; r += chunk) {
        int64_t n = rows - r < chunk ? rows - r : chunk;
        inputs[0] = in + r * nin;
        outputs[0] = y + r * nout;
        s = zn_model_forward(m->model, ws, n, inputs, outputs);
    }
    zn_free(scaled);
    if (s == ZN_OK && m->output_scaler && rows > 0) zn_scaler_inverse(m->output_scaler, y, rows);
    return s;
}

int64_t zn_mlp_n_inputs(const zn_mlp *m) { return m && m->spec.n_layers > 0 ? m->spec.sizes[0] : 0; }

int64_t zn_mlp_n_outputs(const zn_mlp *m) {
    return m && m->spec.n_layers > 0 ? m->spec.sizes[m->spec.n_layers - 1] : 0;
}

/* Rows up to this many run in one pass of a kept workspace; more run in chunks. */
#define ZN_MLP_ROWS_BATCH 256

/* A request on a workspace of its own (weights packed when it spans several batches). */
static zn_status predict_own_ws(const zn_mlp *m, int64_t rows, const float *x, float *y) {
    zn_ws *ws = NULL;
    zn_ws_opts o = zn_ws_opts_default();
    o.mode = ZN_WS_INFER;
    o.max_batch = rows > ZN_MLP_ROWS_BATCH ? ZN_MLP_ROWS_BATCH : rows;
    zn_status s = zn_ws_create(m->model, &o, &ws);
    if (s == ZN_OK && rows >= 2 * o.max_batch) s = zn_ws_pack_weights(ws, m->model);
    if (s == ZN_OK) s = zn_mlp_predict(m, ws, rows, x, y);
    zn_ws_free(ws);
    return s;
}

zn_status zn_mlp_predict_rows(const zn_mlp *m, int64_t rows, const float *x, float *y) {
    if (!m || !m->model || rows < 0 || (rows > 0 && (!x || !y)))
        return zn_error(ZN_ERR_INVALID_ARG, "zn_mlp_predict_rows: NULL argument or rows < 0");
    if (rows == 0) return ZN_OK;
    struct zn_mlp_cache *c = m->cache;
    if (rows >= 2 * ZN_MLP_ROWS_BATCH || !c || pthread_mutex_trylock(&c->lock) != 0)
        return predict_own_ws(m, rows, x, y);
    zn_status s = ZN_OK;
    int64_t want = rows > ZN_MLP_ROWS_BATCH ? ZN_MLP_ROWS_BATCH : rows;
    /* A workspace for another model, or too small for this request, is made again. */
    if (c->ws && (c->model != m->model || zn_ws_max_batch(c->ws) < want)) {
        zn_ws_free(c->ws);
        c->ws = NULL;
    }
    if (!c->ws) {
        zn_ws_opts o = zn_ws_opts_default();
        o.mode = ZN_WS_INFER;
        o.max_batch = want;
        s = zn_ws_create(m->model, &o, &c->ws);
        c->model = s == ZN_OK ? m->model : NULL;
    }
    if (s == ZN_OK) s = zn_mlp_predict(m, c->ws, rows, x, y);
    pthread_mutex_unlock(&c->lock);
    return s;
}
