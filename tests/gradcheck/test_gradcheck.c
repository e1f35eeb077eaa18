/* Gradients of every op and of whole networks against central differences,
 * the activations against FANN's formulas, and the graph engine's plans. */
#include "graph/graph_internal.h"
#include "zn_test.h"

/* Central differences on every parameter (a sample of them when there are
 * many), with the loss summed in double by the ops. */
static void check_grads(const char *label, zn_graph *g, zn_node *loss, const float *const *inputs, int64_t batch,
                        double rtol) {
    zn_model *m = NULL;
    zn_ws *ws = NULL;
    zn_status s = zn_model_compile(g, NULL, 0, loss, 7, &m);
    ZT_CHECK_MSG(s == ZN_OK, "%s: compile: %s", label, zn_last_error());
    if (s != ZN_OK) return;
    zn_ws_opts o = zn_ws_opts_default();
    o.max_batch = batch;
    o.mode = ZN_WS_TRAIN;
    ZT_OK(zn_ws_create(m, &o, &ws));
    int64_t np = 0, ng = 0;
    float *p = zn_model_params(m, &np);
    float loss0 = 0;
    ZT_OK(zn_model_backward(m, ws, batch, inputs, &loss0));
    float *an = zn_alloc((size_t)np * sizeof(float));
    memcpy(an, zn_ws_grads(ws, &ng), (size_t)np * sizeof(float));
    ZT_CHECK(ng == np && isfinite(loss0));
    int checked = 0, bad = 0, nonzero = 0;
    int64_t stride = np > 400 ? np / 400 : 1;
    for (int64_t i = 0; i < np; i += stride) {
        float keep = p[i], h = 1e-2f * (fabsf(keep) > 1.0f ? fabsf(keep) : 1.0f);
        float lp, lm;
        p[i] = keep + h;
        zn_model_loss(m, ws, batch, inputs, &lp);
        p[i] = keep - h;
        zn_model_loss(m, ws, batch, inputs, &lm);
        p[i] = keep;
        double fd = ((double)lp - lm) / (2.0 * h);
        double err = fabs(fd - an[i]), scale = fabs(fd) > fabs(an[i]) ? fabs(fd) : fabs(an[i]);
        checked++;
        nonzero += fabs(an[i]) > 1e-6;
        if (err > 3e-4 + rtol * scale) {
            if (bad < 5)
                fprintf(stderr, "  %s: param %lld: analytic %.6g, numeric %.6g\n", label, (long long)i, an[i], fd);
            bad++;
        }
    }
    ZT_CHECK_MSG(bad == 0, "%s: %d of %d gradients differ from central differences", label, bad, checked);
    ZT_CHECK_MSG(nonzero > checked / 4, "%s: only %d of %d gradients are non-zero", label, nonzero, checked);
    zn_free(an);
    zn_ws_free(ws);
    zn_model_free(m);
}

static float *random_array(zn_rng *r, int64_t n, float lo, float hi) {
    float *a = zn_alloc((size_t)n * sizeof(float));
    zn_rng_fill_uniform(r, a, (size_t)n, lo, hi);
    return a;
}

static void test_dense_and_activations(void) {
    /* Smooth activations through two dense layers. */
    zn_nact smooth[] = {ZN_NACT_LINEAR,
                        ZN_NACT_FANN_SIGMOID,
                        ZN_NACT_FANN_SIGMOID_SYMMETRIC,
                        ZN_NACT_GAUSSIAN,
                        ZN_NACT_GAUSSIAN_SYMMETRIC,
                        ZN_NACT_ELLIOT,
                        ZN_NACT_ELLIOT_SYMMETRIC,
                        ZN_NACT_SIN_SYMMETRIC,
                        ZN_NACT_COS_SYMMETRIC,
                        ZN_NACT_SIN,
                        ZN_NACT_COS,
                        ZN_NACT_ELU,
                        ZN_NACT_GELU,
                        ZN_NACT_SILU,
                        ZN_NACT_SOFTPLUS,
                        ZN_NACT_TANH};
    zn_rng r;
    zn_rng_seed(&r, 3);
    float *x = random_array(&r, 5 * 4, -1, 1), *t = random_array(&r, 5 * 3, -0.5f, 0.5f);
    const float *inputs[2] = {x, t};
    for (size_t a = 0; a < sizeof smooth / sizeof smooth[0]; a++) {
        zn_graph *g = NULL;
        zn_graph_create(&g);
        zn_node *in = zn_input(g, "x", 4), *target = zn_input(g, "t", 3);
        zn_node *h = zn_activation(g, zn_dense(g, in, 6, "l1"), smooth[a], 0.7f);
        zn_node *y = zn_dense(g, h, 3, "l2");
        check_grads(zn_nact_name(smooth[a]), g, zn_mse(g, y, target), inputs, 5, 2e-2);
        zn_graph_free(g);
    }
    zn_free(x);
    zn_free(t);
}

static void test_elementwise_ops(void) {
    zn_rng r;
    zn_rng_seed(&r, 4);
    float *x = random_array(&r, 6 * 5, -1, 1), *t = random_array(&r, 6 * 7, -1, 1);
    const float *inputs[2] = {x, t};
    zn_graph *g = NULL;
    zn_graph_create(&g);
    zn_node *in = zn_input(g, "x", 5), *target = zn_input(g, "t", 7);
    zn_node *a = zn_dense(g, in, 4, "a"), *b = zn_dense(g, in, 4, "b");
    zn_node *sum = zn_add(g, a, b), *diff = zn_sub(g, a, b), *prod = zn_mul(g, sum, diff);
    zn_node *cat = zn_concat(g, zn_scale(g, prod, 0.5f), zn_activation(g, diff, ZN_NACT_TANH, 1.0f));
    zn_node *sl = zn_slice(g, cat, 1, 7);
    zn_node *y = zn_concat(g, sl, zn_slice(g, a, 0, 1));
    check_grads("add/sub/mul/scale/concat/slice", g, zn_mse(g, y, target), inputs, 6, 2e-2);
    zn_graph_free(g);
    zn_free(x);
    zn_free(t);
}

/* Each pass leaves every parameter's gradient whole, however the last pass
 * left the buffer: gradients poisoned with NaN before a second pass come
 * out as a fresh workspace's, bit for bit. W feeds two products (its
 * gradient is first written, then added to); `unused` reaches no loss (its
 * gradient is zero). Central differences check the shared W too. */
static void test_gradients_rewritten_each_pass(void) {
    zn_rng r;
    zn_rng_seed(&r, 9);
    float *x = random_array(&r, 6 * 4, -1, 1), *t = random_array(&r, 6 * 4, -0.5f, 0.5f);
    const float *inputs[2] = {x, t};
    zn_graph *g = NULL;
    zn_graph_create(&g);
    zn_node *in = zn_input(g, "x", 4), *target = zn_input(g, "t", 4);
    zn_node *w = zn_param(g, "w", 4, 4, ZN_INIT_XAVIER, 1.0f), *b = zn_param(g, "b", 4, 1, ZN_INIT_ZERO, 0.0f);
    zn_node *unused = zn_param(g, "unused", 4, 3, ZN_INIT_XAVIER, 1.0f);
    zn_node *h = zn_activation(g, zn_matmul(g, in, w, b), ZN_NACT_TANH, 1.0f);
    zn_node *y = zn_matmul(g, h, w, NULL);
    zn_node *side = zn_matmul(g, in, unused, NULL);
    zn_node *loss = zn_mse(g, y, target);
    check_grads("shared weight", g, loss, inputs, 6, 2e-2);

    zn_model *m = NULL;
    zn_ws *fresh = NULL, *reused = NULL;
    ZT_OK(zn_model_compile(g, &side, 1, loss, 7, &m));
    zn_ws_opts o = zn_ws_opts_default();
    o.max_batch = 6;
    o.mode = ZN_WS_TRAIN;
    ZT_OK(zn_ws_create(m, &o, &fresh));
    ZT_OK(zn_ws_create(m, &o, &reused));
    float loss_value = 0;
    int64_t n = 0;
    ZT_OK(zn_model_backward(m, reused, 6, inputs, &loss_value));
    float *poisoned = zn_ws_grads(reused, &n);
    for (int64_t i = 0; i < n; i++) poisoned[i] = NAN;
    ZT_OK(zn_model_backward(m, reused, 6, inputs, &loss_value));
    ZT_OK(zn_model_backward(m, fresh, 6, inputs, &loss_value));
    const float *want = zn_ws_grads(fresh, &n), *got = zn_ws_grads(reused, &n);
    ZT_CHECK(memcmp(want, got, (size_t)n * sizeof *got) == 0);
    int64_t np = 0, zeros = 0;
    zn_model_params(m, &np);
    for (int64_t i = 0; i < n; i++) zeros += got[i] == 0.0f;
    ZT_CHECK_MSG(zeros >= 12, "the unused parameter's 12 gradients should be zero (%lld zeros)", (long long)zeros);
    zn_ws_free(fresh);
    zn_ws_free(reused);
    zn_model_free(m);
    zn_graph_free(g);
    zn_free(x);
    zn_free(t);
}

static void test_losses(void) {
    zn_rng r;
    zn_rng_seed(&r, 5);
    float *x = random_array(&r, 8 * 3, -1, 1), *t = random_array(&r, 8 * 4, 0, 1);
    float *onehot = zn_calloc(8 * 4, sizeof(float));
    for (int i = 0; i < 8; i++) onehot[i * 4 + (int)zn_rng_below(&r, 4)] = 1.0f;
    for (int kind = 0; kind < 9; kind++) {
        zn_graph *g = NULL;
        zn_graph_create(&g);
        zn_node *in = zn_input(g, "x", 3), *target = zn_input(g, "t", 4);
        zn_node *y = zn_dense(g, zn_activation(g, zn_dense(g, in, 5, "h"), ZN_NACT_TANH, 1.0f), 4, "o");
        zn_node *loss = NULL;
        const char *name = "";
        switch (kind) {
        case 0: loss = zn_mse(g, y, target), name = "mse"; break;
        case 1: loss = zn_mae(g, y, target), name = "mae"; break;
        case 2: loss = zn_huber(g, y, target, 0.3f), name = "huber"; break;
        case 3: loss = zn_bce_logits(g, y, target), name = "bce_logits"; break;
        case 4: loss = zn_softmax_xent(g, y, target), name = "softmax_xent (soft)"; break;
        case 5: loss = zn_sse(g, y, target), name = "sse"; break;
        case 6: loss = zn_tanh_error(g, zn_activation(g, y, ZN_NACT_TANH, 1.0f), target), name = "tanh_error"; break;
        case 7:
            loss = zn_tanh_error_symmetric(g, zn_activation(g, y, ZN_NACT_TANH, 1.0f), target);
            name = "tanh_error_symmetric";
            break;
        default: loss = zn_mse(g, zn_softmax(g, y), target), name = "softmax+mse"; break;
        }
        const float *inputs[2] = {x, t};
        check_grads(name, g, loss, inputs, 8, kind == 1 ? 5e-2 : 2e-2);
        zn_graph_free(g);
    }
    zn_graph *g = NULL;
    zn_graph_create(&g);
    zn_node *in = zn_input(g, "x", 3), *target = zn_input(g, "t", 4);
    zn_node *y = zn_dense(g, in, 4, "o");
    const float *inputs[2] = {x, onehot};
    check_grads("softmax_xent (one-hot)", g, zn_softmax_xent(g, y, target), inputs, 8, 2e-2);
    zn_graph_free(g);
    zn_free(x);
    zn_free(t);
    zn_free(onehot);
}

static void test_masked_weights(void) {
    zn_rng r;
    zn_rng_seed(&r, 12);
    float *x = random_array(&r, 7 * 6, -1, 1), *t = random_array(&r, 7 * 2, -0.5f, 0.5f);
    const float *inputs[2] = {x, t};
    zn_graph *g = NULL;
    zn_graph_create(&g);
    zn_node *in = zn_input(g, "x", 6), *target = zn_input(g, "t", 2);
    zn_node *w = zn_param(g, "w", 6, 9, ZN_INIT_XAVIER, 1.0f), *b = zn_param(g, "b", 9, 1, ZN_INIT_UNIFORM, 0.1f);
    zn_node *mask = zn_const(g, "mask", 6, 9, ZN_INIT_SPARSE_MASK, 0.4f);
    zn_node *h = zn_activation(g, zn_matmul(g, in, zn_mul(g, w, mask), b), ZN_NACT_TANH, 1.0f);
    check_grads("masked (sparse) matmul", g, zn_mse(g, zn_dense(g, h, 2, "o"), target), inputs, 7, 2e-2);
    zn_graph_free(g);
    zn_free(x);
    zn_free(t);
}

static void test_loss_values(void) {
    /* Known values: softmax cross-entropy of equal logits is log(classes). */
    zn_graph *g = NULL;
    zn_graph_create(&g);
    zn_node *z = zn_input(g, "z", 4), *t = zn_input(g, "t", 4);
    zn_node *p = zn_param(g, "unused", 1, 1, ZN_INIT_ZERO, 0);
    (void)p;
    zn_node *loss = zn_softmax_xent(g, z, t);
    zn_model *m = NULL;
    ZT_OK(zn_model_compile(g, &z, 0, loss, 1, &m));
    zn_ws *ws = NULL;
    zn_ws_opts o = zn_ws_opts_default();
    o.mode = ZN_WS_TRAIN;
    o.max_batch = 2;
    ZT_OK(zn_ws_create(m, &o, &ws));
    float zv[8] = {1, 1, 1, 1, 1000, 0, 0, 0}, tv[8] = {1, 0, 0, 0, 1, 0, 0, 0};
    const float *in[2] = {zv, tv};
    float l = 0;
    ZT_OK(zn_model_loss(m, ws, 1, in, &l));
    ZT_NEAR(l, log(4.0), 1e-6);
    ZT_OK(zn_model_loss(m, ws, 2, in, &l)); /* the second row is right with huge confidence: ~0 */
    ZT_NEAR(l, log(4.0) / 2, 1e-6);
    zn_ws_free(ws);
    zn_model_free(m);
    zn_graph_free(g);
}

/* Values against FANN's formulas (written out here in double), derivatives
 * against central differences away from kinks. */
static void test_activation_formulas(void) {
    const double s = 0.6;
    for (double x = -4.0; x <= 4.0; x += 0.173) {
        double v = s * x;
        struct {
            zn_nact a;
            double want;
        } cases[] = {
            {ZN_NACT_LINEAR, v},
            {ZN_NACT_THRESHOLD, v < 0 ? 0 : 1},
            {ZN_NACT_THRESHOLD_SYMMETRIC, v < 0 ? -1 : 1},
            {ZN_NACT_FANN_SIGMOID, 1.0 / (1.0 + exp(-2.0 * v))},
            {ZN_NACT_FANN_SIGMOID_SYMMETRIC, 2.0 / (1.0 + exp(-2.0 * v)) - 1.0},
            {ZN_NACT_GAUSSIAN, exp(-v * v)},
            {ZN_NACT_GAUSSIAN_SYMMETRIC, 2.0 * exp(-v * v) - 1.0},
            {ZN_NACT_ELLIOT, (v / 2.0) / (1.0 + fabs(v)) + 0.5},
            {ZN_NACT_ELLIOT_SYMMETRIC, v / (1.0 + fabs(v))},
            {ZN_NACT_LINEAR_PIECE, v < 0 ? 0 : (v > 1 ? 1 : v)},
            {ZN_NACT_LINEAR_PIECE_SYMMETRIC, v < -1 ? -1 : (v > 1 ? 1 : v)},
            {ZN_NACT_SIN_SYMMETRIC, sin(v)},
            {ZN_NACT_COS_SYMMETRIC, cos(v)},
            {ZN_NACT_SIN, sin(v) / 2.0 + 0.5},
            {ZN_NACT_COS, cos(v) / 2.0 + 0.5},
            {ZN_NACT_LINEAR_PIECE_RECT, v < 0 ? 0 : v},
            {ZN_NACT_LINEAR_PIECE_RECT_LEAKY, v < 0 ? 0.01 * v : v},
            {ZN_NACT_RELU, v < 0 ? 0 : v},
            {ZN_NACT_ELU, v < 0 ? expm1(v) : v},
            {ZN_NACT_SILU, v / (1.0 + exp(-v))},
            {ZN_NACT_SOFTPLUS, log1p(exp(v))},
            {ZN_NACT_TANH, tanh(v)},
        };
        for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
            float got = zn_nact_value(cases[c].a, (float)s, (float)x);
            ZT_CHECK_MSG(fabs(got - cases[c].want) <= 2e-6 * (1 + fabs(cases[c].want)), "%s(%g) = %.8g, want %.8g",
                         zn_nact_name(cases[c].a), x, got, cases[c].want);
        }
    }
    /* The stepwise sigmoids pass through FANN's breakpoints and saturate; between
     * them FANN's six segments stay within 0.04 of the sigmoid. */
    ZT_NEAR(zn_nact_value(ZN_NACT_FANN_SIGMOID_STEPWISE, 1.0f, 0.0f), 0.5, 1e-6);
    ZT_NEAR(zn_nact_value(ZN_NACT_FANN_SIGMOID_STEPWISE, 1.0f, 1.47221934795379638672f), 0.95, 1e-6);
    ZT_NEAR(zn_nact_value(ZN_NACT_FANN_SIGMOID_STEPWISE, 1.0f, 10.0f), 1.0, 0);
    ZT_NEAR(zn_nact_value(ZN_NACT_FANN_SIGMOID_SYMMETRIC_STEPWISE, 1.0f, -0.549306154f), -0.5, 1e-6);
    ZT_NEAR(zn_nact_value(ZN_NACT_FANN_SIGMOID_SYMMETRIC_STEPWISE, 1.0f, -10.0f), -1.0, 0);
    for (double x = -2.9; x <= 2.9; x += 0.05)
        ZT_CHECK(fabs(zn_nact_value(ZN_NACT_FANN_SIGMOID_STEPWISE, 1.0f, (float)x) - 1.0 / (1.0 + exp(-2.0 * x))) <
                 0.04);
    ZT_NEAR(zn_nact_value(ZN_NACT_GAUSSIAN_STEPWISE, 1.0f, 0.0f), 1.0, 1e-6);
    for (double x = -4; x <= 4; x += 0.05)
        ZT_CHECK(fabs(zn_nact_value(ZN_NACT_GAUSSIAN_STEPWISE, 1.0f, (float)x) - exp(-x * x)) < 0.06);

    /* Derivatives: central differences, skipping points near kinks. */
    for (int a = 0; a < ZN_NACT_COUNT; a++) {
        for (double x = -3.0; x <= 3.0; x += 0.0731) {
            const float h = 1e-3f;
            float xf = (float)x;
            double kinks[] = {0,
                              1 / s,
                              -1 / s,
                              0.5 / s,
                              -0.5 / s,
                              1.5 / s,
                              -1.5 / s,
                              2 / s,
                              -2 / s,
                              3 / s,
                              -3 / s,
                              2.6466529 / s,
                              -2.6466529 / s,
                              1.4722193 / s,
                              -1.4722193 / s,
                              0.5493062 / s,
                              -0.5493062 / s};
            int near = 0;
            for (size_t k = 0; k < sizeof kinks / sizeof kinks[0]; k++) near |= fabs(x - kinks[k]) < 3 * h;
            if (near) continue;
            double fd =
                ((double)zn_nact_value((zn_nact)a, (float)s, xf + h) - zn_nact_value((zn_nact)a, (float)s, xf - h)) /
                (2.0 * h);
            float y = zn_nact_value((zn_nact)a, (float)s, xf);
            double d = zn_nact_derivative((zn_nact)a, (float)s, xf, y);
            ZT_CHECK_MSG(fabs(fd - d) <= 2e-3 + 1e-2 * fabs(d), "%s'(%g) = %.6g, numeric %.6g",
                         zn_nact_name((zn_nact)a), x, d, fd);
        }
    }
    ZT_CHECK(zn_nact_from_name("sigmoid_symmetric") == ZN_NACT_FANN_SIGMOID_SYMMETRIC);

    /* FANN's derivative formulas: clipped outputs keep saturated neurons learning. */
    float ys = zn_nact_value(ZN_NACT_FANN_SIGMOID_SYMMETRIC, 0.5f, 20.0f);
    ZT_NEAR(zn_nact_fann_derivative(ZN_NACT_FANN_SIGMOID_SYMMETRIC, 0.5f, 20.0f, ys), 0.5 * (1 - 0.98f * 0.98f), 1e-6);
    ZT_NEAR(zn_nact_fann_derivative(ZN_NACT_FANN_SIGMOID_SYMMETRIC, 0.5f, 0.3f, 0.5f), 0.5 * (1 - 0.25), 1e-6);
    float yl = zn_nact_value(ZN_NACT_FANN_SIGMOID, 0.5f, -30.0f);
    ZT_NEAR(zn_nact_fann_derivative(ZN_NACT_FANN_SIGMOID, 0.5f, -30.0f, yl), 2 * 0.5 * 0.01f * 0.99f, 1e-6);
    ZT_NEAR(zn_nact_fann_derivative(ZN_NACT_LINEAR_PIECE, 0.7f, 5.0f, 1.0f), 0.7, 1e-7); /* slope even when clamped */
    ZT_NEAR(zn_nact_fann_derivative(ZN_NACT_GAUSSIAN, 0.5f, 1.0f, zn_nact_value(ZN_NACT_GAUSSIAN, 0.5f, 1.0f)),
            -2.0 * 0.5 * exp(-0.25) * 0.25, 1e-6); /* FANN's sum carries the steepness once more */
    ZT_CHECK(zn_nact_fann_derivative(ZN_NACT_THRESHOLD, 1.0f, 0.3f, 1.0f) == 0.0f);
    ZT_NEAR(zn_nact_fann_derivative(ZN_NACT_TANH, 1.0f, 0.3f, tanhf(0.3f)), 1 - tanh(0.3) * tanh(0.3), 1e-6);
    ZT_CHECK(zn_nact_from_name("nope") == -1);
}

/* The FANN activation op's backward (a vector kernel for the sigmoids)
 * applies zn_nact_fann_derivative, clipping included: weights large enough
 * that most outputs pass +-0.98, where the clipped and the exact derivative
 * differ many times over. dW of mse(act(x W), t) against the formula. */
static void test_act_fann_backward_matches_formula(void) {
    const zn_nact acts[] = {ZN_NACT_FANN_SIGMOID_SYMMETRIC, ZN_NACT_FANN_SIGMOID, ZN_NACT_FANN_SIGMOID_STEPWISE,
                            ZN_NACT_GAUSSIAN, ZN_NACT_ELLIOT_SYMMETRIC};
    enum { B = 37, NI = 4, NO = 19 }; /* 37 x 19: a vector body and a tail */
    zn_rng r;
    zn_rng_seed(&r, 17);
    float *x = random_array(&r, B * NI, -8, 8), *t = random_array(&r, B * NO, -1, 1);
    for (size_t a = 0; a < sizeof acts / sizeof acts[0]; a++) {
        zn_graph *g = NULL;
        zn_graph_create(&g);
        zn_node *in = zn_input(g, "x", NI), *tgt = zn_input(g, "t", NO);
        zn_node *w = zn_param(g, "w", NI, NO, ZN_INIT_UNIFORM, 2.0f);
        zn_node *z = zn_matmul(g, in, w, NULL);
        zn_node *y = zn_activation_fann(g, z, acts[a], 0.5f);
        zn_node *loss = zn_mse(g, y, tgt);
        zn_model *m = NULL;
        zn_node *outs[2] = {y, z}; /* outputs stay readable after a training pass */
        ZT_OK(zn_model_compile(g, outs, 2, loss, 5, &m));
        zn_ws *ws = NULL;
        zn_ws_opts o = zn_ws_opts_default();
        o.mode = ZN_WS_TRAIN;
        o.max_batch = B;
        ZT_OK(zn_ws_create(m, &o, &ws));
        const float *inputs[2] = {x, t};
        float l;
        ZT_OK(zn_model_backward(m, ws, B, inputs, &l));
        int64_t ng = 0;
        const float *dw = zn_ws_grads(ws, &ng);
        const float *zv = zn_ws_node_value(ws, zn_node_index(z)), *yv = zn_ws_node_value(ws, zn_node_index(y));
        ZT_CHECK(zv && yv && ng >= NI * NO);
        int clipped = 0;
        for (int i = 0; i < NI && zv && yv; i++)
            for (int j = 0; j < NO; j++) {
                double want = 0;
                for (int b = 0; b < B; b++) {
                    const float dy = (float)(2.0 / (B * NO)) * (yv[b * NO + j] - t[b * NO + j]);
                    want += (double)x[b * NI + i] * dy *
                            zn_nact_fann_derivative(acts[a], 0.5f, zv[b * NO + j], yv[b * NO + j]);
                    clipped += i == 0 && fabs(yv[b * NO + j]) > 0.98f;
                }
                ZT_CHECK_MSG(fabs(dw[i * NO + j] - want) <= 1e-5 * (1e-3 + fabs(want)),
                             "%s: dW[%d][%d] %.7g, want %.7g", zn_nact_name(acts[a]), i, j, dw[i * NO + j], want);
            }
        if (acts[a] == ZN_NACT_FANN_SIGMOID_SYMMETRIC) ZT_CHECK(clipped > B * NO / 4);
        zn_ws_free(ws);
        zn_model_free(m);
        zn_graph_free(g);
    }
    zn_free(x);
    zn_free(t);
}

/* The vector-kernel paths of the act op agree with the scalar formulas. */
static void test_act_op_matches_formula(void) {
    zn_nact fast[] = {ZN_NACT_LINEAR, ZN_NACT_RELU,  ZN_NACT_FANN_SIGMOID, ZN_NACT_FANN_SIGMOID_SYMMETRIC,
                      ZN_NACT_TANH,   ZN_NACT_ELLIOT};
    zn_rng r;
    zn_rng_seed(&r, 8);
    float *x = random_array(&r, 33 * 3, -5, 5);
    for (size_t a = 0; a < sizeof fast / sizeof fast[0]; a++) {
        zn_graph *g = NULL;
        zn_graph_create(&g);
        zn_node *in = zn_input(g, "x", 3);
        zn_node *y = zn_activation(g, in, fast[a], 0.8f);
        zn_model *m = NULL;
        ZT_OK(zn_model_compile(g, &y, 1, NULL, 1, &m));
        zn_ws *ws = NULL;
        zn_ws_opts o = zn_ws_opts_default();
        o.max_batch = 33;
        ZT_OK(zn_ws_create(m, &o, &ws));
        float out[99];
        const float *in_ptr[1] = {x};
        float *out_ptr[1] = {out};
        ZT_OK(zn_model_forward(m, ws, 33, in_ptr, out_ptr));
        for (int i = 0; i < 99; i++) {
            double want = zn_nact_value(fast[a], 0.8f, x[i]);
            ZT_CHECK_MSG(fabs(out[i] - want) <= 1e-6 * (1 + fabs(want)), "%s: %g vs %g", zn_nact_name(fast[a]), out[i],
                         want);
        }
        zn_ws_free(ws);
        zn_model_free(m);
        zn_graph_free(g);
    }
    zn_free(x);
}

/* A deeper network, checked whole; and the same gradients on 1 and 2 threads. */
static void test_network_and_threads(void) {
    zn_rng r;
    zn_rng_seed(&r, 9);
    const int64_t batch = 37;
    float *x = random_array(&r, batch * 20, -1, 1), *t = zn_calloc(batch * 5, sizeof(float));
    for (int i = 0; i < batch; i++) t[i * 5 + (int)zn_rng_below(&r, 5)] = 1.0f;
    const float *inputs[2] = {x, t};
    zn_graph *g = NULL;
    zn_graph_create(&g);
    zn_node *in = zn_input(g, "x", 20), *target = zn_input(g, "label", 5);
    zn_node *h1 = zn_activation(g, zn_dense(g, in, 64, "fc1"), ZN_NACT_FANN_SIGMOID_SYMMETRIC, 0.5f);
    zn_node *h2 = zn_activation(g, zn_dense(g, h1, 48, "fc2"), ZN_NACT_GELU, 1.0f);
    zn_node *shortcut = zn_concat(g, h2, in); /* FANN-style shortcut to the output */
    zn_node *logits = zn_dense(g, shortcut, 5, "out");
    zn_node *loss = zn_softmax_xent(g, logits, target);
    check_grads("mlp 20-64-48-5 with shortcut", g, loss, inputs, batch, 2e-2);

    zn_model *m = NULL;
    zn_node *prob = zn_softmax(g, logits);
    ZT_OK(zn_model_compile(g, &prob, 1, loss, 42, &m));
    zn_pool *p1 = NULL, *p2 = NULL;
    ZT_OK(zn_pool_create(1, &p1));
    ZT_OK(zn_pool_create(2, &p2));
    zn_ws *w1 = NULL, *w2 = NULL, *wi = NULL;
    zn_ws_opts o = zn_ws_opts_default();
    o.max_batch = batch;
    o.mode = ZN_WS_TRAIN;
    o.pool = p1;
    ZT_OK(zn_ws_create(m, &o, &w1));
    o.pool = p2;
    ZT_OK(zn_ws_create(m, &o, &w2));
    o.mode = ZN_WS_INFER;
    ZT_OK(zn_ws_create(m, &o, &wi));
    ZT_CHECK(zn_ws_bytes(wi) < zn_ws_bytes(w2)); /* inference reuses buffers and keeps no gradients */
    float l1, l2;
    ZT_OK(zn_model_backward(m, w1, batch, inputs, &l1));
    ZT_OK(zn_model_backward(m, w2, batch, inputs, &l2));
    int64_t n1, n2;
    const float *g1 = zn_ws_grads(w1, &n1), *g2 = zn_ws_grads(w2, &n2);
    ZT_CHECK(l1 == l2 && n1 == n2 && memcmp(g1, g2, (size_t)n1 * sizeof(float)) == 0);
    /* Inference gives the probabilities that training's forward pass saw. */
    float probs[37 * 5], probs2[37 * 5];
    float *outs[1] = {probs}, *outs2[1] = {probs2};
    ZT_OK(zn_model_forward(m, wi, batch, inputs, outs));
    ZT_OK(zn_model_forward(m, w1, batch, inputs, outs2));
    ZT_CHECK(memcmp(probs, probs2, sizeof probs) == 0);
    for (int i = 0; i < batch; i++) {
        float s = 0;
        for (int j = 0; j < 5; j++) s += probs[i * 5 + j];
        ZT_NEAR(s, 1.0, 1e-5);
    }
    /* A smaller batch in the same workspace. */
    ZT_OK(zn_model_forward(m, wi, 3, inputs, outs));
    ZT_CHECK(memcmp(probs, probs2, 3 * 5 * sizeof(float)) == 0);
    zn_ws_free(w1);
    zn_ws_free(w2);
    zn_ws_free(wi);
    zn_pool_free(p1);
    zn_pool_free(p2);
    zn_model_free(m);
    zn_graph_free(g);
    zn_free(x);
    zn_free(t);
}

static void test_dropout(void) {
    zn_graph *g = NULL;
    zn_graph_create(&g);
    zn_node *in = zn_input(g, "x", 1000), *t = zn_input(g, "t", 1000);
    zn_node *w = zn_param(g, "w", 1000, 1000, ZN_INIT_ZERO, 0);
    (void)w;
    zn_node *d = zn_dropout(g, in, 0.25f);
    zn_model *m = NULL;
    ZT_OK(zn_model_compile(g, &d, 1, zn_mse(g, d, t), 1, &m));
    zn_ws *ws = NULL, *wi = NULL;
    zn_ws_opts o = zn_ws_opts_default();
    o.mode = ZN_WS_TRAIN;
    o.max_batch = 2;
    ZT_OK(zn_ws_create(m, &o, &ws));
    o.mode = ZN_WS_INFER;
    ZT_OK(zn_ws_create(m, &o, &wi));
    float *x = zn_alloc(2000 * sizeof(float)), *tv = zn_calloc(2000, sizeof(float)), *y = zn_alloc(8000);
    for (int i = 0; i < 2000; i++) x[i] = 1.0f;
    const float *inputs[2] = {x, tv};
    float *outs[1] = {y};
    float loss;
    ZT_OK(zn_model_backward(m, ws, 2, inputs, &loss));
    const float *kept = zn_ws_node_value(ws, zn_node_index(d));
    ZT_CHECK(kept != NULL);
    int zeros = 0;
    for (int i = 0; kept && i < 2000; i++) {
        ZT_CHECK(kept[i] == 0.0f || fabsf(kept[i] - 1.0f / 0.75f) < 1e-6f);
        zeros += kept[i] == 0.0f;
    }
    ZT_CHECK(zeros > 400 && zeros < 600);            /* 25% of 2000, about 19 sd wide */
    ZT_OK(zn_model_forward(m, wi, 2, inputs, outs)); /* inference: identity */
    for (int i = 0; i < 2000; i++) ZT_CHECK(y[i] == 1.0f);
    zn_free(x);
    zn_free(tv);
    zn_free(y);
    zn_ws_free(ws);
    zn_ws_free(wi);
    zn_model_free(m);
    zn_graph_free(g);
}

static void test_bad_graphs(void) {
    zn_graph *g = NULL, *other = NULL;
    ZT_OK(zn_graph_create(&g));
    ZT_OK(zn_graph_create(&other));
    zn_node *x = zn_input(g, "x", 4);
    zn_node *foreign = zn_input(other, "y", 4);
    ZT_CHECK(zn_input(g, "x", 3) == NULL); /* a name used twice */
    ZT_STATUS(zn_graph_status(g), ZN_ERR_INVALID_ARG);
    ZT_CHECK(strstr(zn_last_error(), "'x' is taken") != NULL);
    /* The first error sticks; later builders return NULL quietly. */
    ZT_CHECK(zn_dense(g, x, 3, "d") == NULL);
    zn_graph_free(g);

    ZT_OK(zn_graph_create(&g));
    x = zn_input(g, "x", 4);
    ZT_CHECK(zn_add(g, x, foreign) == NULL);
    ZT_CHECK(strstr(zn_last_error(), "another graph") != NULL);
    zn_graph_free(g);

    struct {
        const char *what;
        int code;
    } cases[] = {{"shape mismatch in add", ZN_ERR_SHAPE}, {"negative units", ZN_ERR_INVALID_ARG},
                 {"slice out of range", ZN_ERR_SHAPE},    {"bad activation", ZN_ERR_INVALID_ARG},
                 {"dropout rate 1", ZN_ERR_INVALID_ARG},  {"loss shapes differ", ZN_ERR_SHAPE},
                 {"NULL input", ZN_ERR_INVALID_ARG},      {"zero features", ZN_ERR_INVALID_ARG}};
    for (int c = 0; c < 8; c++) {
        ZT_OK(zn_graph_create(&g));
        x = zn_input(g, "x", 4);
        zn_node *r = NULL;
        switch (c) {
        case 0: r = zn_add(g, x, zn_dense(g, x, 3, "d")); break;
        case 1: r = zn_dense(g, x, -1, "d"); break;
        case 2: r = zn_slice(g, x, 2, 5); break;
        case 3: r = zn_activation(g, x, (zn_nact)99, 1.0f); break;
        case 4: r = zn_dropout(g, x, 1.0f); break;
        case 5: r = zn_mse(g, x, zn_input(g, "t", 2)); break;
        case 6: r = zn_activation(g, NULL, ZN_NACT_RELU, 1.0f); break;
        default: r = zn_input(g, "z", 0); break;
        }
        ZT_CHECK_MSG(r == NULL, "%s accepted", cases[c].what);
        ZT_STATUS(zn_graph_status(g), (zn_status)cases[c].code);
        zn_model *m = NULL;
        ZT_STATUS(zn_model_compile(g, &x, 1, NULL, 1, &m), (zn_status)cases[c].code);
        ZT_CHECK(m == NULL);
        zn_graph_free(g);
    }

    /* Compile and workspace errors. */
    ZT_OK(zn_graph_create(&g));
    x = zn_input(g, "x", 4);
    zn_node *y = zn_dense(g, x, 2, "d");
    zn_model *m = NULL;
    ZT_ERR(zn_model_compile(g, NULL, 0, NULL, 1, &m), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_model_compile(g, &foreign, 1, NULL, 1, &m), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_model_compile(g, &y, 1, y, 1, &m), ZN_ERR_INVALID_ARG); /* not a loss */
    ZT_OK(zn_model_compile(g, &y, 1, NULL, 1, &m));
    zn_ws *ws = NULL;
    zn_ws_opts o = zn_ws_opts_default();
    o.mode = ZN_WS_TRAIN;
    ZT_ERR(zn_ws_create(m, &o, &ws), ZN_ERR_INVALID_ARG); /* no loss to train */
    o.mode = ZN_WS_INFER;
    o.max_batch = 0;
    ZT_ERR(zn_ws_create(m, &o, &ws), ZN_ERR_INVALID_ARG);
    o.max_batch = 1000;
    o.budget_bytes = 1000;
    ZT_ERR(zn_ws_create(m, &o, &ws), ZN_ERR_BUDGET);
    o.budget_bytes = 0;
    ZT_OK(zn_ws_create(m, &o, &ws));
    float in[4] = {0}, out[2];
    const float *ins[1] = {in};
    float *outs[1] = {out};
    ZT_ERR(zn_model_forward(m, ws, 1001, ins, outs), ZN_ERR_INVALID_ARG);
    const float *none[1] = {NULL};
    ZT_ERR(zn_model_forward(m, ws, 1, none, outs), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_model_backward(m, ws, 1, ins, NULL), ZN_ERR_INVALID_ARG);
    ZT_OK(zn_model_forward(m, ws, 1, ins, outs));
    zn_ws_free(ws);
    zn_model_free(m);
    zn_graph_free(g);
    zn_graph_free(other);
}

int main(void) {
    ZT_RUN(test_activation_formulas);
    ZT_RUN(test_act_op_matches_formula);
    ZT_RUN(test_act_fann_backward_matches_formula);
    ZT_RUN(test_dense_and_activations);
    ZT_RUN(test_elementwise_ops);
    ZT_RUN(test_losses);
    ZT_RUN(test_gradients_rewritten_each_pass);
    ZT_RUN(test_masked_weights);
    ZT_RUN(test_loss_values);
    ZT_RUN(test_network_and_threads);
    ZT_RUN(test_dropout);
    ZT_RUN(test_bad_graphs);
    return zt_finish();
}
