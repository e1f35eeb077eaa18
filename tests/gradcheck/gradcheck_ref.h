/* Gradient checks against double-precision references: one op (or a small
 * graph) runs in float through the engine, forward and backward; the same
 * function written in double in the test gives the reference output and,
 * by central differences in double, the reference gradient of every
 * operand. Each operand is x + p: a random batch input x plus a parameter
 * p of the operand's per-sample shape (so p's gradient is the operand's
 * gradient summed over the batch); unbatched operands are p alone. The
 * loss is the mean squared distance to a random target. Header-only: the
 * checks count in the including test file. */
#ifndef ZN_GRADCHECK_REF_H
#define ZN_GRADCHECK_REF_H

#include "zn_test.h"

#define GC_MAX_OPERANDS 12

typedef struct gc_operand {
    int nd;
    int64_t dims[ZN_MAX_DIMS];
    int batched;
} gc_operand;

/* Builds the op on the operands' nodes; returns its output node. */
typedef zn_node *(*gc_build)(zn_graph *g, zn_node **operands, const void *ctx);
/* The reference: operand k for sample b is ops[k] + b * size(k) (unbatched
 * ones have no batch offset); writes y for every sample (out_size each). */
typedef void (*gc_ref)(int64_t batch, const double *const *ops, double *y, const void *ctx);

typedef struct gc_case {
    const char *label;
    int n_operands;
    gc_operand operands[GC_MAX_OPERANDS];
    int64_t batch;
    gc_build build;
    gc_ref ref;
    const void *ctx;
    double rtol; /* of gradients (0: 1e-3) */
} gc_case;

static int64_t operand_size(const gc_operand *o) {
    int64_t s = 1;
    for (int i = 0; i < o->nd; i++) s *= o->dims[i];
    return s;
}

/* The double loss of the reference at the current operand values. */
static double ref_loss(const gc_case *c, double *const *ops, double *y, const float *t, int64_t out_count) {
    c->ref(c->batch, (const double *const *)ops, y, c->ctx);
    double s = 0;
    for (int64_t i = 0; i < out_count; i++) s += (y[i] - t[i]) * (y[i] - t[i]);
    return s / (double)out_count;
}

/* Runs the case; failures count in the including test's zn_test.h checks. */
static void gc_run(const gc_case *c) {
    zn_graph *g = NULL;
    ZT_OK(zn_graph_create(&g));
    zn_node *ops[GC_MAX_OPERANDS], *params[GC_MAX_OPERANDS];
    char name[32];
    for (int k = 0; k < c->n_operands; k++) {
        const gc_operand *o = &c->operands[k];
        snprintf(name, sizeof name, "p%d", k);
        params[k] = zn_param_nd(g, name, o->nd, o->dims, ZN_INIT_UNIFORM, 0.8f);
        ops[k] = params[k];
        if (o->batched) {
            snprintf(name, sizeof name, "x%d", k);
            ops[k] = zn_add(g, zn_input_nd(g, name, ZN_F32, o->nd, o->dims, -1), params[k]);
        }
    }
    zn_node *y = c->build(g, ops, c->ctx);
    int64_t ydims[ZN_MAX_DIMS];
    const int ynd = zn_node_shape(y, ydims);
    zn_node *target = zn_input_nd(g, "target", ZN_F32, ynd > 0 ? ynd : 1, ydims, -1);
    zn_node *loss = zn_mse(g, y, target);
    zn_model *m = NULL;
    zn_status s = zn_model_compile(g, &y, 1, loss, 11, &m);
    ZT_CHECK_MSG(s == ZN_OK, "%s: compile: %s", c->label, zn_last_error());
    if (s != ZN_OK) {
        zn_graph_free(g);
        return;
    }
    /* inputs in the model's order: the batched operands' x, then the target */
    int64_t y_size = 1;
    for (int i = 0; i < ynd; i++) y_size *= ydims[i];
    const int64_t out_count = y_size * c->batch;
    zn_rng r;
    zn_rng_seed(&r, 5);
    float *xs[GC_MAX_OPERANDS] = {0};
    const void *feed_in[GC_MAX_OPERANDS + 1];
    int fi = 0;
    for (int k = 0; k < c->n_operands; k++)
        if (c->operands[k].batched) {
            const int64_t n = operand_size(&c->operands[k]) * c->batch;
            xs[k] = zn_alloc((size_t)n * sizeof(float));
            zn_rng_fill_uniform(&r, xs[k], (size_t)n, -1.0f, 1.0f);
            feed_in[fi++] = xs[k];
        }
    float *t = zn_alloc((size_t)out_count * sizeof(float));
    zn_rng_fill_uniform(&r, t, (size_t)out_count, -1.0f, 1.0f);
    feed_in[fi++] = t;
    zn_ws *ws = NULL;
    zn_ws_opts o = zn_ws_opts_default();
    o.max_batch = c->batch;
    o.mode = ZN_WS_TRAIN;
    ZT_OK(zn_ws_create(m, &o, &ws));
    zn_feed feed = {c->batch, 0, feed_in};
    float loss_f = 0;
    ZT_OK(zn_model_run_backward(m, ws, &feed, &loss_f));
    int64_t np = 0, ng = 0;
    const float *p = zn_model_params_const(m, &np);
    const float *grads = zn_ws_grads(ws, &ng);

    /* the reference's operands in double, as the engine saw them */
    double *dops[GC_MAX_OPERANDS];
    for (int k = 0; k < c->n_operands; k++) {
        const int64_t size = operand_size(&c->operands[k]), reps = c->operands[k].batched ? c->batch : 1;
        int64_t offset = 0;
        ZT_OK(zn_model_param_info(m, k, NULL, NULL, NULL, &offset));
        dops[k] = zn_alloc((size_t)(size * reps) * sizeof(double));
        for (int64_t b = 0; b < reps; b++)
            for (int64_t i = 0; i < size; i++)
                dops[k][b * size + i] = (double)p[offset + i] + (xs[k] ? (double)xs[k][b * size + i] : 0.0);
    }
    double *yref = zn_alloc((size_t)out_count * sizeof(double));
    const double l0 = ref_loss(c, dops, yref, t, out_count);
    ZT_CHECK_MSG(fabs(l0 - loss_f) <= 1e-4 * (fabs(l0) + 1e-3), "%s: loss %.8g, reference %.8g", c->label, loss_f, l0);
    const float *yv = zn_ws_node_value(ws, zn_node_index(y));
    int bad_y = 0;
    for (int64_t i = 0; yv && i < out_count; i++) bad_y += fabs(yv[i] - yref[i]) > 1e-5 * (1.0 + fabs(yref[i]));
    ZT_CHECK_MSG(yv && bad_y == 0, "%s: %d outputs differ from the reference", c->label, bad_y);

    const double rtol = c->rtol > 0 ? c->rtol : 1e-3, h = 1e-6;
    int bad = 0, checked = 0, nonzero = 0;
    for (int k = 0; k < c->n_operands; k++) {
        const int64_t size = operand_size(&c->operands[k]), reps = c->operands[k].batched ? c->batch : 1;
        int64_t offset = 0;
        zn_model_param_info(m, k, NULL, NULL, NULL, &offset);
        for (int64_t i = 0; i < size; i++) {
            for (int64_t b = 0; b < reps; b++) dops[k][b * size + i] += h;
            const double lp = ref_loss(c, dops, yref, t, out_count);
            for (int64_t b = 0; b < reps; b++) dops[k][b * size + i] -= 2 * h;
            const double lm = ref_loss(c, dops, yref, t, out_count);
            for (int64_t b = 0; b < reps; b++) dops[k][b * size + i] += h;
            const double num = (lp - lm) / (2 * h), an = grads[offset + i];
            checked++;
            nonzero += fabs(num) > 1e-7;
            if (fabs(an - num) > 1e-6 + rtol * fabs(num)) {
                if (bad < 5)
                    fprintf(stderr, "  %s: operand %d [%lld]: engine %.8g, reference %.8g\n", c->label, k, (long long)i,
                            an, num);
                bad++;
            }
        }
    }
    ZT_CHECK_MSG(bad == 0, "%s: %d of %d gradients differ from the double reference", c->label, bad, checked);
    ZT_CHECK_MSG(nonzero > 0, "%s: every reference gradient is zero", c->label);
    (void)ng;
    for (int k = 0; k < c->n_operands; k++) {
        zn_free(dops[k]);
        zn_free(xs[k]);
    }
    zn_free(yref);
    zn_free(t);
    zn_ws_free(ws);
    zn_model_free(m);
    zn_graph_free(g);
}

#endif
