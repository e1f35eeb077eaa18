/* Fuzz target: zn_model files. Any input must load (and then run one pass
 * on zeros within a bounded workspace) or fail with a message; never a
 * crash, a hang or a read outside the bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "zenn/zenn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { MAX_INPUT_FLOATS = 1 << 20 };

static void run_once(const zn_model *m) {
    zn_ws_opts o = zn_ws_opts_default();
    o.budget_bytes = (size_t)64 << 20;
    o.max_threads = 1;
    zn_ws *ws = NULL;
    if (zn_ws_create(m, &o, &ws) != ZN_OK) return;
    const int n_in = zn_model_input_count(m), n_out = zn_model_output_count(m);
    const void *inputs[64] = {0};
    float *outputs[64] = {0};
    int ok = n_in <= 64 && n_out <= 64;
    for (int i = 0; ok && i < n_in; i++) {
        int64_t dims[ZN_MAX_DIMS], size = 1;
        const int nd = zn_model_input_shape(m, i, dims);
        for (int k = 0; k < nd && size <= MAX_INPUT_FLOATS; k++) size *= dims[k];
        ok = size <= MAX_INPUT_FLOATS && (inputs[i] = calloc((size_t)size, sizeof(float))) != NULL;
    }
    for (int k = 0; ok && k < n_out; k++) {
        int64_t dims[ZN_MAX_DIMS], size = 1;
        const int nd = zn_model_output_shape(m, k, dims);
        for (int d = 0; d < nd && size <= MAX_INPUT_FLOATS; d++) size *= dims[d];
        ok = size <= MAX_INPUT_FLOATS && (outputs[k] = calloc((size_t)size, sizeof(float))) != NULL;
    }
    if (ok) {
        const zn_feed feed = {1, 0, inputs};
        zn_status s = zn_model_run(m, ws, &feed, outputs);
        if (s != ZN_OK && zn_last_error()[0] == '\0') __builtin_trap();
    }
    for (int i = 0; i < 64; i++) {
        free((void *)(uintptr_t)inputs[i]);
        free(outputs[i]);
    }
    zn_ws_free(ws);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    zn_model *m = NULL;
    zn_clear_error();
    zn_status s = zn_model_load_memory(data, size, "fuzz", &m);
    if (s != ZN_OK) {
        if (m || zn_last_error()[0] == '\0') __builtin_trap();
        return 0;
    }
    run_once(m);
    zn_model_free(m);
    return 0;
}
