/* Kernel dispatch: one table per ISA, filled once. Everything outside
 * src/kernels reaches compute through these tables. */
#ifndef ZN_KERNELS_H
#define ZN_KERNELS_H

#include "zenn/base.h"
#include "zenn/vmath.h"
#include "kernels/fann_kernels.h"
#include "kernels/gemm_kernels.h"
#include "kernels/norm_kernels.h"
#include "kernels/optim_kernels.h"
#include "kernels/peak.h"
#include "kernels/rnn_kernels.h"
#include "kernels/vmath_kernels.h"

typedef struct zn_kernels {
    zn_isa isa;
    zn_vmath_kernels vmath;
    zn_gemm_kernels gemm;
    zn_optim_kernels optim;
    zn_fann_kernels fann;    /* FANN-structured layers (src/fann) */
    zn_norm_kernels norm;    /* layer-norm and RMS-norm rows (norm.c) */
    zn_rnn_kernels rnn;      /* recurrent layers' gate loops (rnn.c) */
    zn_fma_loop_fn fma_loop; /* peak probe for benchmarks */
} zn_kernels;

/* The table for zn_isa_active(). Never NULL. */
const zn_kernels *zn_kernels_get(void);

/* The table for one ISA, or NULL when this CPU cannot run it (tests compare
 * every available ISA with ZN_ISA_REF). */
const zn_kernels *zn_kernels_for(zn_isa isa);

/* y = act(x) through a table; ZN_ACT_NONE copies (or does nothing if y == x). */
void zn_apply_act(const zn_vmath_kernels *k, zn_act act, float alpha, size_t n, const float *x, float *y);

#endif
