/* Reading gzip-compressed IDX files of unsigned bytes (MNIST). */
#ifndef ZN_BENCH_IDX_H
#define ZN_BENCH_IDX_H

#include <stddef.h>
#include <stdint.h>

typedef struct bench_idx {
    int ndim;
    uint32_t dims[4];
    size_t count;        /* product of dims */
    unsigned char *data; /* count bytes */
} bench_idx;

/* 1 on success; otherwise 0 with the reason in why. */
int bench_idx_read(const char *path, bench_idx *out, char *why, size_t cap);
void bench_idx_free(bench_idx *idx);

#endif
