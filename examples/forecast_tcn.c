/* Forecast ETTh1's oil temperature (hourly) 24 hours ahead from the last
 * 96 with a small TCN, and check it beats the seasonal-naive forecast (the
 * value 24 hours earlier) on the held-out last four months. Exits non-zero
 * if it does not. Protocol and figures: docs/SEQUENCES.md.
 *
 *   example_forecast_tcn [data/etth1_ot.csv] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zenn/zenn.h"

enum {
    WINDOW = 96,       /* hours the model sees */
    HORIZON = 24,      /* hours it forecasts */
    SEASON = 24,       /* the naive forecast's period */
    TEST_HOURS = 2880, /* the held-out tail: the last 120 days */
    CHANNELS = 12,     /* per TCN block */
    BATCH = 32,
    STEPS = 500,      /* Adam steps */
    TEST_STRIDE = 24, /* rolling test windows, one a day */
};

/* The OT column of "date,OT" lines; returns the count (0 on error). */
static long read_series(const char *path, float **out) {
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    long n = 0, cap = 1 << 15;
    float *v = malloc((size_t)cap * sizeof *v);
    char line[256];
    while (v && fgets(line, sizeof line, f)) {
        const char *comma = strchr(line, ',');
        char *end;
        if (!comma) continue;
        const double x = strtod(comma + 1, &end);
        if (end == comma + 1) continue; /* the header */
        if (n == cap) {
            float *w = realloc(v, (size_t)(cap *= 2) * sizeof *v);
            if (!w) break;
            v = w;
        }
        v[n++] = (float)x;
    }
    fclose(f);
    *out = v;
    return v ? n : 0;
}

/* x: WINDOW normalised values before t; y: the HORIZON normalised values from t. */
static void window_at(const float *z, long t, float *x, float *y) {
    memcpy(x, z + t - WINDOW, WINDOW * sizeof(float));
    if (y) memcpy(y, z + t, HORIZON * sizeof(float));
}

static int fail(const char *what) {
    fprintf(stderr, "forecast_tcn: %s: %s\n", what, zn_last_error());
    return 2;
}

int main(int argc, char **argv) {
#ifdef ZN_SOURCE_DIR
    const char *path = argc > 1 ? argv[1] : ZN_SOURCE_DIR "/data/etth1_ot.csv";
#else
    const char *path = argc > 1 ? argv[1] : "data/etth1_ot.csv";
#endif
    float *raw = NULL;
    const long n = read_series(path, &raw);
    if (n < TEST_HOURS + 4 * WINDOW) {
        fprintf(stderr, "forecast_tcn: cannot read enough of %s (%ld values)\n", path, n);
        free(raw);
        return 2;
    }
    /* train on everything before the tail; normalise with the training part's statistics */
    const long test_start = n - TEST_HOURS;
    double mean = 0, var = 0;
    for (long i = 0; i < test_start; i++) mean += raw[i];
    mean /= (double)test_start;
    for (long i = 0; i < test_start; i++) var += (raw[i] - mean) * (raw[i] - mean);
    const double sd = sqrt(var / (double)test_start);
    float *z = malloc((size_t)n * sizeof *z);
    for (long i = 0; i < n; i++) z[i] = (float)((raw[i] - mean) / sd);

    /* x [B, 96, 1] -> TCN (4 blocks, dilations 1..8, kernel 3) -> last step -> 24 values + the last input */
    zn_graph *g = NULL;
    zn_graph_create(&g);
    zn_node *x = zn_input_seq(g, "x", WINDOW, 1);
    zn_tcn_spec spec = zn_tcn_spec_default();
    spec.n_blocks = 4;
    for (int i = 0; i < spec.n_blocks; i++) spec.channels[i] = CHANNELS;
    spec.kernel = 3;
    zn_node *h = zn_tcn(g, x, &spec, "tcn");
    const int64_t flat_dims[1] = {CHANNELS}, one[1] = {1};
    zn_node *last = zn_reshape(g, zn_slice_axis(g, h, 0, WINDOW - 1, WINDOW), 1, flat_dims);
    zn_node *x_last = zn_reshape(g, zn_slice_axis(g, x, 0, WINDOW - 1, WINDOW), 1, one);
    zn_node *pred = zn_add(g, zn_dense(g, last, HORIZON, "head"), x_last);
    zn_node *loss = zn_mae(g, pred, zn_input(g, "y", HORIZON));
    zn_model *m = NULL;
    zn_status s = zn_model_compile(g, &pred, 1, loss, 2024, &m);
    zn_graph_free(g);
    if (s != ZN_OK) return fail("compile");

    zn_ws *ws = NULL, *ws_eval = NULL;
    zn_ws_opts o = zn_ws_opts_default();
    o.max_batch = BATCH;
    o.mode = ZN_WS_TRAIN;
    if ((s = zn_ws_create(m, &o, &ws)) != ZN_OK) return fail("workspace");
    o.mode = ZN_WS_INFER;
    if ((s = zn_ws_create(m, &o, &ws_eval)) != ZN_OK) return fail("workspace");
    int64_t np = 0, ng = 0;
    float *params = zn_model_params(m, &np);
    zn_optim_config oc = zn_optim_config_default(ZN_ALGO_ADAM);
    oc.lr = 3e-3f;
    zn_optim *opt = NULL;
    if ((s = zn_optim_create(&oc, np, 1, &opt)) != ZN_OK) return fail("optimizer");

    /* training: random windows (fixed seed) whose targets end before the tail */
    static float xb[BATCH * WINDOW], yb[BATCH * HORIZON];
    zn_rng r;
    zn_rng_seed(&r, 7);
    const long lo = WINDOW, hi = test_start - HORIZON; /* window starts t in [lo, hi] */
    const void *in[2] = {xb, yb};
    zn_feed feed = {BATCH, 0, in};
    float l = 0, recent = 0;
    for (int step = 0; step < STEPS; step++) {
        if (step == STEPS * 3 / 4) zn_optim_set_lr(opt, oc.lr / 3);
        for (int b = 0; b < BATCH; b++) {
            const long t = lo + (long)(zn_rng_next(&r) % (uint64_t)(hi - lo + 1));
            window_at(z, t, xb + b * WINDOW, yb + b * HORIZON);
        }
        if ((s = zn_model_run_backward(m, ws, &feed, &l)) != ZN_OK) return fail("backward");
        if ((s = zn_optim_step(opt, params, zn_ws_grads(ws, &ng), np, BATCH, l)) != ZN_OK) return fail("step");
        recent = step < STEPS - 50 ? 0 : recent + l / 50;
    }

    /* test: rolling windows over the tail (one a day), forecasts in the original units */
    double mae_model = 0, mae_naive = 0, mae_last = 0;
    long count = 0;
    static float out[BATCH * HORIZON];
    float *outs[1] = {out};
    const void *ein[2] = {xb, NULL};
    for (long t0 = test_start; t0 + HORIZON <= n; t0 += BATCH * TEST_STRIDE) {
        int nb = 0;
        for (long t = t0; nb < BATCH && t + HORIZON <= n; t += TEST_STRIDE) window_at(z, t, xb + nb++ * WINDOW, NULL);
        zn_feed ef = {nb, 0, ein};
        if ((s = zn_model_run(m, ws_eval, &ef, outs)) != ZN_OK) return fail("forecast");
        for (int b = 0; b < nb; b++)
            for (int k = 0; k < HORIZON; k++) {
                const long at = t0 + b * TEST_STRIDE + k;
                mae_model += fabs(out[b * HORIZON + k] * sd + mean - raw[at]);
                mae_naive += fabs(raw[at - SEASON] - raw[at]); /* HORIZON <= SEASON: an observed value */
                mae_last += fabs(raw[t0 + b * TEST_STRIDE - 1] - raw[at]);
                count++;
            }
    }
    mae_model /= (double)count;
    mae_naive /= (double)count;
    mae_last /= (double)count;
    printf("ETTh1 OT, %d h ahead from %d h, %ld test forecasts over the last %d h\n", HORIZON, WINDOW, count / HORIZON,
           TEST_HOURS);
    printf("%lld parameters; train MAE (normalised, last 50 steps) %.4f\n", (long long)np, recent);
    printf("TCN MAE %.4f, seasonal-naive MAE %.4f (ratio %.3f); last value repeated: MAE %.4f\n", mae_model, mae_naive,
           mae_model / mae_naive, mae_last);
    zn_optim_free(opt);
    zn_ws_free(ws);
    zn_ws_free(ws_eval);
    zn_model_free(m);
    free(z);
    free(raw);
    if (!(mae_model < mae_naive)) {
        fprintf(stderr, "forecast_tcn: the TCN does not beat the seasonal-naive forecast\n");
        return 1;
    }
    return 0;
}
