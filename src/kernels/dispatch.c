/* Fills the kernel tables once, from the CPU's features. */
#include <pthread.h>
#include <string.h>

#include "base/internal.h"
#include "kernels/kernels.h"

static zn_kernels tables[ZN_ISA_COUNT];
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static void fill_tables(void) {
    /* Each ISA starts from the one below it, so a table is always complete. */
    zn_kernels *ref = &tables[ZN_ISA_REF];
    ref->isa = ZN_ISA_REF;
    zn_vmath_init_ref(&ref->vmath);
    zn_gemm_init_ref(&ref->gemm);
    ref->fma_loop = zn_fma_loop_ref;
    zn_optim_init_ref(&ref->optim);
    zn_fann_init_ref(&ref->fann);
    zn_norm_init_ref(&ref->norm);
    zn_rnn_init_ref(&ref->rnn);

    if (zn_isa_supported(ZN_ISA_AVX2)) {
        zn_kernels *t = &tables[ZN_ISA_AVX2];
        *t = *ref;
        t->isa = ZN_ISA_AVX2;
        zn_vmath_init_avx2(&t->vmath);
        zn_gemm_init_avx2(&t->gemm);
        t->fma_loop = zn_fma_loop_avx2;
        zn_optim_init_avx2(&t->optim);
        zn_fann_init_avx2(&t->fann);
        zn_norm_init_avx2(&t->norm);
        zn_rnn_init_avx2(&t->rnn);
    }
    if (zn_isa_supported(ZN_ISA_AVX512)) {
        zn_kernels *t = &tables[ZN_ISA_AVX512];
        *t = tables[ZN_ISA_AVX2];
        t->isa = ZN_ISA_AVX512;
        zn_vmath_init_avx512(&t->vmath);
        zn_gemm_init_avx512(&t->gemm);
        t->fma_loop = zn_fma_loop_avx512;
        zn_optim_init_avx512(&t->optim);
        zn_fann_init_avx512(&t->fann);
        zn_norm_init_avx512(&t->norm);
        zn_rnn_init_avx512(&t->rnn);
    }
    zn_log(ZN_LOG_INFO, "kernels: %s (cpu: %s)", zn_isa_name(zn_isa_active()), zn_cpu()->brand);
}

const zn_kernels *zn_kernels_for(zn_isa isa) {
    if ((int)isa < 0 || isa >= ZN_ISA_COUNT || !zn_isa_supported(isa)) return NULL;
    pthread_once(&tables_once, fill_tables);
    return &tables[isa];
}

const zn_kernels *zn_kernels_get(void) { return zn_kernels_for(zn_isa_active()); }
