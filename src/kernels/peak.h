/* Peak probes: loops of independent FMAs that show what the core can do,
 * for the benchmark's "percent of peak" figures. */
#ifndef ZN_PEAK_H
#define ZN_PEAK_H

#include <stdint.h>

/* Runs `iters` iterations of independent multiply-adds; returns the flops
 * done (a multiply-add counts two). */
typedef uint64_t (*zn_fma_loop_fn)(uint64_t iters);

uint64_t zn_fma_loop_ref(uint64_t iters);
uint64_t zn_fma_loop_avx2(uint64_t iters);
uint64_t zn_fma_loop_avx512(uint64_t iters);

#endif
