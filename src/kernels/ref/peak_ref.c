/* Scalar multiply-add loop (the peak of the reference kernels). */
#include "kernels/peak.h"

uint64_t zn_fma_loop_ref(uint64_t iters) {
    float acc[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    const float m = 0.999999f, a = 1e-7f;
    for (uint64_t i = 0; i < iters; i++)
        for (int j = 0; j < 8; j++) acc[j] = acc[j] * m + a;
    volatile float sink = acc[0] + acc[1] + acc[2] + acc[3] + acc[4] + acc[5] + acc[6] + acc[7];
    (void)sink;
    return iters * 8 * 2;
}
