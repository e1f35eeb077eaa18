/* The experiment behind docs/DEFAULTS.md: each dataset split 80/20 (seeded),
 * trained with the old `zenn train` defaults for CSV data (one relu layer,
 * Adam 1e-3, 30 epochs, batch 32, inputs standardised, targets not) and with
 * zn_train_auto_config; test accuracy, or test MSE in the targets' units
 * beside ordinary least squares (normal equations) and the mean.
 *
 *   auto_defaults [DATA_DIR] [NAME...]   (DATA_DIR: /work/shared/data)
 *
 * Not part of CI: a full run takes a few minutes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zenn/zenn.h"

typedef struct set {
    const char *name, *file; /* under DATA_DIR */
    float target_mul;        /* regression targets times this (raw units) */
    int64_t max_rows;        /* > 0: a random subset of this size (small-set stand-ins) */
} set;

static const set sets[] = {
    {"breast_cancer", "sklearn/breast_cancer.csv", 1, 0},
    {"breast_cancer 178 rows", "sklearn/breast_cancer.csv", 1, 178},
    {"digits", "sklearn/digits.csv", 1, 0},
    {"digits 300 rows", "sklearn/digits.csv", 1, 300},
    {"pima (fann diabetes)", "fann/diabetes.train", 1, 0},
    {"mushroom", "fann/mushroom.train", 1, 0},
    {"abalone (rings)", "fann/abelone.train", 28, 0},
    {"abalone 442 rows", "fann/abelone.train", 28, 442},
    {"building", "fann/building.train", 1, 0},
    {"building 442 rows", "fann/building.train", 1, 442},
    {"robot", "fann/robot.train", 1, 0},
};

static int load(const char *dir, const set *s, zn_dataset **out) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, s->file);
    size_t n = strlen(path);
    zn_status st = n > 4 && !strcmp(path + n - 4, ".csv") ? zn_dataset_load_csv(path, NULL, out)
                                                          : zn_dataset_load_fann(path, NULL, out);
    if (st != ZN_OK) {
        fprintf(stderr, "%s: %s\n", path, zn_last_error());
        return 0;
    }
    if (s->max_rows > 0 && s->max_rows < (*out)->rows) {
        zn_rng rng;
        zn_rng_seed(&rng, 7);
        zn_dataset *sub = NULL, *rest = NULL;
        zn_dataset_shuffle(*out, &rng);
        zn_dataset_split(*out, (double)s->max_rows / (double)(*out)->rows, &sub, &rest);
        zn_dataset_free(*out);
        zn_dataset_free(rest);
        *out = sub;
    }
    if (s->target_mul != 1)
        for (int64_t i = 0; i < (*out)->rows * (*out)->n_out; i++) (*out)->y[i] *= s->target_mul;
    return 1;
}

/* Solves A x = b (n x n, symmetric positive definite) by Cholesky, in place. */
static int cholesky_solve(double *a, double *b, int n) {
    for (int j = 0; j < n; j++) {
        double d = a[j * n + j];
        for (int k = 0; k < j; k++) d -= a[j * n + k] * a[j * n + k];
        if (d <= 0) return 0;
        a[j * n + j] = sqrt(d);
        for (int i = j + 1; i < n; i++) {
            double v = a[i * n + j];
            for (int k = 0; k < j; k++) v -= a[i * n + k] * a[j * n + k];
            a[i * n + j] = v / a[j * n + j];
        }
    }
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < i; k++) b[i] -= a[i * n + k] * b[k];
        b[i] /= a[i * n + i];
    }
    for (int i = n - 1; i >= 0; i--) {
        for (int k = i + 1; k < n; k++) b[i] -= a[k * n + i] * b[k];
        b[i] /= a[i * n + i];
    }
    return 1;
}

/* Test MSE of least squares with an intercept, fitted on train (a 1e-9
 * relative ridge keeps constant columns solvable). */
static double ols_mse(const zn_dataset *tr, const zn_dataset *te) {
    const int p = (int)tr->n_in + 1;
    double *a = calloc((size_t)p * p, sizeof(double)), *b = calloc((size_t)p, sizeof(double));
    double se = 0;
    for (int64_t o = 0; o < tr->n_out; o++) {
        memset(a, 0, (size_t)p * p * sizeof(double));
        memset(b, 0, (size_t)p * sizeof(double));
        for (int64_t r = 0; r < tr->rows; r++) {
            const float *x = tr->x + r * tr->n_in;
            double y = tr->y[r * tr->n_out + o];
            for (int i = 0; i < p; i++) {
                double xi = i ? x[i - 1] : 1.0;
                b[i] += xi * y;
                for (int j = 0; j <= i; j++) a[i * p + j] += xi * (j ? x[j - 1] : 1.0);
            }
        }
        for (int i = 0; i < p; i++) {
            for (int j = 0; j < i; j++) a[j * p + i] = a[i * p + j];
            a[i * p + i] += 1e-9 * (a[i * p + i] + 1.0);
        }
        if (!cholesky_solve(a, b, p)) return NAN;
        for (int64_t r = 0; r < te->rows; r++) {
            const float *x = te->x + r * te->n_in;
            double pred = b[0];
            for (int i = 1; i < p; i++) pred += b[i] * x[i - 1];
            double d = pred - te->y[r * te->n_out + o];
            se += d * d;
        }
    }
    free(a);
    free(b);
    return se / (double)(te->rows * te->n_out);
}

static double mean_mse(const zn_dataset *tr, const zn_dataset *te) {
    double se = 0;
    for (int64_t o = 0; o < tr->n_out; o++) {
        double m = 0;
        for (int64_t r = 0; r < tr->rows; r++) m += tr->y[r * tr->n_out + o];
        m /= (double)tr->rows;
        for (int64_t r = 0; r < te->rows; r++) se += pow(te->y[r * te->n_out + o] - m, 2);
    }
    return se / (double)(te->rows * te->n_out);
}

/* Accuracy (classes) or MSE (regression) of m on the raw test rows. */
static double score(const zn_mlp *m, const zn_dataset *te, int classes) {
    float *pred = malloc((size_t)(te->rows * te->n_out) * sizeof(float));
    zn_ws_opts o = zn_ws_opts_default();
    o.max_batch = te->rows;
    zn_ws *ws = NULL;
    double r = NAN;
    if (zn_ws_create(m->model, &o, &ws) == ZN_OK && zn_mlp_predict(m, ws, te->rows, te->x, pred) == ZN_OK) {
        zn_eval ev;
        zn_eval_outputs(pred, te->y, te->rows, te->n_out, 0.35f, &ev);
        r = classes ? ev.accuracy : ev.mse;
    }
    zn_ws_free(ws);
    free(pred);
    return r;
}

/* The old CLI defaults for CSV data. */
static double old_defaults(const zn_dataset *tr, const zn_dataset *te, int classes) {
    zn_auto_config ac;
    zn_train_auto_config(tr, &ac);
    double h = 2.0 * sqrt((double)tr->n_in * (double)tr->n_out);
    ac.spec.sizes[1] = h < 8 ? 8 : h > 256 ? 256 : (int64_t)h;
    ac.spec.shortcut = 0;
    ac.train = zn_train_config_default(ZN_ALGO_ADAM);
    ac.train.epochs = 30;
    ac.target_scale = ZN_SCALE_NONE;
    zn_mlp *m = NULL;
    if (zn_mlp_train_auto(tr, &ac, &m, NULL) != ZN_OK) return NAN;
    double r = score(m, te, classes);
    zn_mlp_free(m);
    return r;
}

/* Overrides for tuning runs: ZN_EXP_LR, _WD (AdamW), _HIDDEN, _VAL, _PATIENCE,
 * _BATCH, _LINEAR, _MARGIN, _SHORTCUT;
 * ZN_EXP_VERBOSE=1 prints every split's figure. */
static double env(const char *name, double dflt) {
    const char *v = getenv(name);
    return v && *v ? atof(v) : dflt;
}

static void overrides(zn_auto_config *ac) {
    ac->train.optim.lr = (float)env("ZN_EXP_LR", ac->train.optim.lr);
    double wd = env("ZN_EXP_WD", -1);
    if (wd >= 0) {
        ac->train.optim.algo = ZN_ALGO_ADAMW;
        ac->train.optim.weight_decay = (float)wd;
    }
    ac->spec.sizes[1] = (int64_t)env("ZN_EXP_HIDDEN", (double)ac->spec.sizes[1]);
    ac->train.val_split = env("ZN_EXP_VAL", ac->train.val_split);
    ac->train.patience = (int64_t)env("ZN_EXP_PATIENCE", (double)ac->train.patience);
    ac->train.batch_size = (int64_t)env("ZN_EXP_BATCH", (double)ac->train.batch_size);
    ac->linear_start = (int)env("ZN_EXP_LINEAR", ac->linear_start);
    ac->linear_margin = env("ZN_EXP_MARGIN", ac->linear_margin);
    ac->spec.shortcut = (int)env("ZN_EXP_SHORTCUT", ac->spec.shortcut);
}

enum { SPLITS = 5 };

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : "/work/shared/data";
    printf("| set | rows (train/test) | task | before | after | epochs run (best) | OLS | mean |\n");
    printf("|---|---|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++) {
        int wanted = argc <= 2;
        for (int a = 2; a < argc; a++) wanted |= strstr(sets[i].name, argv[a]) != NULL;
        zn_dataset *d = NULL, *tr = NULL, *te = NULL;
        if (!wanted || !load(dir, &sets[i], &d)) continue;
        double before = 0, after = 0, ols = 0, mean = 0, epochs = 0, best = 0;
        int classes = 0, stops[4] = {0};
        int64_t ntr = 0, nte = 0, budget = 0;
        for (int k = 0; k < SPLITS; k++) {
            zn_rng rng;
            zn_rng_seed(&rng, 42 + (uint64_t)k);
            zn_dataset_shuffle(d, &rng);
            zn_dataset_split(d, 0.8, &tr, &te);
            zn_auto_config ac;
            if (zn_train_auto_config(tr, &ac) != ZN_OK) return 1;
            overrides(&ac);
            classes = ac.classes;
            before += old_defaults(tr, te, classes) / SPLITS;
            zn_mlp *m = NULL;
            zn_train_report rep;
            memset(&rep, 0, sizeof rep);
            if (zn_mlp_train_auto(tr, &ac, &m, &rep) != ZN_OK) {
                fprintf(stderr, "%s: %s\n", sets[i].name, zn_last_error());
                return 1;
            }
            after += score(m, te, classes) / SPLITS;
            if (getenv("ZN_EXP_VERBOSE"))
                fprintf(stderr, "%s split %d: %.4g (least squares %.4g)\n", sets[i].name, k, score(m, te, classes),
                        classes ? NAN : ols_mse(tr, te));
            if (!classes) {
                ols += ols_mse(tr, te) / SPLITS;
                mean += mean_mse(tr, te) / SPLITS;
            }
            epochs += (double)rep.epochs / SPLITS;
            best += (double)rep.best_epoch / SPLITS;
            stops[rep.stop_reason & 3]++;
            ntr = tr->rows;
            nte = te->rows;
            budget = ac.train.epochs;
            zn_mlp_free(m);
            zn_dataset_free(tr);
            zn_dataset_free(te);
            tr = te = NULL;
        }
        char olss[32] = "", means[32] = "";
        if (!classes) {
            snprintf(olss, sizeof olss, "%.4g", ols);
            snprintf(means, sizeof means, "%.4g", mean);
        }
        printf("| %s | %lld/%lld | %s | %.4g | %.4g | %.0f of %lld (best %.0f; %d early stops) | %s | %s |\n",
               sets[i].name, (long long)ntr, (long long)nte, classes ? "accuracy" : "MSE", before, after, epochs,
               (long long)budget, best, stops[ZN_STOPPED_PATIENCE], olss, means);
        fflush(stdout);
        zn_dataset_free(d);
    }
    return 0;
}
