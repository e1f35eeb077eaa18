/* AVX-512 GEMM kernels. */
#include "kernels/gemm_kernels.h"

void zn_gemm_init_avx512(zn_gemm_kernels *k) { (void)k; }
