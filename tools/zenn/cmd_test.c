/* zenn test MODEL DATA [--json]: error and accuracy on a dataset. */
#include <math.h>
#include <string.h>

#include "cli.h"
#include "cli_net.h"
#include "cli_util.h"

int zn_cmd_test(int argc, char **argv) {
    const char *model_path = NULL, *data_path = NULL;
    int json = 0, allow_nan = 0;
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
            printf("usage: zenn test MODEL DATA [--json] [--allow-nan]\n\nPrints mse, mae and, for classifiers, "
                   "accuracy: one 'name: value' per line, or one JSON object.\n");
            return 0;
        }
        if (!strcmp(o, "--json"))
            json = 1;
        else if (!strcmp(o, "--allow-nan"))
            allow_nan = 1;
        else if (o[0] == '-' && o[1])
            return cli_error("unknown option '%s' for test", o) + 1;
        else if (!model_path)
            model_path = o;
        else if (!data_path)
            data_path = o;
        else
            return cli_error("test takes MODEL and DATA; '%s' is extra", o) + 1;
    }
    if (!model_path || !data_path) return cli_error("test needs MODEL and DATA (try zenn test --help)") + 1;
    zn_mlp *mlp = NULL;
    zn_fnet *net = NULL;
    zn_dataset *d = NULL;
    zn_status s = cli_load_model(model_path, &mlp, &net);
    if (s != ZN_OK) return cli_fail(s);
    cli_data_opts o = {NULL, 0, allow_nan, ZN_TARGET_REGRESSION};
    if (mlp) {
        o.targets = (const char *const *)mlp->target_names;
        o.n_targets = (int)mlp->n_targets;
        o.kind = mlp->n_classes ? ZN_TARGET_CLASSES : ZN_TARGET_REGRESSION;
    }
    int rc = 0;
    int64_t nin = mlp ? mlp->spec.sizes[0] : zn_fnet_num_inputs(net);
    int64_t nout = mlp ? mlp->spec.sizes[mlp->spec.n_layers - 1] : zn_fnet_num_outputs(net);
    if ((s = cli_load_data(data_path, &o, &d)) != ZN_OK)
        rc = cli_fail(s);
    else if (mlp && mlp->n_classes && d->n_classes &&
             zn_dataset_align_classes(d, mlp->class_names, mlp->n_classes) != ZN_OK)
        rc = cli_error("%s: %s", data_path, zn_last_error());
    else if (d->n_in != nin || d->n_out != nout)
        rc = cli_error("%s: %lld inputs and %lld outputs, the model takes %lld and gives %lld", data_path,
                       (long long)d->n_in, (long long)d->n_out, (long long)nin, (long long)nout);
    /* The model's outputs on the raw rows (its scalers applied around the
     * run), against the raw targets. */
    float *pred = rc ? NULL : zn_alloc((size_t)(d->rows > 0 ? d->rows : 1) * (size_t)nout * sizeof(float));
    if (!rc && !pred) rc = cli_fail(ZN_ERR_OUT_OF_MEMORY);
    if (!rc) s = mlp ? zn_mlp_predict_rows(mlp, d->rows, d->x, pred) : zn_fnet_run_scaled(net, d->rows, d->x, pred);
    if (!rc && s != ZN_OK) rc = cli_fail(s);
    zn_eval ev;
    if (!rc && (s = zn_eval_outputs(pred, d->y, d->rows, nout, 0.35f, &ev)) != ZN_OK) rc = cli_fail(s);
    if (!rc) {
        int classes = mlp && mlp->n_classes > 0 && !isnan(ev.accuracy) && d->rows > 0;
        if (json) {
            printf("{\"rows\":%lld,\"mse\":%.9g,\"mae\":%.9g,\"bit_fail\":%lld", (long long)ev.rows, ev.mse, ev.mae,
                   (long long)ev.bit_fail);
            if (classes) printf(",\"accuracy\":%.9g", ev.accuracy);
            printf("}\n");
        } else {
            printf("rows: %lld\nmse: %.9g\nmae: %.9g\nbit_fail: %lld\n", (long long)ev.rows, ev.mse, ev.mae,
                   (long long)ev.bit_fail);
            if (classes) printf("accuracy: %.9g\n", ev.accuracy);
        }
    }
    zn_free(pred);
    zn_dataset_free(d);
    zn_mlp_free(mlp);
    zn_fnet_free(net);
    return rc;
}
