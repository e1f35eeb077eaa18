/* Optimizers over flat parameter arrays. FANN's five follow FANN 2.2's update
 * rules (including its weight clamp at +-1500) on FANN's slopes, which are
 * minus the gradient of the error summed over the samples. */
#include <math.h>
#include <string.h>

#include "base/internal.h"
#include "kernels/kernels.h"
#include "train/fann_rules.h"
#include "zenn/pool.h"
#include "zenn/train.h"

struct zn_optim {
    zn_optim_config cfg;
    int64_t n, steps;
    float *a, *b; /* per-parameter state: steps/slopes (FANN), moments (Adam) */
    zn_rng rng;
    zn_pool *pool; /* NULL: the default pool */
    int max_threads;
};

static const char *const algo_names[ZN_ALGO_COUNT] = {"incremental", "batch",    "rprop", "quickprop", "sarprop",
                                                      "sgd",         "momentum", "adam",  "adamw",     "rmsprop"};

const char *zn_algo_name(zn_algo algo) {
    return ((int)algo >= 0 && algo < ZN_ALGO_COUNT) ? algo_names[algo] : "unknown";
}

int zn_algo_from_name(const char *name) {
    for (int i = 0; name && i < ZN_ALGO_COUNT; i++)
        if (!strcmp(name, algo_names[i])) return i;
    return -1;
}

int zn_algo_is_full_batch(zn_algo a) {
    return a == ZN_ALGO_BATCH || a == ZN_ALGO_RPROP || a == ZN_ALGO_QUICKPROP || a == ZN_ALGO_SARPROP;
}

zn_optim_config zn_optim_config_default(zn_algo algo) {
    zn_optim_config c;
    memset(&c, 0, sizeof c);
    c.algo = algo;
    c.lr = 0.7f; /* FANN's learning_rate */
    if (algo == ZN_ALGO_SGD || algo == ZN_ALGO_MOMENTUM) c.lr = 0.01f;
    if (algo == ZN_ALGO_ADAM || algo == ZN_ALGO_ADAMW || algo == ZN_ALGO_RMSPROP) c.lr = 1e-3f;
    if (algo == ZN_ALGO_MOMENTUM) c.momentum = 0.9f;
    if (algo == ZN_ALGO_ADAMW) c.weight_decay = 0.01f;
    c.beta1 = 0.9f;
    c.beta2 = algo == ZN_ALGO_RMSPROP ? 0.99f : 0.999f;
    c.eps = 1e-8f;
    c.rprop_increase = 1.2f;
    c.rprop_decrease = 0.5f;
    c.rprop_delta_min = 0.0f;
    c.rprop_delta_max = 50.0f;
    c.rprop_delta_zero = 0.1f;
    c.quickprop_decay = -0.0001f;
    c.quickprop_mu = 1.75f;
    c.sarprop_weight_decay_shift = -6.644f;
    c.sarprop_step_error_threshold_factor = 0.1f;
    c.sarprop_step_error_shift = 1.385f;
    c.sarprop_temperature = 0.015f;
    return c;
}

static int finite_nonneg(float v) { return isfinite(v) && v >= 0.0f; }

zn_status zn_optim_create(const zn_optim_config *cfg, int64_t n, uint64_t seed, zn_optim **out) {
    if (!cfg || !out) return zn_error(ZN_ERR_INVALID_ARG, "zn_optim_create: NULL argument");
    *out = NULL;
    if ((int)cfg->algo < 0 || cfg->algo >= ZN_ALGO_COUNT)
        return zn_error(ZN_ERR_INVALID_ARG, "zn_optim_create: unknown algorithm %d", (int)cfg->algo);
    if (n < 0) return zn_error(ZN_ERR_INVALID_ARG, "zn_optim_create: n (%lld) < 0", (long long)n);
    if (!finite_nonneg(cfg->lr) || !finite_nonneg(cfg->momentum) || cfg->momentum >= 1.0f ||
        !finite_nonneg(cfg->weight_decay) || !finite_nonneg(cfg->clip_norm) || !finite_nonneg(cfg->clip_value))
        return zn_error(ZN_ERR_INVALID_ARG,
                        "zn_optim_create: lr, weight decay and clipping must be finite and >= 0, momentum in [0, 1)");
    if (!(cfg->beta1 >= 0 && cfg->beta1 < 1 && cfg->beta2 >= 0 && cfg->beta2 < 1 && cfg->eps > 0))
        return zn_error(ZN_ERR_INVALID_ARG, "zn_optim_create: betas must be in [0, 1) and eps > 0");
    if (!(cfg->rprop_increase >= 1.0f && cfg->rprop_decrease > 0.0f && cfg->rprop_decrease <= 1.0f &&
          cfg->rprop_delta_min >= 0.0f && cfg->rprop_delta_max >= cfg->rprop_delta_min && cfg->rprop_delta_zero > 0))
        return zn_error(ZN_ERR_INVALID_ARG, "zn_optim_create: RPROP factors out of range");
    zn_optim *o = zn_calloc(1, sizeof *o);
    if (!o) return ZN_ERR_OUT_OF_MEMORY;
    o->cfg = *cfg;
    o->n = n;
    size_t cnt = (size_t)(n ? n : 1);
    o->a = zn_calloc(cnt, sizeof(float));
    o->b = zn_calloc(cnt, sizeof(float));
    if (!o->a || !o->b) {
        zn_optim_free(o);
        return zn_error(ZN_ERR_OUT_OF_MEMORY, "zn_optim_create: state for %lld parameters", (long long)n);
    }
    if (cfg->algo == ZN_ALGO_RPROP) /* FANN starts RPROP's steps at delta_zero, the others at 0 */
        for (int64_t i = 0; i < n; i++) o->a[i] = cfg->rprop_delta_zero;
    zn_rng_seed(&o->rng, seed);
    *out = o;
    return ZN_OK;
}

void zn_optim_free(zn_optim *o) {
    if (!o) return;
    zn_free(o->a);
    zn_free(o->b);
    zn_free(o);
}

void zn_optim_set_threads(zn_optim *o, zn_pool *pool, int max_threads) {
    if (!o) return;
    o->pool = pool;
    o->max_threads = max_threads < 0 ? 0 : max_threads;
}

void zn_optim_set_lr(zn_optim *o, float lr) {
    if (o && isfinite(lr) && lr >= 0.0f) o->cfg.lr = lr;
}
float zn_optim_lr(const zn_optim *o) { return o ? o->cfg.lr : 0.0f; }
int64_t zn_optim_step_count(const zn_optim *o) { return o ? o->steps : 0; }

static void clip(const zn_optim_config *c, float *g, int64_t n) {
    if (c->clip_value > 0.0f)
        for (int64_t i = 0; i < n; i++)
            g[i] = g[i] > c->clip_value ? c->clip_value : (g[i] < -c->clip_value ? -c->clip_value : g[i]);
    if (c->clip_norm > 0.0f) {
        double ss = 0.0;
        for (int64_t i = 0; i < n; i++) ss += (double)g[i] * g[i];
        double norm = sqrt(ss);
        if (norm > c->clip_norm) {
            float k = (float)(c->clip_norm / norm);
            for (int64_t i = 0; i < n; i++) g[i] *= k;
        }
    }
}

/* ---- the vector updates (Adam/AdamW, SGD/momentum) on the pool ------------- */

/* Below this many parameters an update runs on the calling thread. Above
 * it the four arrays of Adam (w, g, m, v) outgrow both cores' L2 and come
 * from L3 or memory whoever reads them, and two threads stream them about
 * twice as fast as one. Smaller models stay on the caller, which is also
 * where a training workspace that chose one thread keeps them. */
#define UPDATE_MT_MIN (int64_t)(1 << 20)

typedef enum { UPDATE_ADAM, UPDATE_MOMENTUM } update_kind;

typedef struct update_job {
    update_kind kind;
    int64_t n;
    float *w, *s0, *s1;
    const float *g;
    zn_adam_args adam;
    float lr, mu, l2;
    int nesterov;
} update_job;

/* Element-wise updates: any split gives the same result. */
static void update_part(void *arg, int ith, int nth) {
    const update_job *j = arg;
    int64_t lo, hi;
    zn_split_range(j->n, 16, ith, nth, &lo, &hi);
    if (lo >= hi) return;
    const zn_optim_kernels *k = &zn_kernels_get()->optim;
    if (j->kind == UPDATE_ADAM)
        k->adam((size_t)(hi - lo), j->w + lo, j->g + lo, j->s0 + lo, j->s1 + lo, &j->adam);
    else
        k->momentum((size_t)(hi - lo), j->w + lo, j->g + lo, j->s0 + lo, j->lr, j->mu, j->l2, j->nesterov);
}

/* zn_pool_run takes at most the pool's threads, and runs one part here. */
static void run_update(const zn_optim *o, update_job *j) {
    zn_pool *pool = o->pool ? o->pool : zn_pool_default();
    const int nth = j->n < UPDATE_MT_MIN ? 1 : o->max_threads > 0 ? o->max_threads : zn_pool_size(pool);
    zn_pool_run(pool, update_part, j, nth);
}

/* FANN incremental/batch: step = lr * slope + momentum * previous step. */
static void step_fann_gd(zn_optim *o, float *w, const float *g, int64_t n) {
    const float lr = o->cfg.lr, mom = o->cfg.momentum;
    for (int64_t i = 0; i < n; i++) {
        float delta = -lr * (g[i] + o->cfg.weight_decay * w[i]) + mom * o->a[i];
        w[i] += delta;
        o->a[i] = delta;
    }
}

static zn_fann_rule fann_rule_of(const zn_optim_config *c) {
    return (zn_fann_rule){c->lr,
                          c->rprop_increase,
                          c->rprop_decrease,
                          c->rprop_delta_min,
                          c->rprop_delta_max,
                          c->quickprop_decay,
                          c->quickprop_mu,
                          c->sarprop_weight_decay_shift,
                          c->sarprop_step_error_threshold_factor,
                          c->sarprop_step_error_shift,
                          c->sarprop_temperature};
}

/* FANN's RPROP, Quickprop and SARPROP: a = previous steps, b = previous
 * slopes; FANN's slope of the summed error is -batch times the mean-loss
 * gradient. */
static void step_fann_rule(zn_optim *o, float *w, const float *g, int64_t n, int64_t batch, float mse) {
    const zn_fann_rule r = fann_rule_of(&o->cfg);
    const float scale = -(float)batch;
    if (o->cfg.algo == ZN_ALGO_RPROP)
        zn_fann_rprop(&r, n, w, g, scale, o->a, o->b);
    else if (o->cfg.algo == ZN_ALGO_QUICKPROP)
        zn_fann_quickprop(&r, n, w, g, scale, batch, o->a, o->b);
    else
        zn_fann_sarprop(&r, n, w, g, scale, (uint32_t)o->steps, mse, &o->rng, o->a, o->b);
}

/* SGD, momentum and Nesterov in PyTorch's convention (v = mu v + g), through
 * the vector kernels: the update is one pass over memory. */
static void step_sgd(zn_optim *o, float *w, const float *g, int64_t n) {
    const zn_optim_config *c = &o->cfg;
    update_job j = {.kind = UPDATE_MOMENTUM,
                    .n = n,
                    .w = w,
                    .g = g,
                    .s0 = o->a,
                    .lr = c->lr,
                    .mu = c->algo == ZN_ALGO_MOMENTUM ? c->momentum : 0.0f,
                    .l2 = c->weight_decay,
                    .nesterov = c->algo == ZN_ALGO_MOMENTUM && c->nesterov};
    run_update(o, &j);
}

static void step_adam(zn_optim *o, float *w, const float *g, int64_t n) {
    const zn_optim_config *c = &o->cfg;
    double t = (double)o->steps + 1.0;
    int decoupled = c->algo == ZN_ALGO_ADAMW;
    zn_adam_args a;
    a.step = (float)(c->lr / (1.0 - pow(c->beta1, t)));
    a.inv_root_bc2 = (float)(1.0 / sqrt(1.0 - pow(c->beta2, t)));
    a.beta1 = c->beta1;
    a.beta2 = c->beta2;
    a.eps = c->eps;
    a.l2 = decoupled ? 0.0f : c->weight_decay;
    a.decay = decoupled ? c->lr * c->weight_decay : 0.0f;
    update_job j = {.kind = UPDATE_ADAM, .n = n, .w = w, .g = g, .s0 = o->a, .s1 = o->b, .adam = a};
    run_update(o, &j);
}

static void step_rmsprop(zn_optim *o, float *w, const float *g, int64_t n) {
    const zn_optim_config *c = &o->cfg;
    for (int64_t i = 0; i < n; i++) {
        float gi = g[i] + c->weight_decay * w[i];
        o->b[i] = c->beta2 * o->b[i] + (1.0f - c->beta2) * gi * gi;
        w[i] -= c->lr * gi / (sqrtf(o->b[i]) + c->eps);
    }
}

zn_status zn_optim_step(zn_optim *o, float *params, float *grads, int64_t n, int64_t batch, float error) {
    if (!o || (n > 0 && (!params || !grads))) return zn_error(ZN_ERR_INVALID_ARG, "zn_optim_step: NULL argument");
    if (n != o->n)
        return zn_error(ZN_ERR_SHAPE, "zn_optim_step: %lld parameters, the optimizer was made for %lld", (long long)n,
                        (long long)o->n);
    if (batch < 1) return zn_error(ZN_ERR_INVALID_ARG, "zn_optim_step: batch (%lld) < 1", (long long)batch);
    clip(&o->cfg, grads, n);
    switch (o->cfg.algo) {
    case ZN_ALGO_INCREMENTAL:
    case ZN_ALGO_BATCH: step_fann_gd(o, params, grads, n); break;
    case ZN_ALGO_RPROP:
    case ZN_ALGO_QUICKPROP:
    case ZN_ALGO_SARPROP: step_fann_rule(o, params, grads, n, batch, error); break;
    case ZN_ALGO_SGD:
    case ZN_ALGO_MOMENTUM: step_sgd(o, params, grads, n); break;
    case ZN_ALGO_ADAM:
    case ZN_ALGO_ADAMW: step_adam(o, params, grads, n); break;
    case ZN_ALGO_RMSPROP: step_rmsprop(o, params, grads, n); break;
    case ZN_ALGO_COUNT: break;
    }
    o->steps++;
    return ZN_OK;
}
