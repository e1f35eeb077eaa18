/* Nguyen-Widrow initialisation as FANN's fann_init_weights does it. */
#include <math.h>
#include <string.h>

#include "base/internal.h"
#include "zenn/nn.h"

zn_status zn_mlp_init_widrow(zn_model *m, const zn_mlp_spec *spec, const zn_dataset *d, uint64_t seed) {
    if (!m || !spec || !d) return zn_error(ZN_ERR_INVALID_ARG, "zn_mlp_init_widrow: NULL argument");
    if (d->n_in != spec->sizes[0] || d->rows < 1)
        return zn_error(ZN_ERR_SHAPE,
                        "zn_mlp_init_widrow: the data has %lld inputs and %lld rows, the network %lld inputs",
                        (long long)d->n_in, (long long)d->rows, (long long)spec->sizes[0]);
    float lo = d->x[0], hi = d->x[0];
    for (int64_t i = 0; i < d->rows * d->n_in; i++) {
        lo = d->x[i] < lo ? d->x[i] : lo;
        hi = d->x[i] > hi ? d->x[i] : hi;
    }
    if (!(hi > lo)) return zn_error(ZN_ERR_INVALID_ARG, "zn_mlp_init_widrow: every input has the same value");
    int64_t hidden = 0;
    for (int l = 1; l < spec->n_layers - 1; l++) hidden += spec->sizes[l];
    float scale = (float)(pow(0.7 * (double)hidden, 1.0 / (double)spec->sizes[0]) / ((double)hi - lo));
    zn_rng rng;
    zn_rng_seed(&rng, seed);
    float *params = zn_model_params(m, NULL);
    for (int i = 0; i < zn_model_param_tensors(m); i++) {
        const char *name;
        int64_t rows, cols, offset;
        zn_model_param_info(m, i, &name, &rows, &cols, &offset);
        size_t n = strlen(name);
        int bias = n >= 5 && !strcmp(name + n - 5, ".bias");
        zn_rng_fill_uniform(&rng, params + offset, (size_t)(rows * cols), bias ? -scale : 0.0f, scale);
    }
    return ZN_OK;
}
