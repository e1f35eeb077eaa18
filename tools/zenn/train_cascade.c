/* zenn train --cascade: FANN's cascade-correlation on a shortcut net with no
 * hidden neurons, one line per neuron added, the net written as FANN .net. */
#include <math.h>
#include <string.h>

#include "cli_json.h"
#include "cli_util.h"
#include "train_cascade.h"
#include "zenn/fnet.h"

int train_cascade_is_net_path(const char *path) {
    size_t n = strlen(path);
    return n > 4 && !strcmp(path + n - 4, ".net");
}

typedef struct neuron_log {
    int print;
} neuron_log;

/* Called after the outputs are trained for each neuron count. */
static int on_neuron(zn_fnet *net, const zn_dataset *data, unsigned max_neurons, unsigned between, float desired,
                     unsigned neurons, void *user) {
    (void)data, (void)max_neurons, (void)between, (void)desired;
    const neuron_log *l = user;
    if (l->print) fprintf(stderr, "neurons %u: train fann_mse %.6f\n", neurons, (double)zn_fnet_mse(net));
    return 0;
}

/* The plain mean squared error of the outputs, as zenn test reports it
 * (FANN's MSE halves the difference of symmetric outputs); < 0 on error. */
static double plain_mse(zn_fnet *net, const zn_dataset *d) {
    int64_t n = d->rows * d->n_out;
    float *y = zn_alloc((size_t)(n > 0 ? n : 1) * sizeof(float));
    zn_eval ev;
    double mse = y && zn_fnet_run_batch(net, d->rows, d->x, y) == ZN_OK &&
                         zn_eval_outputs(y, d->y, d->rows, d->n_out, 0.35f, &ev) == ZN_OK
                     ? ev.mse
                     : -1;
    zn_free(y);
    return mse;
}

static void json_number(const char *key, double v, int last) {
    cli_json_num(stdout, key, v);
    if (!last) putchar(',');
}

int train_cascade(const cascade_cli *o) {
    const zn_dataset *d = o->train;
    /* FANN data: FANN's usual symmetric sigmoid; CSV: logistic for classes, linear for regression */
    zn_nact out_act =
        o->fann_data ? ZN_NACT_FANN_SIGMOID_SYMMETRIC : (d->n_classes > 0 ? ZN_NACT_FANN_SIGMOID : ZN_NACT_LINEAR);
    if (o->output_act) {
        int act = zn_nact_from_name(o->output_act);
        if (act < 0 || act >= ZN_NACT_RELU)
            return cli_error("--cascade needs a FANN --output-act, not '%s'", o->output_act);
        out_act = (zn_nact)act;
    }
    unsigned sizes[2] = {(unsigned)d->n_in, (unsigned)d->n_out};
    zn_fnet *net = NULL;
    zn_status s = zn_fnet_create_shortcut(2, sizes, (uint64_t)o->seed, &net);
    if (s != ZN_OK) return cli_fail(s);
    zn_fnet_set_activation_output(net, out_act);
    if (out_act == ZN_NACT_LINEAR) zn_fnet_set_steepness_output(net, 1.0f);
    int rc = 1;
    neuron_log log = {!o->quiet && !o->json};
    if (log.print)
        fprintf(stderr, "data: %s: %lld rows, %lld inputs, %lld outputs; cascade up to %lld neurons (FANN's RPROP)\n",
                o->data, (long long)d->rows, (long long)d->n_in, (long long)d->n_out, o->max_neurons);
    if (log.print && o->task) fprintf(stderr, "task: %s\n", o->task);
    double t0 = zn_time_sec();
    s = zn_cascade_train(net, d, (unsigned)o->max_neurons, 1, o->target_mse >= 0 ? (float)o->target_mse : 0.0f,
                         on_neuron, &log, o->pool);
    double secs = zn_time_sec() - t0;
    if (s != ZN_OK) {
        rc = cli_fail(s);
        goto done;
    }
    unsigned neurons = zn_fnet_num_neurons(net) - (unsigned)(d->n_in + 1 + d->n_out);
    float fann_mse = zn_fnet_test_data(net, d);
    unsigned bit_fail = zn_fnet_bit_fail(net);
    double train_mse = plain_mse(net, d), test_mse = o->test ? plain_mse(net, o->test) : NAN;
    if (!isfinite(fann_mse) || train_mse < 0 || (o->test && !(test_mse >= 0))) {
        rc = cli_error("evaluating the cascade net: %s", zn_last_error());
        goto done;
    }
    if ((s = zn_fnet_save(net, o->out)) != ZN_OK) {
        rc = cli_fail(s);
        goto done;
    }
    if (o->json) {
        printf("{\"neurons\":%u,\"connections\":%u,\"bit_fail\":%u,", neurons, zn_fnet_num_connections(net), bit_fail);
        json_number("train_mse", train_mse, 0);
        json_number("test_mse", test_mse, 0);
        json_number("fann_mse", fann_mse, 0);
        json_number("seconds", secs, 1);
        printf("}\n");
    } else if (!o->quiet) {
        fprintf(stderr, "cascade: %u neurons, %u connections in %.2f s; train mse %.6f (FANN's %.6f), %u bit fails\n",
                neurons, zn_fnet_num_connections(net), secs, train_mse, (double)fann_mse, bit_fail);
        if (o->test)
            fprintf(stderr, "test: mse %.6f (%s, %lld rows)\n", test_mse, o->test_path, (long long)o->test->rows);
        fprintf(stderr, "model written to %s\n", o->out);
    }
    rc = 0;
done:
    zn_fnet_free(net);
    return rc;
}
