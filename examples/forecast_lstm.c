/* Forecast the next 24 hours of ETTh1's oil temperature from the last 96
 * with a small LSTM, and check that it beats the seasonal-naive forecast
 * (each hour's value a day earlier) on the held-out tail. Exits 1 if not.
 *
 *   example_forecast_lstm [CSV]   (default: the source tree's data/etth1_ot.csv)
 *
 * Protocol (docs/SEQUENCES.md): the last 120 days are the test tail; the
 * model trains on windows that end before it, with the training part's
 * mean and standard deviation; test windows start every 24 hours inside
 * the tail (their inputs may reach back before it); MAE in degrees. Fixed
 * seeds: the same numbers on every run and thread count. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zenn/zenn.h"

#ifndef ZN_SOURCE_DIR
#define ZN_SOURCE_DIR "."
#endif

enum { IN = 96, OUT = 24, HIDDEN = 32, BATCH = 32, STEPS = 800, TEST_HOURS = 120 * 24 };

static int read_series(const char *path, float **out, int64_t *n) {
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    char line[256];
    int64_t cap = 1 << 15, len = 0;
    float *v = malloc((size_t)cap * sizeof *v);
    if (!v || !fgets(line, sizeof line, f) || strncmp(line, "date,OT", 7) != 0) {
        free(v);
        fclose(f);
        return 0;
    }
    while (fgets(line, sizeof line, f)) {
        const char *comma = strchr(line, ',');
        if (!comma) continue;
        if (len == cap) {
            float *w = realloc(v, (size_t)(cap *= 2) * sizeof *v);
            if (!w) break;
            v = w;
        }
        v[len++] = strtof(comma + 1, NULL);
    }
    fclose(f);
    *out = v;
    *n = len;
    return len > IN + OUT + TEST_HOURS;
}

static int fail(zn_status s) {
    fprintf(stderr, "forecast_lstm: %s: %s\n", zn_status_str(s), zn_last_error());
    return 1;
}

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : ZN_SOURCE_DIR "/data/etth1_ot.csv";
    float *series = NULL;
    int64_t n = 0;
    if (!read_series(path, &series, &n)) {
        fprintf(stderr, "forecast_lstm: cannot read %s (a CSV with header date,OT)\n", path);
        free(series);
        return 1;
    }
    const int64_t train_end = n - TEST_HOURS; /* training windows end at or before this */
    double mean = 0, var = 0;
    for (int64_t i = 0; i < train_end; i++) mean += series[i];
    mean /= (double)train_end;
    for (int64_t i = 0; i < train_end; i++) var += (series[i] - mean) * (series[i] - mean);
    const float mu = (float)mean, sd = (float)sqrt(var / (double)train_end);
    float *z = malloc((size_t)n * sizeof *z);
    for (int64_t i = 0; z && i < n; i++) z[i] = (series[i] - mu) / sd;

    /* x [B, 96, 1] -> LSTM(32) -> h_n [B, 1, 32] -> dense 24 */
    zn_graph *g = NULL;
    zn_status s = zn_graph_create(&g);
    if (s != ZN_OK || !z) return fail(s);
    zn_node *x = zn_input_seq(g, "x", IN, 1);
    zn_rnn_spec spec = zn_rnn_spec_default(HIDDEN);
    zn_node *h_n = NULL;
    zn_lstm(g, x, &spec, "lstm", NULL, NULL, &h_n, NULL);
    const int64_t flat[1] = {HIDDEN};
    zn_node *pred = zn_dense(g, zn_reshape(g, h_n, 1, flat), OUT, "head");
    zn_node *loss = zn_mse(g, pred, zn_input(g, "target", OUT));
    zn_model *m = NULL;
    s = zn_model_compile(g, &pred, 1, loss, 2024, &m);
    zn_graph_free(g);
    if (s != ZN_OK) return fail(s);

    zn_ws *tw = NULL, *iw = NULL;
    zn_ws_opts o = zn_ws_opts_default();
    o.max_batch = BATCH;
    o.mode = ZN_WS_TRAIN;
    if ((s = zn_ws_create(m, &o, &tw)) != ZN_OK) return fail(s);
    o.mode = ZN_WS_INFER;
    if ((s = zn_ws_create(m, &o, &iw)) != ZN_OK) return fail(s);
    int64_t np = 0;
    float *params = zn_model_params(m, &np);
    zn_optim_config oc = zn_optim_config_default(ZN_ALGO_ADAM);
    oc.lr = 3e-3f;
    oc.clip_norm = 1.0f;
    zn_optim *opt = NULL;
    if ((s = zn_optim_create(&oc, np, 1, &opt)) != ZN_OK) return fail(s);

    /* Adam on random training windows; the rate falls to a tenth at the end */
    static float xb[BATCH * IN], tb[BATCH * OUT], pb[BATCH * OUT];
    zn_rng rng;
    zn_rng_seed(&rng, 7);
    const int64_t starts = train_end - IN - OUT + 1;
    float last = 0;
    for (int step = 0; step < STEPS; step++) {
        for (int b = 0; b < BATCH; b++) {
            const int64_t t0 = (int64_t)zn_rng_below(&rng, (uint64_t)starts);
            memcpy(xb + b * IN, z + t0, sizeof(float) * IN);
            memcpy(tb + b * OUT, z + t0 + IN, sizeof(float) * OUT);
        }
        const void *in[2] = {xb, tb};
        zn_feed feed = {BATCH, 0, in};
        if ((s = zn_model_run_backward(m, tw, &feed, &last)) != ZN_OK) return fail(s);
        int64_t ng = 0;
        float *grads = zn_ws_grads(tw, &ng);
        zn_optim_set_lr(opt, oc.lr * (1.0f - 0.9f * (float)step / STEPS));
        if ((s = zn_optim_step(opt, params, grads, np, BATCH, last)) != ZN_OK) return fail(s);
    }

    /* rolling windows over the tail, every 24 hours */
    double mae_model = 0, mae_naive = 0;
    int64_t count = 0;
    for (int64_t t0 = train_end; t0 + OUT <= n;) {
        int b = 0;
        int64_t first = t0;
        for (; b < BATCH && t0 + OUT <= n; b++, t0 += OUT) memcpy(xb + b * IN, z + t0 - IN, sizeof(float) * IN);
        const void *in[2] = {xb, NULL};
        zn_feed feed = {b, 0, in};
        float *outs[1] = {pb};
        if ((s = zn_model_run(m, iw, &feed, outs)) != ZN_OK) return fail(s);
        for (int k = 0; k < b; k++)
            for (int h = 0; h < OUT; h++) {
                const int64_t at = first + (int64_t)k * OUT + h;
                mae_model += fabs((double)(pb[k * OUT + h] * sd + mu) - series[at]);
                mae_naive += fabs((double)series[at - 24] - series[at]);
                count++;
            }
    }
    mae_model /= (double)count;
    mae_naive /= (double)count;
    printf("ETTh1 OT, 96 h -> 24 h, %lld test hours: LSTM(%d) MAE %.4f, seasonal-naive MAE %.4f (last training "
           "loss %.4f)\n",
           (long long)count, HIDDEN, mae_model, mae_naive, last);
    zn_optim_free(opt);
    zn_ws_free(tw);
    zn_ws_free(iw);
    zn_model_free(m);
    free(z);
    free(series);
    return mae_model < mae_naive ? 0 : 1;
}
