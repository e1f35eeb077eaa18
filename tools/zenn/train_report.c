/* zenn train's plan and summary (see train_report.h). */
#include <math.h>
#include <stdio.h>

#include "cli_json.h"
#include "train_report.h"

/* Why training stopped, for the summary and --json. */
typedef struct stop_info {
    const char *kind; /* "target", "patience" or "epochs" */
    char text[256];
} stop_info;

void train_report_plan(const train_summary *r) {
    const train_args *a = r->a;
    const zn_dataset *t = r->d->train;
    const zn_mlp_spec *spec = r->spec;
    fprintf(stderr, "data: %s: %lld rows, %lld inputs, %lld outputs\n", a->data, (long long)t->rows, (long long)t->n_in,
            (long long)t->n_out);
    fprintf(stderr, "task: %s\n", r->d->task);
    if (t->n_classes > 0 && spec->loss != ZN_LOSS_XENT && spec->loss != ZN_LOSS_BCE)
        fprintf(stderr,
                "note: --loss %s fits the %lld one-hot class outputs; --task regression predicts the column "
                "as a number\n",
                zn_loss_name(spec->loss), (long long)t->n_out);
    if (r->defaults) fprintf(stderr, "defaults: %s\n", r->defaults);
    fprintf(stderr, "network:");
    for (int i = 0; i < spec->n_layers; i++) fprintf(stderr, "%s%lld", i ? "," : " ", (long long)spec->sizes[i]);
    fprintf(stderr, "%s; hidden %s, loss %s; %s, up to %lld epochs\n",
            a->init ? " (from --init)" : (r->chosen_hidden ? " (one hidden layer chosen)" : ""),
            zn_nact_name(spec->hidden_act), zn_loss_name(spec->loss), zn_algo_name(r->algo), (long long)r->cfg->epochs);
}

/* Why the trainer stopped, from its report. */
static void explain_stop(const train_summary *r, stop_info *st) {
    const zn_train_report *rep = r->rep;
    switch (rep->stop_reason) {
    case ZN_STOPPED_TARGET: st->kind = "target"; break;
    case ZN_STOPPED_PATIENCE: st->kind = "patience"; break;
    case ZN_STOPPED_CALLBACK: st->kind = "callback"; break;
    default: st->kind = "epochs"; break;
    }
    zn_train_report_describe(rep, st->text, sizeof st->text);
}

static void json_number(FILE *f, const char *key, double v, int last) {
    cli_json_num(f, key, v);
    if (!last) fputc(',', f);
}

static void json_string(FILE *f, const char *key, const char *v) {
    fprintf(f, "\"%s\":", key);
    cli_json_str(f, v);
    fputc(',', f);
}

void train_report_results(const train_summary *r) {
    const train_args *a = r->a;
    const zn_train_report *rep = r->rep;
    int classes = r->d->train->n_classes > 0, test = r->d->test != NULL;
    double acc = test ? r->test->accuracy : rep->val_accuracy;
    stop_info stop;
    explain_stop(r, &stop);
    if (a->json) {
        printf("{\"epochs\":%lld,\"max_epochs\":%lld,", (long long)rep->epochs, (long long)r->cfg->epochs);
        json_string(stdout, "stop", stop.kind);
        if (rep->best_epoch > 0)
            printf("\"best_epoch\":%lld,", (long long)rep->best_epoch);
        else
            printf("\"best_epoch\":null,");
        json_string(stdout, "task", classes ? "classify" : "regression");
        json_string(stdout, "task_detail", r->d->task);
        json_number(stdout, "train_mse", rep->train_mse, 0);
        json_number(stdout, "val_mse", rep->val_mse, 0);
        json_number(stdout, "test_mse", test ? r->test->mse : NAN, 0);
        json_number(stdout, "accuracy", classes ? acc : NAN, 0);
        json_number(stdout, "seconds", rep->seconds, 0);
        json_number(stdout, "samples_per_second", rep->samples_per_second, 1);
        printf("}\n");
        return;
    }
    if (a->quiet) return;
    fprintf(stderr, "trained %lld epochs in %.2f s (%.0f samples/s); train mse %.6f%s\n", (long long)rep->epochs,
            rep->seconds, rep->samples_per_second, rep->train_mse,
            r->mlp && r->mlp->output_scaler ? " (on the standardised targets)" : "");
    fprintf(stderr, "stopped: %s\n", stop.text);
    if (test) {
        fprintf(stderr, "test: mse %.6f", r->test->mse);
        if (classes) fprintf(stderr, ", accuracy %.2f%%", 100.0 * r->test->accuracy);
        fprintf(stderr, " (%s, %lld rows)\n", r->d->test_name, (long long)r->d->test->rows);
    }
    fprintf(stderr, "model written to %s\n", a->out);
}
