/* Gradients of the convolutional sequence ops against double references
 * (gradcheck_ref.h): conv1d over strides, dilations, groups and paddings
 * (with and without bias), max and average pooling over kernel, stride,
 * padding, ceil mode and divisor, linear interpolation up and down (fixed
 * length and scale), weight norm alone and feeding a convolution. */
#include <math.h>

#include "gradcheck_ref.h"

#define OP(nd_, batched_, ...)                                                                                         \
    { .nd = nd_, .dims = {__VA_ARGS__}, .batched = batched_ }

/* ---- conv1d: x [T, C_in], w [C_out, C_in/groups, K], b [C_out] ---- */
typedef struct conv_ctx {
    int64_t t, ci, co, k, stride, dil, groups, pl, pr;
    int bias, wnorm; /* wnorm: operands x, g, v (, b): w = g v / ||v|| */
} conv_ctx;

static int64_t conv_tout(const conv_ctx *c) { return (c->t + c->pl + c->pr - c->dil * (c->k - 1) - 1) / c->stride + 1; }

static zn_node *b_conv(zn_graph *g, zn_node **o, const void *ctx) {
    const conv_ctx *c = ctx;
    zn_node *w = c->wnorm ? zn_weight_norm(g, o[1], o[2]) : o[1];
    zn_node *b = c->bias ? o[c->wnorm ? 3 : 2] : NULL;
    return zn_conv1d_op(g, o[0], w, b, c->stride, c->dil, c->groups, c->pl, c->pr);
}

/* w = g v / ||v|| per output channel, in double. */
static void ref_wnorm(int64_t co, int64_t len, const double *gain, const double *v, double *w) {
    for (int64_t o = 0; o < co; o++) {
        double ss = 0;
        for (int64_t i = 0; i < len; i++) ss += v[o * len + i] * v[o * len + i];
        for (int64_t i = 0; i < len; i++) w[o * len + i] = gain[o] * v[o * len + i] / sqrt(ss);
    }
}

static void r_conv(int64_t batch, const double *const *o, double *y, const void *ctx) {
    const conv_ctx *c = ctx;
    const int64_t cig = c->ci / c->groups, cog = c->co / c->groups, to = conv_tout(c);
    double wbuf[512];
    const double *w = o[1];
    if (c->wnorm) {
        ref_wnorm(c->co, cig * c->k, o[1], o[2], wbuf);
        w = wbuf;
    }
    const double *bias = c->bias ? o[c->wnorm ? 3 : 2] : NULL;
    for (int64_t b = 0; b < batch; b++)
        for (int64_t t = 0; t < to; t++)
            for (int64_t oc = 0; oc < c->co; oc++) {
                const int64_t gr = oc / cog;
                double s = bias ? bias[oc] : 0.0;
                for (int64_t i = 0; i < cig; i++)
                    for (int64_t k = 0; k < c->k; k++) {
                        const int64_t ti = t * c->stride - c->pl + k * c->dil;
                        if (ti < 0 || ti >= c->t) continue;
                        s += w[(oc * cig + i) * c->k + k] * o[0][(b * c->t + ti) * c->ci + gr * cig + i];
                    }
                y[(b * to + t) * c->co + oc] = s;
            }
}

static void run_conv(const char *label, conv_ctx c) {
    gc_case k = {label, 2, {OP(2, 1, c.t, c.ci), OP(3, 0, c.co, c.ci / c.groups, c.k)}, 2, b_conv, r_conv, &c, 0};
    if (c.wnorm) {
        k.n_operands = 3;
        k.operands[1] = (gc_operand)OP(3, 0, c.co, 1, 1);
        k.operands[2] = (gc_operand)OP(3, 0, c.co, c.ci / c.groups, c.k);
    }
    if (c.bias) k.operands[k.n_operands++] = (gc_operand)OP(1, 0, c.co);
    gc_run(&k);
}

static void test_conv1d(void) {
    /*                       t  ci co k  st dil gr pl pr bias wn */
    run_conv("conv valid", (conv_ctx){9, 3, 4, 3, 1, 1, 1, 0, 0, 1, 0});
    run_conv("conv no bias", (conv_ctx){9, 3, 4, 3, 1, 1, 1, 0, 0, 0, 0});
    run_conv("conv same", (conv_ctx){9, 3, 4, 3, 1, 1, 1, 1, 1, 1, 0});
    run_conv("conv same even kernel", (conv_ctx){9, 3, 4, 4, 1, 1, 1, 1, 2, 1, 0});
    run_conv("conv causal dilation 2", (conv_ctx){10, 3, 4, 3, 1, 2, 1, 4, 0, 1, 0});
    run_conv("conv stride 2 padded", (conv_ctx){11, 3, 4, 3, 2, 1, 1, 1, 1, 1, 0});
    run_conv("conv stride 3 dilation 2", (conv_ctx){14, 2, 3, 3, 3, 2, 1, 0, 2, 1, 0});
    run_conv("conv groups 2", (conv_ctx){8, 4, 6, 3, 1, 1, 2, 1, 1, 1, 0});
    run_conv("conv depthwise", (conv_ctx){8, 4, 4, 3, 1, 1, 4, 2, 0, 1, 0});
    run_conv("conv 1x1", (conv_ctx){7, 5, 3, 1, 1, 1, 1, 0, 0, 1, 0});
    run_conv("conv wide (GEMM paths)", (conv_ctx){12, 16, 16, 3, 1, 1, 1, 2, 0, 1, 0});
    run_conv("conv wide dilation 4", (conv_ctx){12, 16, 16, 2, 1, 4, 1, 4, 0, 0, 0});
    run_conv("conv weight norm", (conv_ctx){9, 3, 4, 3, 1, 1, 1, 2, 0, 1, 1});
    run_conv("conv weight norm groups 2", (conv_ctx){8, 4, 4, 2, 1, 2, 2, 2, 0, 0, 1});
}

/* ---- weight norm alone: g [C, 1, 1], v [C, 2, 3] ---- */
static zn_node *b_wnorm(zn_graph *g, zn_node **o, const void *ctx) {
    (void)ctx;
    /* batched through a broadcasting add so the harness has a batch output */
    return zn_add(g, o[2], zn_reshape(g, zn_weight_norm(g, o[0], o[1]), 1, (const int64_t[]){24}));
}
static void r_wnorm(int64_t batch, const double *const *o, double *y, const void *ctx) {
    (void)ctx;
    double w[24];
    ref_wnorm(4, 6, o[0], o[1], w);
    for (int64_t b = 0; b < batch; b++)
        for (int i = 0; i < 24; i++) y[b * 24 + i] = o[2][b * 24 + i] + w[i];
}

/* ---- pooling: x [T, C] ---- */
typedef struct pool_ctx {
    int max;
    int64_t t, c, k, stride, pl, pr;
    int ceil, incl;
} pool_ctx;

static int64_t pool_tout(const pool_ctx *p) {
    const int64_t padded = p->t + p->pl + p->pr;
    int64_t to = (padded - p->k + (p->ceil ? p->stride - 1 : 0)) / p->stride + 1;
    if (p->ceil && (to - 1) * p->stride >= p->t + p->pl) to--;
    return to;
}

static zn_node *b_pool(zn_graph *g, zn_node **o, const void *ctx) {
    const pool_ctx *p = ctx;
    return p->max ? zn_max_pool1d(g, o[0], p->k, p->stride, p->pl, p->pr, p->ceil)
                  : zn_avg_pool1d(g, o[0], p->k, p->stride, p->pl, p->pr, p->ceil, p->incl);
}

static void r_pool(int64_t batch, const double *const *o, double *y, const void *ctx) {
    const pool_ctx *p = ctx;
    const int64_t to = pool_tout(p);
    for (int64_t b = 0; b < batch; b++)
        for (int64_t t = 0; t < to; t++)
            for (int64_t c = 0; c < p->c; c++) {
                const int64_t start = t * p->stride - p->pl;
                int64_t end = start + p->k;
                if (end > p->t + p->pr) end = p->t + p->pr;
                const int64_t lo = start < 0 ? 0 : start, hi = end < p->t ? end : p->t;
                double acc = p->max ? -INFINITY : 0.0;
                for (int64_t i = lo; i < hi; i++) {
                    const double v = o[0][(b * p->t + i) * p->c + c];
                    acc = p->max ? (v > acc ? v : acc) : acc + v;
                }
                if (!p->max) acc /= (double)(p->incl ? end - start : hi - lo);
                y[(b * to + t) * p->c + c] = acc;
            }
}

static void test_pooling(void) {
    static const pool_ctx cases[] = {
        /* max t  c  k  s  pl pr ceil incl */
        {1, 8, 3, 2, 2, 0, 0, 0, 1}, {1, 9, 3, 3, 2, 0, 0, 0, 1},  {1, 9, 3, 3, 2, 0, 0, 1, 1},
        {1, 7, 2, 3, 1, 1, 1, 0, 1}, {1, 10, 2, 4, 3, 1, 2, 1, 1}, {0, 9, 3, 3, 2, 0, 0, 0, 1},
        {0, 9, 3, 3, 2, 0, 0, 1, 1}, {0, 9, 3, 3, 2, 1, 1, 0, 1},  {0, 9, 3, 3, 2, 1, 1, 0, 0},
        {0, 9, 3, 3, 2, 1, 1, 1, 0}, {0, 10, 2, 4, 3, 1, 1, 1, 1}, {0, 10, 2, 4, 3, 2, 0, 1, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const pool_ctx *p = &cases[i];
        char label[96];
        snprintf(label, sizeof label, "%s pool k%lld s%lld pad (%lld,%lld)%s%s", p->max ? "max" : "avg",
                 (long long)p->k, (long long)p->stride, (long long)p->pl, (long long)p->pr, p->ceil ? " ceil" : "",
                 p->max    ? ""
                 : p->incl ? " incl"
                           : " excl");
        gc_case k = {label, 1, {OP(2, 1, p->t, p->c)}, 2, b_pool, r_pool, p, 0};
        gc_run(&k);
    }
}

/* ---- linear interpolation: x [T_in, C] -> [T_out, C] ---- */
typedef struct interp_ctx {
    int64_t t_in, t_out, c;
    float scale; /* > 0: the scale builder */
} interp_ctx;

static zn_node *b_interp(zn_graph *g, zn_node **o, const void *ctx) {
    const interp_ctx *p = ctx;
    return p->scale > 0 ? zn_interpolate_linear_scale(g, o[0], p->scale) : zn_interpolate_linear(g, o[0], p->t_out);
}

static void r_interp(int64_t batch, const double *const *o, double *y, const void *ctx) {
    const interp_ctx *p = ctx;
    const float scale = (float)p->t_in / (float)p->t_out;
    for (int64_t b = 0; b < batch; b++)
        for (int64_t t = 0; t < p->t_out; t++) {
            double src = ((double)t + 0.5) * scale - 0.5;
            if (src < 0) src = 0;
            int64_t i0 = (int64_t)src;
            if (i0 > p->t_in - 1) i0 = p->t_in - 1;
            const int64_t i1 = i0 + 1 < p->t_in ? i0 + 1 : i0;
            const double l = src - (double)i0;
            for (int64_t c = 0; c < p->c; c++)
                y[(b * p->t_out + t) * p->c + c] =
                    (1 - l) * o[0][(b * p->t_in + i0) * p->c + c] + l * o[0][(b * p->t_in + i1) * p->c + c];
        }
}

static void test_interp_wnorm(void) {
    static const interp_ctx cases[] = {{7, 12, 3, 0}, {12, 5, 2, 0}, {6, 6, 2, 0}, {5, 10, 2, 2.0f}, {9, 4, 2, 0.5f}};
    static const char *const names[] = {"interp 7->12", "interp 12->5", "interp 6->6", "interp scale 2",
                                        "interp scale 0.5"};
    for (int i = 0; i < 5; i++) {
        gc_case k = {names[i], 1, {OP(2, 1, cases[i].t_in, cases[i].c)}, 2, b_interp, r_interp, &cases[i], 0};
        gc_run(&k);
    }
    gc_case w = {"weight norm", 3, {OP(3, 0, 4, 1, 1), OP(3, 0, 4, 2, 3), OP(1, 1, 24)}, 2, b_wnorm, r_wnorm, NULL, 0};
    gc_run(&w);
}

int main(void) {
    ZT_RUN(test_conv1d);
    ZT_RUN(test_pooling);
    ZT_RUN(test_interp_wnorm);
    return zt_finish();
}
