/* What zenn test reports on a model's outputs against targets: the errors,
 * R² for regression, and for classifiers the confusion matrix with
 * per-class precision, recall and F1. Figures that are undefined (outputs
 * that are not finite, a constant target, a class never predicted) are NaN,
 * printed as JSON null with the reason. */
#ifndef ZN_CLI_METRICS_H
#define ZN_CLI_METRICS_H

#include <stdint.h>

typedef struct cli_metrics {
    int64_t rows, n_out;
    int64_t nonfinite_rows; /* rows with a NaN or infinite output: the figures below are then NaN */
    double mse, mae;        /* as zn_eval_outputs computes them */
    double r2;              /* 1 - SS_res / SS_tot per output, averaged over outputs (as scikit-learn) */
    int64_t bit_fail;       /* outputs further than the limit from their target (FANN's bit fail) */
    int64_t n_classes;      /* > 0: one output per class, targets one-hot */
    int64_t *confusion;     /* n_classes x n_classes: [true class][predicted class] */
    int64_t correct;
} cli_metrics;

/* pred and y are rows x n_out. Returns 0, or 1 after printing an error. */
int cli_metrics_compute(const float *pred, const float *y, int64_t rows, int64_t n_out, int64_t n_classes,
                        float bit_fail_limit, cli_metrics *m);
void cli_metrics_free(cli_metrics *m);
/* Class k's precision, recall and F1 (NaN when undefined); support is the
 * number of rows of class k. */
void cli_metrics_class(const cli_metrics *m, int64_t k, double *precision, double *recall, double *f1,
                       int64_t *support);

#endif
