/* The GEMM/GEMV kernel table (one per ISA). Arguments are already checked;
 * sizes are non-negative and fit in memory. Row-major throughout.
 *
 * The blocked driver (gemm_driver.c) is shared by every ISA; a table gives it
 * the micro-tile (mr x nr), the cache blocks and the micro-kernel. */
#ifndef ZN_GEMM_KERNELS_H
#define ZN_GEMM_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/* The micro-kernel: one m x n tile of C (m <= mr, n <= nr) over k steps.
 *   acc(i,j) = sum_p A(i,p) B(p,j)      summed in increasing p with FMAs
 *   C(i,j)   = alpha*acc + beta*C(i,j)  (beta == 0: C is not read)
 *            + bias[j]                  (when bias != NULL)
 * A(i,p) is a[i*rsa + p*csa] with rsa == 1 (packed panels, or A^T in place)
 * or csa == 1 (A in place, row-major). B(p,j) is b[p*rsb + j].
 * Loads and stores stay within the m x n tile, so A and B may be unpacked
 * user memory. Every element of C is computed by the same sequence of
 * operations whatever its place in the tile, so the tiling never changes a
 * result.
 * pf: NULL, or memory to fetch toward L2 while the tile computes, one
 * 64-byte line per k step from pf, min(pf_lines, k) lines; it is only
 * prefetched, never read (the driver's look-ahead into a packed B that
 * streams from memory, which the hardware prefetcher follows poorly). */
typedef void (*zn_sgemm_ukr_fn)(int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t rsa, int64_t csa,
                                const float *b, int64_t rsb, float beta, float *c, int64_t ldc, const float *bias,
                                const float *pf, int64_t pf_lines);

/* Packs a k x n block of B (B(p,j) = b[p*rsb + j*csb], rsb == 1 or
 * csb == 1) into ceil(n/nr) panels of k x nr (element (p,j) at p*nr + j),
 * zero-padded. */
typedef void (*zn_gemm_pack_b_fn)(int nr, int64_t k, int64_t n, const float *b, int64_t rsb, int64_t csb, float *dst);

/* y = alpha * op(A) x + beta * y, unit strides; beta == 0: y is not read.
 * Each y element's result depends only on its own row (or column) of A,
 * never on which part of a larger problem it was called for. */
typedef void (*zn_sgemv_fn)(int trans, int64_t m, int64_t n, float alpha, const float *a, int64_t lda, const float *x,
                            float beta, float *y);

typedef void (*zn_sgemm_full_fn)(int transa, int transb, int64_t m, int64_t n, int64_t k, float alpha, const float *a,
                                 int64_t lda, const float *b, int64_t ldb, float beta, float *c, int64_t ldc);

typedef struct zn_gemm_kernels {
    int mr, nr;     /* micro-tile */
    int kc, mc, nc; /* cache blocks (mc a multiple of mr, nc of nr) */
    int nc_l2;      /* nc for a B panel that fits L2 (one mc block, or several threads) */
    zn_sgemm_ukr_fn ukr;
    zn_gemm_pack_b_fn pack_b;
    /* Copies m rows of k floats (stride lda) to dst (stride ldd). */
    void (*pack_rows)(int64_t m, int64_t k, const float *a, int64_t lda, float *dst, int64_t ldd);
    zn_sgemv_fn sgemv;
    /* Rank-1 update of rows [0, m): a[i][j] += (alpha * x[i * incx]) * y[j],
     * j < n (the product alpha * x[i] rounded first, in every table). */
    void (*ger)(int64_t m, int64_t n, float alpha, const float *x, int64_t incx, const float *y, float *a, int64_t lda);
    /* One pass over rows [0, m) of A for a training step and the next
     * sample's forward product: ger's rank-1 update (unit incx), then
     * z[j] = sum over i of a[i][j] w[i] with the updated rows, j < n,
     * summed as sgemv's trans form with alpha 1 and beta 0. Bit for bit the
     * table's ger followed by its sgemv, reading A once instead of twice. */
    void (*ger_gemvt)(int64_t m, int64_t n, float alpha, const float *x, const float *y, float *a, int64_t lda,
                      const float *w, float *z);
    /* C from its transpose: c[i][j] = t[j][i] + beta * c[i][j] (the product
     * and the sum each rounded; beta == 0: C is not read), i < m, j < n, t
     * an n x m block with row stride ldt (the flipped GEMM's buffer). */
    void (*tr_add)(int64_t m, int64_t n, const float *t, int64_t ldt, float beta, float *c, int64_t ldc);
    /* Scalar double-accumulating oracles (the same in every table): the
     * references the tests compare with. Single-threaded, no epilogue. */
    zn_sgemm_full_fn sgemm_oracle;
    zn_sgemv_fn sgemv_oracle;
} zn_gemm_kernels;

void zn_gemm_init_ref(zn_gemm_kernels *k);
void zn_gemm_init_avx2(zn_gemm_kernels *k);
void zn_gemm_init_avx512(zn_gemm_kernels *k);

/* Portable packing (gemm_pack.c). A is packed by copies only, in the layout
 * it already has, because the micro-kernel reads either: */
/* m rows of k floats (row stride lda) to dst with row stride ldd. */
void zn_gemm_pack_rows(int64_t m, int64_t k, const float *a, int64_t lda, float *dst, int64_t ldd);
/* A^T in place (A(i,p) = a[p*lda + i]) to ceil(m/mr) zero-padded panels of
 * k x mr. */
void zn_gemm_pack_a_panels(int mr, int64_t m, int64_t k, const float *a, int64_t lda, float *dst);
/* The portable pack_b of every table. */
void zn_gemm_pack_b_c(int nr, int64_t k, int64_t n, const float *b, int64_t rsb, int64_t csb, float *dst);

#endif
