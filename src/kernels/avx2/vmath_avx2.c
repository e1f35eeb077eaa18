/* AVX2+FMA vector math. */
#include "kernels/vmath_kernels.h"

void zn_vmath_init_avx2(zn_vmath_kernels *k) { (void)k; }
