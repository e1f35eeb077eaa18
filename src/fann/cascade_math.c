/* sin and cos of a column of candidate sums at once. libm's sincosf is one
 * call per value and was half of candidate training (four of FANN's ten
 * candidate functions are sines and cosines); this loop has no calls or
 * branches, so the compiler vectorises it. Cody-Waite reduction by pi/2 in
 * three parts and the Cephes single-precision polynomials on [-pi/4, pi/4]:
 * within a few float ulps of sin/cos for |x| <= 8192 (FANN's clamp keeps
 * candidate arguments within +-150). */
#include "fann/cascade_internal.h"

void zn_cascade_sincos(int64_t n, const float *x, float *sn, float *cs) {
    const float round_magic = 12582912.0f; /* 1.5 * 2^23: adding and subtracting rounds to an integer */
    for (int64_t i = 0; i < n; i++) {
        const float t = x[i];
        const float j = (t * 0.636619772367581343f + round_magic) - round_magic;
        const int q = (int)j;
        float r = t - j * 1.5703125f;
        r = r - j * 4.837512969970703125e-4f;
        r = r - j * 7.54978995489188216e-8f;
        const float z = r * r;
        const float ps = r + r * z * (-1.6666654611e-1f + z * (8.3321608736e-3f + z * -1.9515295891e-4f));
        const float pc = 1.0f - 0.5f * z +
                         z * z * (4.166664568298827e-2f + z * (-1.388731625493765e-3f + z * 2.443315711809948e-5f));
        const float s0 = (q & 1) ? pc : ps, c0 = (q & 1) ? ps : pc;
        sn[i] = (q & 2) ? -s0 : s0;
        cs[i] = ((q + 1) & 2) ? -c0 : c0;
    }
}
