/* Load a model file and predict: the whole C API a program needs to use a
 * model that `zenn train` wrote. No workspace to build by hand.
 *
 *   zenn train data/xor.data -o xor.safetensors
 *   cc predict_mlp.c $(pkg-config --cflags --libs zenn) -o predict_mlp
 *   printf '-1 1\n1 1\n' | ./predict_mlp xor.safetensors
 *
 * Without an argument it writes a small XOR model of its own first (so it
 * runs as a test), then loads it like any other file. */
#include <stdio.h>
#include <stdlib.h>

#include "zenn/zenn.h"

/* FANN's XOR, trained and saved to `path`. */
static zn_status make_xor(const char *path) {
    const char *text = "4 2 1\n-1 -1\n-1\n-1 1\n1\n1 -1\n1\n1 1\n-1\n";
    zn_dataset *d = NULL;
    zn_mlp *m = NULL;
    zn_mlp_spec spec = zn_mlp_spec_default();
    spec.n_layers = 3;
    spec.sizes[0] = 2;
    spec.sizes[1] = 3;
    spec.sizes[2] = 1;
    zn_train_config cfg = zn_train_config_default(ZN_ALGO_RPROP);
    cfg.epochs = 1000;
    cfg.target_error = 0.001;
    zn_train_report rep;
    zn_status s = zn_dataset_parse_fann(text, 36, "xor", NULL, &d);
    if (s == ZN_OK) s = zn_mlp_wrap(&spec, 42, NULL, NULL, 0, NULL, &m);
    if (s == ZN_OK) s = zn_train(m->model, d, NULL, &cfg, &rep);
    if (s == ZN_OK) s = zn_mlp_save(m, path);
    zn_mlp_free(m);
    zn_dataset_free(d);
    return s;
}

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : "predict_mlp_xor.safetensors";
    if (argc <= 1 && make_xor(path) != ZN_OK) {
        fprintf(stderr, "cannot make the XOR model: %s\n", zn_last_error());
        return 1;
    }

    zn_mlp *m = NULL;
    if (zn_mlp_load(path, &m) != ZN_OK) {
        fprintf(stderr, "%s\n", zn_last_error()); /* names the file and what is wrong with it */
        return 1;
    }
    int64_t nin = zn_mlp_n_inputs(m), nout = zn_mlp_n_outputs(m);

    /* Rows to predict: from standard input with a model given, else XOR's four. */
    float xor_rows[8] = {-1, -1, -1, 1, 1, -1, 1, 1};
    float *x = argc > 1 ? malloc(1024 * (size_t)nin * sizeof *x) : xor_rows;
    int64_t rows = argc > 1 ? 0 : 4;
    if (argc > 1) {
        while (x && rows < 1024) {
            int64_t i = 0;
            while (i < nin && scanf("%f", &x[rows * nin + i]) == 1) i++;
            if (i < nin) break;
            rows++;
        }
    }
    float *y = malloc((size_t)(rows > 0 ? rows : 1) * (size_t)nout * sizeof *y);

    /* Raw rows in, raw outputs out: the model's scaling is applied inside. */
    zn_status s = x && y ? zn_mlp_predict_rows(m, rows, x, y) : ZN_ERR_OUT_OF_MEMORY;
    for (int64_t r = 0; s == ZN_OK && r < rows; r++) {
        for (int64_t j = 0; j < nout; j++) printf("%s%.4f", j ? " " : "", y[r * nout + j]);
        /* a classifier's outputs are class probabilities: name the likeliest */
        if (m->n_classes > 0) {
            int64_t best = 0;
            for (int64_t j = 1; j < nout; j++)
                if (y[r * nout + j] > y[r * nout + best]) best = j;
            printf("  -> %s", m->class_names[best]);
        }
        printf("\n");
    }
    if (s != ZN_OK) fprintf(stderr, "%s\n", zn_last_error());
    /* Without a model given, check the answers: XOR's signs are - + + -. */
    int ok = s == ZN_OK;
    if (argc <= 1) {
        ok = ok && y[0] < 0 && y[1] > 0 && y[2] > 0 && y[3] < 0;
        remove(path);
    }
    if (x != xor_rows) free(x);
    free(y);
    zn_mlp_free(m);
    return ok ? 0 : 1;
}
