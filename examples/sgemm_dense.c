/* A dense layer with zenn's GEMM: y = relu(x W + b) for a batch of 4.
 * Build against an installed zenn: cc sgemm_dense.c $(pkg-config --cflags --libs zenn) */
#include <stdio.h>

#include "zenn/zenn.h"

int main(void) {
    enum { BATCH = 4, IN = 3, OUT = 2 };
    const float x[BATCH * IN] = {1, 2, 3, 4, 5, 6, 7, 8, 9, -1, -2, -3};
    const float w[IN * OUT] = {0.1f, -0.2f, 0.3f, 0.4f, -0.5f, 0.6f};
    const float b[OUT] = {0.05f, -0.05f};
    float y[BATCH * OUT];

    zn_gemm_opts opts = zn_gemm_opts_default();
    opts.bias = b;
    opts.act = ZN_ACT_RELU;
    zn_status s = zn_sgemm_ex(ZN_NO_TRANS, ZN_NO_TRANS, BATCH, OUT, IN, 1.0f, x, IN, w, OUT, 0.0f, y, OUT, &opts);
    if (s != ZN_OK) {
        fprintf(stderr, "zn_sgemm_ex: %s: %s\n", zn_status_str(s), zn_last_error());
        return 1;
    }
    for (int i = 0; i < BATCH; i++) printf("%.3f %.3f\n", y[i * OUT], y[i * OUT + 1]);

    /* Bad arguments come back as a status and a message, never a crash. */
    s = zn_sgemm(ZN_NO_TRANS, ZN_NO_TRANS, BATCH, OUT, IN, 1.0f, x, 1 /* lda too small */, w, OUT, 0.0f, y, OUT);
    printf("%s: %s\n", zn_status_str(s), zn_last_error());
    return 0;
}
