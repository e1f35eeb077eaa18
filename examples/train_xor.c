/* Train FANN's XOR network with RPROP, as FANN's own example does, then run it.
 * Build against an installed zenn: cc train_xor.c $(pkg-config --cflags --libs zenn) */
#include <stdio.h>

#include "zenn/zenn.h"

int main(void) {
    /* The four XOR patterns in FANN's -1/+1 encoding. */
    zn_dataset *d = NULL;
    const char *text = "4 2 1\n-1 -1\n-1\n-1 1\n1\n1 -1\n1\n1 1\n-1\n";
    zn_status s = zn_dataset_parse_fann(text, 36, "xor", NULL, &d);
    zn_mlp_spec spec = zn_mlp_spec_default(); /* FANN's defaults: sigmoid-symmetric, steepness 0.5 */
    spec.n_layers = 3;
    spec.sizes[0] = 2;
    spec.sizes[1] = 3;
    spec.sizes[2] = 1;
    zn_model *m = NULL;
    if (s == ZN_OK) s = zn_mlp_create(&spec, 42, &m);
    zn_train_config cfg = zn_train_config_default(ZN_ALGO_RPROP);
    cfg.epochs = 1000;
    cfg.target_error = 0.001; /* FANN's desired error */
    zn_train_report rep;
    if (s == ZN_OK) s = zn_train(m, d, NULL, &cfg, &rep);
    if (s != ZN_OK) {
        fprintf(stderr, "%s: %s\n", zn_status_str(s), zn_last_error());
        zn_model_free(m);
        zn_dataset_free(d);
        return 1;
    }
    printf("trained in %lld epochs, mse %.6f\n", (long long)rep.epochs, rep.train_mse);

    zn_ws *ws = NULL; /* one workspace per thread that runs the model */
    zn_ws_opts o = zn_ws_opts_default();
    o.max_batch = 4;
    s = zn_ws_create(m, &o, &ws);
    float out[4];
    const float *in[2] = {d->x, NULL}; /* one entry per model input: x, and the target (not needed to run) */
    float *outs[1] = {out};
    if (s == ZN_OK) s = zn_model_forward(m, ws, 4, in, outs);
    for (int i = 0; s == ZN_OK && i < 4; i++)
        printf("xor(%+.0f, %+.0f) = %+.3f\n", d->x[2 * i], d->x[2 * i + 1], out[i]);
    zn_ws_free(ws);
    zn_model_free(m);
    zn_dataset_free(d);
    return s == ZN_OK && rep.train_mse <= 0.001 ? 0 : 1;
}
