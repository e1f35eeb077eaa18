/* AVX-512 vector math. */
#include "kernels/vmath_kernels.h"

void zn_vmath_init_avx512(zn_vmath_kernels *k) { (void)k; }
