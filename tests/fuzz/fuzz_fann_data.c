/* Fuzz target: FANN training-data text. Any input must give ZN_OK with a
 * consistent dataset or an error with a message; never a crash or a read
 * outside the buffer. */
#include <stdint.h>
#include <string.h>

#include "zenn/zenn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    zn_dataset *d = NULL;
    zn_load_opts o = zn_load_opts_default();
    o.allow_nan = size > 0 && (data[0] & 1);
    o.max_memory = size > 0 && (data[0] & 2) ? 4096 : 0;
    volatile zn_data_format guess = zn_dataset_guess_format((const char *)data, size);
    (void)guess;
    zn_status s = zn_dataset_parse_fann((const char *)data, size, "fuzz", &o, &d);
    if (s == ZN_OK) {
        /* Touch every value: a wrong size would show up under ASan. */
        volatile float sink = 0;
        for (int64_t i = 0; i < d->rows * d->n_in; i++) sink += d->x[i];
        for (int64_t i = 0; i < d->rows * d->n_out; i++) sink += d->y[i];
        (void)sink;
        zn_dataset_free(d);
    } else if (d != NULL || zn_last_error()[0] == '\0') {
        __builtin_trap(); /* an error must leave no dataset and say why */
    }
    return 0;
}
