/* zenn test MODEL DATA [--json] [--allow-nan]: how a model does on a dataset.
 * Columns are matched to the model's inputs by name when the model stores
 * them. Every model: rows, mse, mae; regression: R²; classifiers: accuracy,
 * the confusion matrix and per-class precision, recall and F1; FANN nets and
 * FANN data: bit_fail (FANN's count of outputs off by more than 0.35). A figure
 * that cannot be computed is "n/a" (JSON null) with the reason. */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "cli.h"
#include "cli_columns.h"
#include "cli_metrics.h"
#include "cli_net.h"
#include "cli_json.h"
#include "cli_opts.h"
#include "cli_util.h"

static void json_str(const char *s) { cli_json_str(stdout, s); }

static void json_num(const char *key, double v) {
    putchar(',');
    cli_json_num(stdout, key, v);
}

static void text_num(const char *key, double v, const char *why) {
    if (isfinite(v))
        printf("%s: %.9g\n", key, v);
    else
        printf("%s: n/a (%s)\n", key, why);
}

static void text_ratio(double v) {
    if (isfinite(v))
        printf("  %9.4f", v);
    else
        printf("  %9s", "n/a");
}

typedef struct test_report {
    const cli_metrics *m;
    char *const *classes;
    int fann; /* FANN net or FANN data: bit_fail means something */
    char why_outputs[128];
} test_report;

static void print_json(const test_report *t) {
    const cli_metrics *m = t->m;
    int bad = m->nonfinite_rows > 0;
    printf("{\"rows\":%lld", (long long)m->rows);
    json_num("mse", m->mse);
    json_num("mae", m->mae);
    if (!m->n_classes) json_num("r2", m->r2);
    if (t->fann) {
        if (bad)
            printf(",\"bit_fail\":null");
        else
            printf(",\"bit_fail\":%lld", (long long)m->bit_fail);
    }
    if (m->n_classes) {
        json_num("accuracy", bad || !m->rows ? NAN : (double)m->correct / (double)m->rows);
        printf(",\"classes\":[");
        for (int64_t k = 0; k < m->n_classes; k++) {
            if (k) putchar(',');
            json_str(t->classes[k]);
        }
        printf("]");
        if (!bad) {
            printf(",\"confusion\":[");
            for (int64_t i = 0; i < m->n_classes; i++) {
                printf("%s[", i ? "," : "");
                for (int64_t j = 0; j < m->n_classes; j++)
                    printf("%s%lld", j ? "," : "", (long long)m->confusion[i * m->n_classes + j]);
                printf("]");
            }
            printf("],\"per_class\":[");
            for (int64_t k = 0; k < m->n_classes; k++) {
                double p, r, f;
                int64_t n;
                cli_metrics_class(m, k, &p, &r, &f, &n);
                printf("%s{\"class\":", k ? "," : "");
                json_str(t->classes[k]);
                printf(",\"support\":%lld", (long long)n);
                json_num("precision", p);
                json_num("recall", r);
                json_num("f1", f);
                printf("}");
            }
            printf("]");
        }
    }
    /* Why each null figure is null. */
    int reasons = bad || !m->rows || (!m->n_classes && !isfinite(m->r2));
    if (reasons) {
        printf(",\"null_reasons\":{");
        const char *sep = "";
        if (bad || !m->rows) {
            printf("\"outputs\":");
            json_str(t->why_outputs);
            sep = ",";
        }
        if (!bad && m->rows && !m->n_classes && !isfinite(m->r2))
            printf("%s\"r2\":\"a target column is constant (or fewer than 2 rows)\"", sep);
        printf("}");
    }
    printf("}\n");
}

static void print_text(const test_report *t) {
    const cli_metrics *m = t->m;
    int bad = m->nonfinite_rows > 0 || !m->rows;
    printf("rows: %lld\n", (long long)m->rows);
    text_num("mse", m->mse, t->why_outputs);
    text_num("mae", m->mae, t->why_outputs);
    if (!m->n_classes) text_num("r2", m->r2, bad ? t->why_outputs : "a target column is constant");
    if (t->fann) {
        if (bad)
            printf("bit_fail: n/a (%s)\n", t->why_outputs);
        else
            printf("bit_fail: %lld\n", (long long)m->bit_fail);
    }
    if (!m->n_classes) return;
    if (bad) {
        printf("accuracy: n/a (%s)\n", t->why_outputs);
        return;
    }
    printf("accuracy: %.2f%%\n", 100.0 * (double)m->correct / (double)m->rows);
    int64_t n = m->n_classes;
    int w = 5; /* the widest class name, for the columns */
    for (int64_t k = 0; k < n; k++) w = (int)strlen(t->classes[k]) > w ? (int)strlen(t->classes[k]) : w;
    if (w > 24) w = 24;
    if (n <= 20) {
        printf("\nconfusion matrix (a row per true class, a column per predicted class):\n%-*s", w, "");
        for (int64_t j = 0; j < n; j++) printf(" %6.6s", t->classes[j]);
        printf("\n");
        for (int64_t i = 0; i < n; i++) {
            printf("%-*.*s", w, w, t->classes[i]);
            for (int64_t j = 0; j < n; j++) printf(" %6lld", (long long)m->confusion[i * n + j]);
            printf("\n");
        }
    } else
        printf("\nconfusion matrix: %lld classes, see --json\n", (long long)n);
    printf("\n%-*s  %9s  %9s  %9s  %7s\n", w, "class", "precision", "recall", "f1", "support");
    for (int64_t k = 0; k < n; k++) {
        double p, r, f;
        int64_t s;
        cli_metrics_class(m, k, &p, &r, &f, &s);
        printf("%-*.*s", w, w, t->classes[k]);
        text_ratio(p);
        text_ratio(r);
        text_ratio(f);
        printf("  %7lld\n", (long long)s);
    }
}

typedef struct test_args {
    int json, allow_nan;
} test_args;

static const cli_opt test_opts[] = {
    {"--json", NULL, CLI_FLAG, offsetof(test_args, json), 1, 0, NULL, "print one JSON object", 0, 0, 0, NULL},
    {"--allow-nan", NULL, CLI_FLAG, offsetof(test_args, allow_nan), 1, 0, NULL, "accept NaN/Inf values in the data", 0,
     0, 0, NULL},
};
#define N_TEST_OPTS ((int)(sizeof test_opts / sizeof test_opts[0]))

int zn_cmd_test(int argc, char **argv) {
    const char *files[2] = {NULL, NULL};
    test_args a = {0, 0};
    cli_parse p = {"test", test_opts, N_TEST_OPTS, files, 2, 0, {0}};
    int prc = cli_opts_parse(&p, argc, argv, &a);
    if (prc == CLI_PARSE_HELP) {
        printf("usage: zenn test MODEL DATA [--json] [--allow-nan]\n\n"
               "Prints rows, mse, mae and: R² (r2) for regression; accuracy, the confusion matrix and\n"
               "per-class precision, recall and F1 for classifiers; bit_fail for FANN nets and data.\n"
               "One 'name: value' per line, or one JSON object (null, with null_reasons, where a figure\n"
               "cannot be computed). CSV columns are matched to the model's inputs by name when the\n"
               "model stores them.\n\noptions:\n");
        cli_opts_help(stdout, test_opts, N_TEST_OPTS);
        return 0;
    }
    if (prc != CLI_PARSE_OK) return 2;
    const char *model_path = files[0], *data_path = files[1];
    const int json = a.json, allow_nan = a.allow_nan;
    if (!model_path || !data_path) return cli_error("test needs MODEL and DATA (try zenn test --help)") + 1;
    zn_mlp *mlp = NULL;
    zn_fnet *net = NULL;
    zn_dataset *d = NULL;
    zn_status s = cli_load_model(model_path, &mlp, &net);
    if (s != ZN_OK) return cli_fail(s);
    cli_data_opts o = {NULL, 0, allow_nan, ZN_TARGET_REGRESSION, 0, 0};
    if (mlp) {
        o.targets = (const char *const *)mlp->target_names;
        o.n_targets = (int)mlp->n_targets;
        o.kind = mlp->n_classes ? ZN_TARGET_CLASSES : ZN_TARGET_REGRESSION;
    }
    int rc = 0;
    int fann = net || cli_is_fann_net(model_path) || cli_is_fann_file(data_path);
    int64_t nin = mlp ? zn_mlp_n_inputs(mlp) : zn_fnet_num_inputs(net);
    int64_t nout = mlp ? zn_mlp_n_outputs(mlp) : zn_fnet_num_outputs(net);
    if ((s = cli_load_data(data_path, &o, &d)) != ZN_OK)
        rc = cli_fail(s);
    else if (mlp && mlp->n_classes && d->n_classes &&
             zn_dataset_align_classes(d, mlp->class_names, mlp->n_classes) != ZN_OK)
        rc = cli_error("%s: %s", data_path, zn_last_error());
    else if ((rc = cli_dataset_match(mlp, d, data_path)) != 0)
        ;
    else if (d->n_in != nin || d->n_out != nout)
        rc = cli_error("%s: %lld inputs and %lld outputs, the model takes %lld and gives %lld", data_path,
                       (long long)d->n_in, (long long)d->n_out, (long long)nin, (long long)nout);
    /* The model's outputs on the raw rows (its scalers applied around the
     * run), against the raw targets. */
    float *pred = rc ? NULL : zn_alloc((size_t)(d->rows > 0 ? d->rows : 1) * (size_t)nout * sizeof(float));
    if (!rc && !pred) rc = cli_fail(ZN_ERR_OUT_OF_MEMORY);
    if (!rc) s = mlp ? zn_mlp_predict_rows(mlp, d->rows, d->x, pred) : zn_fnet_run_scaled(net, d->rows, d->x, pred);
    if (!rc && s != ZN_OK) rc = cli_fail(s);
    cli_metrics m = {0};
    int64_t n_classes = mlp && d && d->n_classes ? mlp->n_classes : 0;
    if (!rc) rc = cli_metrics_compute(pred, d->y, d->rows, nout, n_classes, 0.35f, &m);
    if (!rc) {
        test_report t = {&m, mlp ? mlp->class_names : NULL, fann, ""};
        if (m.nonfinite_rows)
            snprintf(t.why_outputs, sizeof t.why_outputs, "%lld of %lld rows gave NaN or infinite outputs",
                     (long long)m.nonfinite_rows, (long long)m.rows);
        else
            snprintf(t.why_outputs, sizeof t.why_outputs, "no rows");
        if (json)
            print_json(&t);
        else
            print_text(&t);
    }
    cli_metrics_free(&m);
    zn_free(pred);
    zn_dataset_free(d);
    zn_mlp_free(mlp);
    zn_fnet_free(net);
    return rc;
}
