/* AVX-512 GEMM micro-kernel (14 x 32 tile: 28 accumulators, two B vectors,
 * A broadcast from memory) and GEMV kernels. 28 independent chains cover
 * the FMA latency with room to spare.
 *
 * One always-inline body is instantiated for every tile height and for one or
 * two B vectors, so edge tiles run unrolled code with masked loads and stores
 * instead of a scalar fallback, and never touch memory outside the tile. */
#include <immintrin.h>

#include "kernels/gemm_kernels.h"

#define MR 14
#define NR 32
/* rows of B packed per visit of each panel */
#define PACK_ROWS 4
#define ZN_INLINE static inline __attribute__((always_inline))

/* One k step of an M x (16 NV) tile: acc += A(:,p) B(p,:), where A(i,p) is
 * ap[i * ars] (ap at column p). */
ZN_INLINE void kstep(const int M, const int NV, __m512 acc[MR][2], const float *ap, int64_t ars, const float *b,
                     __mmask16 m0, __mmask16 m1) {
    __m512 b0 = _mm512_maskz_loadu_ps(m0, b);
    __m512 b1 = NV == 2 ? _mm512_maskz_loadu_ps(m1, b + 16) : b0;
#pragma GCC unroll 16
    for (int i = 0; i < M; i++) {
        __m512 av = _mm512_set1_ps(ap[i * ars]);
        acc[i][0] = _mm512_fmadd_ps(av, b0, acc[i][0]);
        if (NV == 2) acc[i][1] = _mm512_fmadd_ps(av, b1, acc[i][1]);
    }
}

/* M rows, NV vectors of 16 columns (the last one masked by ml). AROW: A is
 * row-major in place (A(i,p) = a[i*rsa + p]), else A(i,p) = a[i + p*csa].
 * The first npf k steps each prefetch one line from pf. */
ZN_INLINE void tile(const int M, const int NV, const int AROW, int64_t k, float alpha, const float *a, int64_t rsa,
                    int64_t csa, const float *b, int64_t rsb, float beta, float *c, int64_t ldc, const float *bias,
                    __mmask16 ml, const float *pf, int64_t npf) {
    const __mmask16 m0 = NV == 1 ? ml : (__mmask16)0xFFFF, m1 = ml;
    const int64_t ars = AROW ? rsa : 1, acs = AROW ? 1 : csa;
    __m512 acc[MR][2];
    /* C is read or written only after the k loop: start fetching it now. */
#pragma GCC unroll 16
    for (int i = 0; i < M; i++) {
        _mm_prefetch((const char *)(c + i * ldc), _MM_HINT_T0);
        if (NV == 2) _mm_prefetch((const char *)(c + i * ldc + 16), _MM_HINT_T0);
    }
#pragma GCC unroll 16
    for (int i = 0; i < M; i++) {
        acc[i][0] = _mm512_setzero_ps();
        acc[i][1] = _mm512_setzero_ps();
    }
    int64_t p = 0;
    for (; p < npf; p++, b += rsb) {
        _mm_prefetch((const char *)(pf + 16 * p), _MM_HINT_T1);
        kstep(M, NV, acc, a + p * acs, ars, b, m0, m1);
    }
    for (; p < k; p++, b += rsb) kstep(M, NV, acc, a + p * acs, ars, b, m0, m1);
    const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
    const __m512 bias0 = bias ? _mm512_maskz_loadu_ps(m0, bias) : _mm512_setzero_ps();
    const __m512 bias1 = bias && NV == 2 ? _mm512_maskz_loadu_ps(m1, bias + 16) : _mm512_setzero_ps();
#pragma GCC unroll 16
    for (int i = 0; i < M; i++) {
        float *ci = c + i * ldc;
        __m512 r0 = _mm512_mul_ps(va, acc[i][0]);
        __m512 r1 = _mm512_mul_ps(va, acc[i][1]);
        if (beta != 0.0f) {
            r0 = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(m0, ci), r0);
            if (NV == 2) r1 = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(m1, ci + 16), r1);
        }
        if (bias) {
            r0 = _mm512_add_ps(r0, bias0);
            r1 = _mm512_add_ps(r1, bias1);
        }
        _mm512_mask_storeu_ps(ci, m0, r0);
        if (NV == 2) _mm512_mask_storeu_ps(ci + 16, m1, r1);
    }
}

typedef void (*tile_fn)(int64_t k, float alpha, const float *a, int64_t rsa, int64_t csa, const float *b, int64_t rsb,
                        float beta, float *c, int64_t ldc, const float *bias, __mmask16 ml, const float *pf,
                        int64_t npf);

#define TILE_FN(M, NV, AROW)                                                                                           \
    static void tile_##M##_##NV##_##AROW(int64_t k, float alpha, const float *a, int64_t rsa, int64_t csa,             \
                                         const float *b, int64_t rsb, float beta, float *c, int64_t ldc,               \
                                         const float *bias, __mmask16 ml, const float *pf, int64_t npf) {              \
        tile(M, NV, AROW, k, alpha, a, rsa, csa, b, rsb, beta, c, ldc, bias, ml, pf, npf);                             \
    }
#define TILE_FNS(M) TILE_FN(M, 1, 0) TILE_FN(M, 2, 0) TILE_FN(M, 1, 1) TILE_FN(M, 2, 1)
TILE_FNS(1)
TILE_FNS(2)
TILE_FNS(3)
TILE_FNS(4)
TILE_FNS(5)
TILE_FNS(6)
TILE_FNS(7)
TILE_FNS(8)
TILE_FNS(9)
TILE_FNS(10)
TILE_FNS(11)
TILE_FNS(12)
TILE_FNS(13)
TILE_FNS(14)

#define ROW(AROW, NV)                                                                                                  \
    {                                                                                                                  \
        tile_1_##NV##_##AROW, tile_2_##NV##_##AROW, tile_3_##NV##_##AROW, tile_4_##NV##_##AROW, tile_5_##NV##_##AROW,  \
            tile_6_##NV##_##AROW, tile_7_##NV##_##AROW, tile_8_##NV##_##AROW, tile_9_##NV##_##AROW,                    \
            tile_10_##NV##_##AROW, tile_11_##NV##_##AROW, tile_12_##NV##_##AROW, tile_13_##NV##_##AROW,                \
            tile_14_##NV##_##AROW                                                                                      \
    }
static const tile_fn tiles[2][2][MR] = {{ROW(0, 1), ROW(0, 2)}, {ROW(1, 1), ROW(1, 2)}};

static void ukr_avx512(int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t rsa, int64_t csa,
                       const float *b, int64_t rsb, float beta, float *c, int64_t ldc, const float *bias,
                       const float *pf, int64_t pf_lines) {
    const int nv = n > 16 ? 2 : 1;
    const __mmask16 ml = (__mmask16)((1u << (n - 16 * (nv - 1))) - 1);
    const int64_t npf = pf ? (pf_lines < k ? pf_lines : k) : 0;
    tiles[rsa != 1][nv - 1][m - 1](k, alpha, a, rsa, csa, b, rsb, beta, c, ldc, bias, ml, pf, npf);
}

/* ---- packing B^T ------------------------------------------------------------------ */

/* In-register 16 x 16 transpose: r[i] holds row i on entry, column i on exit. */
static inline void transpose16(__m512 r[16]) {
    __m512 t[16], u[16];
    for (int i = 0; i < 8; i++) {
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int i = 0; i < 4; i++) {
        u[4 * i + 0] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], 0x44);
        u[4 * i + 1] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], 0xEE);
        u[4 * i + 2] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
        u[4 * i + 3] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xEE);
    }
    /* u[4i + c], 128-bit lane L, holds rows 4i..4i+3 of column 4L + c. */
    for (int c = 0; c < 4; c++) {
        __m512 v = _mm512_shuffle_f32x4(u[c], u[4 + c], 0x88), w = _mm512_shuffle_f32x4(u[c], u[4 + c], 0xDD);
        __m512 v2 = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0x88);
        __m512 w2 = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0xDD);
        r[c] = _mm512_shuffle_f32x4(v, v2, 0x88);
        r[8 + c] = _mm512_shuffle_f32x4(v, v2, 0xDD);
        r[4 + c] = _mm512_shuffle_f32x4(w, w2, 0x88);
        r[12 + c] = _mm512_shuffle_f32x4(w, w2, 0xDD);
    }
}

/* B (rows contiguous) is copied with vector moves, avoiding a memcpy call per
 * 128-byte row piece. B^T (B(p,j) = b[j*csb + p]) is the only operand
 * packing transposes: full 32-column panels go through 16 x 16 register
 * transposes; its edge panel uses the portable routine. */
static void pack_b_avx512(int nr, int64_t k, int64_t n, const float *b, int64_t rsb, int64_t csb, float *dst) {
    if (nr != NR) {
        zn_gemm_pack_b_c(nr, k, n, b, rsb, csb, dst);
        return;
    }
    if (csb == 1) {
        /* Four rows at a time, so each panel gets 512 contiguous bytes per
         * visit instead of 128, while the next four rows are fetched: rows
         * of a weight matrix are pieces of longer rows, and the hardware
         * prefetcher does not follow the jumps. Fetches past the block or
         * past B are only prefetches. */
        const int64_t full = n / NR, w = n - full * NR;
        const __mmask16 m0 = (__mmask16)(w >= 16 ? 0xFFFF : (1u << w) - 1);
        const __mmask16 m1 = (__mmask16)(w > 16 ? (1u << (w - 16)) - 1 : 0);
        int64_t p = 0;
        for (; p < k; p += PACK_ROWS) {
            const int rows = k - p < PACK_ROWS ? (int)(k - p) : PACK_ROWS;
            const float *src = b + p * rsb;
            float *d = dst + p * NR;
            for (int64_t jp = 0; jp < full; jp++, src += NR, d += NR * k)
                for (int r = 0; r < rows; r++) {
                    const float *s = src + r * rsb;
                    _mm_prefetch((const char *)(s + PACK_ROWS * rsb), _MM_HINT_T0);
                    _mm_prefetch((const char *)(s + PACK_ROWS * rsb + 16), _MM_HINT_T0);
                    _mm512_storeu_ps(d + r * NR, _mm512_loadu_ps(s));
                    _mm512_storeu_ps(d + r * NR + 16, _mm512_loadu_ps(s + 16));
                }
            if (w)
                for (int r = 0; r < rows; r++) {
                    const float *s = src + r * rsb;
                    _mm512_storeu_ps(d + r * NR, _mm512_maskz_loadu_ps(m0, s));
                    _mm512_storeu_ps(d + r * NR + 16, _mm512_maskz_loadu_ps(m1, s + 16));
                }
        }
        return;
    }
    for (int64_t j = 0; j < n; j += NR, dst += NR * k) {
        if (n - j < NR) {
            zn_gemm_pack_b_c(nr, k, n - j, b + j * csb, rsb, csb, dst);
            break;
        }
        /* 16 rows of the panel per step; the last k % 16 from masked loads,
         * not element by element (a short k is common: B^T of an output
         * layer). */
        for (int64_t p = 0; p < k; p += 16) {
            const int rest = k - p < 16 ? (int)(k - p) : 16;
            const __mmask16 mk = (__mmask16)((1u << rest) - 1);
            for (int h = 0; h < 2; h++) {
                __m512 r[16];
                for (int i = 0; i < 16; i++) {
                    const float *src = b + (j + 16 * h + i) * csb + p;
                    /* 32 strided rows are too many streams for the hardware prefetcher. */
                    _mm_prefetch((const char *)(src + 64), _MM_HINT_T0);
                    r[i] = _mm512_maskz_loadu_ps(mk, src);
                }
                transpose16(r);
                for (int q = 0; q < rest; q++) _mm512_storeu_ps(dst + (p + q) * NR + 16 * h, r[q]);
            }
        }
    }
}

/* Row copies for A blocks: short rows (kc floats) make memcpy's per-call
 * setup a visible cost. */
static void pack_rows_avx512(int64_t m, int64_t k, const float *a, int64_t lda, float *dst, int64_t ldd) {
    const __mmask16 mt = (__mmask16)((1u << (k & 15)) - 1);
    for (int64_t i = 0; i < m; i++, a += lda, dst += ldd) {
        int64_t p = 0;
        for (; p + 64 <= k; p += 64) {
            /* Rows are short: fetch the next row alongside so its start never waits on memory. */
            const char *nx = (const char *)(a + lda + p);
            _mm_prefetch(nx, _MM_HINT_T0);
            _mm_prefetch(nx + 64, _MM_HINT_T0);
            _mm_prefetch(nx + 128, _MM_HINT_T0);
            _mm_prefetch(nx + 192, _MM_HINT_T0);
            __m512 v0 = _mm512_loadu_ps(a + p), v1 = _mm512_loadu_ps(a + p + 16);
            __m512 v2 = _mm512_loadu_ps(a + p + 32), v3 = _mm512_loadu_ps(a + p + 48);
            _mm512_storeu_ps(dst + p, v0);
            _mm512_storeu_ps(dst + p + 16, v1);
            _mm512_storeu_ps(dst + p + 32, v2);
            _mm512_storeu_ps(dst + p + 48, v3);
        }
        for (; p + 16 <= k; p += 16) _mm512_storeu_ps(dst + p, _mm512_loadu_ps(a + p));
        if (p < k) _mm512_mask_storeu_ps(dst + p, mt, _mm512_maskz_loadu_ps(mt, a + p));
    }
}

/* ---- GEMV ------------------------------------------------------------------ */

/* One row of A dotted with x: four sums over 64-float steps, then 16-float
 * steps into the first and a masked tail into the second, added in a fixed
 * order. A row at a time reads A as one sequential stream, which the
 * hardware fetches ahead best. */
static float dot_row(int64_t n, const float *a, const float *x) {
    __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    int64_t p = 0;
    for (; p + 64 <= n; p += 64) {
        s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + p), _mm512_loadu_ps(x + p), s0);
        s1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + p + 16), _mm512_loadu_ps(x + p + 16), s1);
        s2 = _mm512_fmadd_ps(_mm512_loadu_ps(a + p + 32), _mm512_loadu_ps(x + p + 32), s2);
        s3 = _mm512_fmadd_ps(_mm512_loadu_ps(a + p + 48), _mm512_loadu_ps(x + p + 48), s3);
    }
    for (; p + 16 <= n; p += 16) s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + p), _mm512_loadu_ps(x + p), s0);
    if (p < n) {
        const __mmask16 mk = (__mmask16)((1u << (n - p)) - 1);
        s1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mk, a + p), _mm512_maskz_loadu_ps(mk, x + p), s1);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
}

/* Columns [0, 16*NV) of y (the last vector masked by ml) from all m rows
 * of A: one FMA chain per element in increasing row order. */
ZN_INLINE void gemv_cols(const int NV, int64_t m, float alpha, const float *a, int64_t lda, const float *x, float beta,
                         float *y, __mmask16 ml) {
    __m512 acc[16];
#pragma GCC unroll 16
    for (int v = 0; v < NV; v++) acc[v] = _mm512_setzero_ps();
    for (int64_t p = 0; p < m; p++, a += lda) {
        __m512 xv = _mm512_set1_ps(x[p]);
        /* 8 rows ahead (a prefetch past the end of A is harmless) */
        const char *ahead = (const char *)(a + 8 * lda);
#pragma GCC unroll 16
        for (int v = 0; v < NV; v++) _mm_prefetch(ahead + 64 * v, _MM_HINT_T0);
#pragma GCC unroll 16
        for (int v = 0; v < NV; v++) {
            __mmask16 mk = v == NV - 1 ? ml : (__mmask16)0xFFFF;
            acc[v] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mk, a + 16 * v), xv, acc[v]);
        }
    }
    const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
#pragma GCC unroll 16
    for (int v = 0; v < NV; v++) {
        __mmask16 mk = v == NV - 1 ? ml : (__mmask16)0xFFFF;
        __m512 r = _mm512_mul_ps(va, acc[v]);
        if (beta != 0.0f) r = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(mk, y + 16 * v), r);
        _mm512_mask_storeu_ps(y + 16 * v, mk, r);
    }
}

/* The four chains of vector v, added in the one order the narrow kernels
 * share (ger_gemvt must give sgemv's bits). */
ZN_INLINE __m512 add_chains(__m512 acc[4][2], int v) {
    return _mm512_add_ps(_mm512_add_ps(acc[0][v], acc[1][v]), _mm512_add_ps(acc[2][v], acc[3][v]));
}

/* A^T x for n <= 32 columns (NV vectors, the last masked by ml): four FMA
 * chains per element, row p in chain p % 4, added as (c0 + c1) + (c2 + c3).
 * One chain would wait the FMA latency at each of A's rows with only one
 * or two FMAs in flight. The chains depend on the row count only, so a
 * row part's sums are the same whichever thread computes them. */
ZN_INLINE void narrow_sums(const int NV, int64_t m, const float *a, int64_t lda, const float *x, __mmask16 ml,
                           __m512 sum[2]) {
    __m512 acc[4][2];
    for (int c = 0; c < 4; c++) acc[c][0] = acc[c][1] = _mm512_setzero_ps();
    int64_t p = 0;
    for (; p + 4 <= m; p += 4, a += 4 * lda)
#pragma GCC unroll 4
        for (int c = 0; c < 4; c++) {
            const __m512 xv = _mm512_set1_ps(x[p + c]);
#pragma GCC unroll 2
            for (int v = 0; v < NV; v++)
                acc[c][v] = _mm512_fmadd_ps(
                    _mm512_maskz_loadu_ps(v == NV - 1 ? ml : (__mmask16)0xFFFF, a + c * lda + 16 * v), xv, acc[c][v]);
        }
    for (int c = 0; p < m; p++, c++, a += lda) {
        const __m512 xv = _mm512_set1_ps(x[p]);
        for (int v = 0; v < NV; v++)
            acc[c][v] =
                _mm512_fmadd_ps(_mm512_maskz_loadu_ps(v == NV - 1 ? ml : (__mmask16)0xFFFF, a + 16 * v), xv, acc[c][v]);
    }
    for (int v = 0; v < NV; v++) sum[v] = add_chains(acc, v);
}

static void gemv_t_narrow(int64_t m, int64_t n, float alpha, const float *a, int64_t lda, const float *x, float beta,
                          float *y) {
    const int nv = n > 16 ? 2 : 1;
    const __mmask16 ml = (__mmask16)((1u << (n - 16 * (nv - 1))) - 1);
    __m512 sum[2];
    if (nv == 1)
        narrow_sums(1, m, a, lda, x, ml, sum);
    else
        narrow_sums(2, m, a, lda, x, ml, sum);
    const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
    for (int v = 0; v < nv; v++) {
        const __mmask16 mk = v == nv - 1 ? ml : (__mmask16)0xFFFF;
        __m512 r = _mm512_mul_ps(va, sum[v]);
        if (beta != 0.0f) r = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(mk, y + 16 * v), r);
        _mm512_mask_storeu_ps(y + 16 * v, mk, r);
    }
}

typedef void (*gemv_cols_fn)(int64_t m, float alpha, const float *a, int64_t lda, const float *x, float beta, float *y,
                             __mmask16 ml);
#define GEMV_COLS(NV)                                                                                                  \
    static void gemv_cols_##NV(int64_t m, float alpha, const float *a, int64_t lda, const float *x, float beta,        \
                               float *y, __mmask16 ml) {                                                               \
        gemv_cols(NV, m, alpha, a, lda, x, beta, y, ml);                                                               \
    }
GEMV_COLS(1)
GEMV_COLS(2)
GEMV_COLS(3)
GEMV_COLS(4)
GEMV_COLS(5)
GEMV_COLS(6)
GEMV_COLS(7)
GEMV_COLS(8)
GEMV_COLS(9)
GEMV_COLS(10)
GEMV_COLS(11)
GEMV_COLS(12)
GEMV_COLS(13)
GEMV_COLS(14)
GEMV_COLS(15)
GEMV_COLS(16)
static const gemv_cols_fn gemv_cols_fns[16] = {
    gemv_cols_1, gemv_cols_2,  gemv_cols_3,  gemv_cols_4,  gemv_cols_5,  gemv_cols_6,  gemv_cols_7,  gemv_cols_8,
    gemv_cols_9, gemv_cols_10, gemv_cols_11, gemv_cols_12, gemv_cols_13, gemv_cols_14, gemv_cols_15, gemv_cols_16};

/* R rows of A^T x into the sums acc (nv vectors, the last masked by ml):
 * acc[j] = fma(A(p, j), x[p], acc[j]) for each row in order, the chain
 * gemv_cols keeps in registers. */
ZN_INLINE void gemv_t_rows(const int R, int64_t nv, const float *a, int64_t lda, const float *x, float *acc,
                           __mmask16 ml) {
    __m512 xv[4];
#pragma GCC unroll 4
    for (int r = 0; r < R; r++) xv[r] = _mm512_set1_ps(x[r]);
    for (int64_t v = 0; v < nv; v++) {
        const __mmask16 mk = v == nv - 1 ? ml : (__mmask16)0xFFFF;
        __m512 s = _mm512_load_ps(acc + 16 * v);
#pragma GCC unroll 4
        for (int r = 0; r < R; r++) {
            /* the next R rows, a line at a time (a fetch past A is harmless) */
            _mm_prefetch((const char *)(a + (r + R) * lda + 16 * v), _MM_HINT_T0);
            s = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mk, a + r * lda + 16 * v), xv[r], s);
        }
        _mm512_store_ps(acc + 16 * v, s);
    }
}

enum { GEMV_T_CHUNK = 1024 };

/* A^T x for rows wider than 512 columns: the sums of up to 1024 columns
 * stay in L1 while four rows at a time stream through whole, instead of
 * 256-column strips of every row (at 512 columns strips are as fast). Each sum is the same FMA chain in
 * row order as gemv_cols computes, so the bits are the same. */
static void gemv_t_wide(int64_t m, int64_t n, float alpha, const float *a, int64_t lda, const float *x, float beta,
                        float *y) {
    _Alignas(64) float acc[GEMV_T_CHUNK];
    const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
    for (int64_t j = 0; j < n; j += GEMV_T_CHUNK) {
        const int64_t w = n - j < GEMV_T_CHUNK ? n - j : GEMV_T_CHUNK, nv = (w + 15) / 16;
        const __mmask16 ml = (__mmask16)((1u << (w - 16 * (nv - 1))) - 1);
        for (int64_t v = 0; v < nv; v++) _mm512_store_ps(acc + 16 * v, _mm512_setzero_ps());
        int64_t p = 0;
        for (; p + 4 <= m; p += 4) gemv_t_rows(4, nv, a + p * lda + j, lda, x + p, acc, ml);
        for (; p < m; p++) gemv_t_rows(1, nv, a + p * lda + j, lda, x + p, acc, ml);
        for (int64_t v = 0; v < nv; v++) {
            const __mmask16 mk = v == nv - 1 ? ml : (__mmask16)0xFFFF;
            __m512 r = _mm512_mul_ps(va, _mm512_load_ps(acc + 16 * v));
            if (beta != 0.0f) r = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(mk, y + j + 16 * v), r);
            _mm512_mask_storeu_ps(y + j + 16 * v, mk, r);
        }
    }
}

static void sgemv_avx512(int trans, int64_t m, int64_t n, float alpha, const float *a, int64_t lda, const float *x,
                         float beta, float *y) {
    if (!trans) {
        for (int64_t i = 0; i < m; i++) {
            const float s = dot_row(n, a + i * lda, x);
            y[i] = alpha * s + (beta == 0.0f ? 0.0f : beta * y[i]);
        }
        return;
    }
    if (n > 512) {
        gemv_t_wide(m, n, alpha, a, lda, x, beta, y);
        return;
    }
    if (n <= 32) {
        gemv_t_narrow(m, n, alpha, a, lda, x, beta, y);
        return;
    }
    /* Blocks of 256 columns: 16 accumulators, 1 KiB of each row of A. */
    for (int64_t j = 0; j < n; j += 256) {
        int64_t w = n - j < 256 ? n - j : 256;
        int nv = (int)((w + 15) / 16);
        __mmask16 ml = (__mmask16)((1u << (w - 16 * (nv - 1))) - 1);
        gemv_cols_fns[nv - 1](m, alpha, a + j, lda, x, beta, y + j, ml);
    }
}

/* Row by row: each row of A streams through once, 4 vectors at a time. */
static void ger_avx512(int64_t m, int64_t n, float alpha, const float *x, int64_t incx, const float *y, float *a,
                       int64_t lda) {
    const __mmask16 tail = (__mmask16)((1u << (n & 15)) - 1);
    for (int64_t i = 0; i < m; i++) {
        const __m512 s = _mm512_set1_ps(alpha * x[i * incx]);
        float *row = a + i * lda;
        int64_t j = 0;
        for (; j + 64 <= n; j += 64)
            for (int v = 0; v < 4; v++)
                _mm512_storeu_ps(row + j + 16 * v, _mm512_fmadd_ps(s, _mm512_loadu_ps(y + j + 16 * v),
                                                                   _mm512_loadu_ps(row + j + 16 * v)));
        for (; j + 16 <= n; j += 16)
            _mm512_storeu_ps(row + j, _mm512_fmadd_ps(s, _mm512_loadu_ps(y + j), _mm512_loadu_ps(row + j)));
        if (tail) {
            __m512 r = _mm512_fmadd_ps(s, _mm512_maskz_loadu_ps(tail, y + j), _mm512_maskz_loadu_ps(tail, row + j));
            _mm512_mask_storeu_ps(row + j, tail, r);
        }
    }
}

/* One vector of a row updated as ger_avx512 does (a += s y, masked by mk)
 * and stored; the updated values. */
ZN_INLINE __m512 ger_vec(__m512 s, const float *y, float *a, __mmask16 mk) {
    const __m512 r = _mm512_fmadd_ps(s, _mm512_maskz_loadu_ps(mk, y), _mm512_maskz_loadu_ps(mk, a));
    _mm512_mask_storeu_ps(a, mk, r);
    return r;
}

/* Columns [0, 16*NV) (the last vector masked by ml) of rows [0, m): each
 * row updated as ger_avx512 does and stored, then added into z's sums as
 * gemv_cols does (alpha 1: its final multiply is exact), so the pass gives
 * both kernels' results bit for bit while A streams through once. */
ZN_INLINE void ger_gemvt_cols(const int NV, int64_t m, float alpha, const float *x, const float *y, float *a,
                              int64_t lda, const float *w, float *z, __mmask16 ml) {
    __m512 acc[16];
#pragma GCC unroll 16
    for (int v = 0; v < NV; v++) acc[v] = _mm512_setzero_ps();
    for (int64_t p = 0; p < m; p++, a += lda) {
        const __m512 s = _mm512_set1_ps(alpha * x[p]), wv = _mm512_set1_ps(w[p]);
#pragma GCC unroll 16
        for (int v = 0; v < NV; v++) _mm_prefetch((const char *)(a + 8 * lda + 16 * v), _MM_HINT_T0);
#pragma GCC unroll 16
        for (int v = 0; v < NV; v++) {
            const __m512 r = ger_vec(s, y + 16 * v, a + 16 * v, v == NV - 1 ? ml : (__mmask16)0xFFFF);
            acc[v] = _mm512_fmadd_ps(r, wv, acc[v]);
        }
    }
#pragma GCC unroll 16
    for (int v = 0; v < NV; v++) _mm512_mask_storeu_ps(z + 16 * v, v == NV - 1 ? ml : (__mmask16)0xFFFF, acc[v]);
}

typedef void (*ger_gemvt_cols_fn)(int64_t m, float alpha, const float *x, const float *y, float *a, int64_t lda,
                                  const float *w, float *z, __mmask16 ml);
#define GER_GEMVT_COLS(NV)                                                                                             \
    static void ger_gemvt_cols_##NV(int64_t m, float alpha, const float *x, const float *y, float *a, int64_t lda,     \
                                    const float *w, float *z, __mmask16 ml) {                                          \
        ger_gemvt_cols(NV, m, alpha, x, y, a, lda, w, z, ml);                                                          \
    }
GER_GEMVT_COLS(1)
GER_GEMVT_COLS(2)
GER_GEMVT_COLS(3)
GER_GEMVT_COLS(4)
GER_GEMVT_COLS(5)
GER_GEMVT_COLS(6)
GER_GEMVT_COLS(7)
GER_GEMVT_COLS(8)
GER_GEMVT_COLS(9)
GER_GEMVT_COLS(10)
GER_GEMVT_COLS(11)
GER_GEMVT_COLS(12)
GER_GEMVT_COLS(13)
GER_GEMVT_COLS(14)
GER_GEMVT_COLS(15)
GER_GEMVT_COLS(16)
static const ger_gemvt_cols_fn ger_gemvt_cols_fns[16] = {
    ger_gemvt_cols_1,  ger_gemvt_cols_2,  ger_gemvt_cols_3,  ger_gemvt_cols_4,  ger_gemvt_cols_5,  ger_gemvt_cols_6,
    ger_gemvt_cols_7,  ger_gemvt_cols_8,  ger_gemvt_cols_9,  ger_gemvt_cols_10, ger_gemvt_cols_11, ger_gemvt_cols_12,
    ger_gemvt_cols_13, ger_gemvt_cols_14, ger_gemvt_cols_15, ger_gemvt_cols_16};

/* Blocks of 256 columns, as the trans GEMV. */
/* ger_gemvt for n <= 32 columns: the rows updated as ger_gemvt_cols does,
 * their sums in gemv_t_narrow's four chains. */
ZN_INLINE void ger_gemvt_narrow(const int NV, int64_t m, float alpha, const float *x, const float *y, float *a,
                                int64_t lda, const float *w, float *z, __mmask16 ml) {
    __m512 acc[4][2];
    for (int c = 0; c < 4; c++) acc[c][0] = acc[c][1] = _mm512_setzero_ps();
    for (int64_t p = 0; p < m; p++, a += lda) {
        const __m512 s = _mm512_set1_ps(alpha * x[p]), wv = _mm512_set1_ps(w[p]);
        const int c = (int)(p & 3);
#pragma GCC unroll 2
        for (int v = 0; v < NV; v++) {
            const __m512 r = ger_vec(s, y + 16 * v, a + 16 * v, v == NV - 1 ? ml : (__mmask16)0xFFFF);
            acc[c][v] = _mm512_fmadd_ps(r, wv, acc[c][v]);
        }
    }
    for (int v = 0; v < NV; v++)
        _mm512_mask_storeu_ps(z + 16 * v, v == NV - 1 ? ml : (__mmask16)0xFFFF, add_chains(acc, v));
}

static void ger_gemvt_avx512(int64_t m, int64_t n, float alpha, const float *x, const float *y, float *a, int64_t lda,
                             const float *w, float *z) {
    if (n <= 32) {
        const __mmask16 ml = (__mmask16)((1u << (n - (n > 16 ? 16 : 0))) - 1);
        if (n > 16)
            ger_gemvt_narrow(2, m, alpha, x, y, a, lda, w, z, ml);
        else
            ger_gemvt_narrow(1, m, alpha, x, y, a, lda, w, z, ml);
        return;
    }
    for (int64_t j = 0; j < n; j += 256) {
        int64_t wd = n - j < 256 ? n - j : 256;
        int nv = (int)((wd + 15) / 16);
        __mmask16 ml = (__mmask16)((1u << (wd - 16 * (nv - 1))) - 1);
        ger_gemvt_cols_fns[nv - 1](m, alpha, x, y + j, a + j, lda, w, z + j, ml);
    }
}

/* 16 x 16 blocks through registers: masked loads of up to 16 rows of t,
 * the transpose, masked stores of up to 16 columns per row of C. A scalar
 * loop took a third of 128 x 10 x 64 (the flipped dW of a 128-10 layer). */
static void tr_add_avx512(int64_t m, int64_t n, const float *t, int64_t ldt, float beta, float *c, int64_t ldc) {
    const __m512 vb = _mm512_set1_ps(beta);
    for (int64_t j0 = 0; j0 < n; j0 += 16) {
        const int nj = n - j0 < 16 ? (int)(n - j0) : 16;
        const __mmask16 mj = (__mmask16)((1u << nj) - 1u);
        for (int64_t i0 = 0; i0 < m; i0 += 16) {
            const int ni = m - i0 < 16 ? (int)(m - i0) : 16;
            const __mmask16 mi = (__mmask16)((1u << ni) - 1u);
            __m512 r[16];
            for (int j = 0; j < 16; j++)
                r[j] = j < nj ? _mm512_maskz_loadu_ps(mi, t + (j0 + j) * ldt + i0) : _mm512_setzero_ps();
            transpose16(r);
            for (int i = 0; i < ni; i++) {
                float *row = c + (i0 + i) * ldc + j0;
                __m512 v = r[i];
                if (beta != 0.0f) v = _mm512_add_ps(v, _mm512_mul_ps(vb, _mm512_maskz_loadu_ps(mj, row)));
                _mm512_mask_storeu_ps(row, mj, v);
            }
        }
    }
}

void zn_gemm_init_avx512(zn_gemm_kernels *k) {
    k->mr = MR;
    k->nr = NR;
    /* Sized for Zen 5 (48 KiB L1d, 1 MiB L2): the kc x 14 A micro-panel
     * (21 KiB) stays in L1 while 32-wide B micro-panels stream from the
     * packed kc x nc panel; a tall nc packs B once per k block. */
    k->kc = 384;
    k->mc = 168;
    k->nc = 4096;
    k->nc_l2 = 512;
    k->ukr = ukr_avx512;
    k->pack_b = pack_b_avx512;
    k->pack_rows = pack_rows_avx512;
    k->sgemv = sgemv_avx512;
    k->ger = ger_avx512;
    k->ger_gemvt = ger_gemvt_avx512;
    k->tr_add = tr_add_avx512;
}
