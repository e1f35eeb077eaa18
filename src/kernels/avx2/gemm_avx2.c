/* AVX2+FMA GEMM micro-kernel (6 x 16 tile: 12 accumulators, two B vectors,
 * A broadcast) and GEMV kernels, for CPUs without AVX-512.
 *
 * As in the AVX-512 file, one always-inline body is instantiated per tile
 * height, vector count and edge kind, so edges run unrolled code with
 * masked loads and stores and never touch memory outside the tile. */
#include <immintrin.h>

#include "kernels/gemm_kernels.h"

#define MR 6
#define NR 16
#define ZN_INLINE static inline __attribute__((always_inline))

/* Lanes [0, w) set, w in 1..8. */
static inline __m256i lane_mask(int64_t w) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)w), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/* Loads vector v of NV; only the last one of a partial edge is masked. */
#define LOADV(FULL, NV, v, p, mk) ((FULL) || (v) != (NV)-1 ? _mm256_loadu_ps(p) : _mm256_maskload_ps((p), (mk)))
#define STOREV(FULL, NV, v, p, mk, x)                                                                                  \
    do {                                                                                                               \
        if ((FULL) || (v) != (NV)-1)                                                                                   \
            _mm256_storeu_ps((p), (x));                                                                                \
        else                                                                                                           \
            _mm256_maskstore_ps((p), (mk), (x));                                                                       \
    } while (0)

/* One k step of an M x (8 NV) tile: acc += A(:,p) B(p,:). */
ZN_INLINE void kstep(const int M, const int NV, const int AROW, const int FULL, __m256 acc[MR][2], int64_t p,
                     const float *a, int64_t rsa, int64_t csa, const float *b, __m256i mk) {
    __m256 b0 = LOADV(FULL, NV, 0, b, mk);
    __m256 b1 = NV == 2 ? LOADV(FULL, NV, 1, b + 8, mk) : b0;
#pragma GCC unroll 8
    for (int i = 0; i < M; i++) {
        __m256 av = _mm256_broadcast_ss(AROW ? a + i * rsa + p : a + i + p * csa);
        acc[i][0] = _mm256_fmadd_ps(av, b0, acc[i][0]);
        if (NV == 2) acc[i][1] = _mm256_fmadd_ps(av, b1, acc[i][1]);
    }
}

/* The first npf k steps each prefetch one line from pf. */
ZN_INLINE void tile(const int M, const int NV, const int AROW, const int FULL, int64_t k, float alpha, const float *a,
                    int64_t rsa, int64_t csa, const float *b, int64_t rsb, float beta, float *c, int64_t ldc,
                    const float *bias, __m256i mk, const float *pf, int64_t npf) {
    __m256 acc[MR][2];
#pragma GCC unroll 8
    for (int i = 0; i < M; i++) {
        _mm_prefetch((const char *)(c + i * ldc), _MM_HINT_T0);
        acc[i][0] = acc[i][1] = _mm256_setzero_ps();
    }
    int64_t p = 0;
    for (; p < npf; p++, b += rsb) {
        _mm_prefetch((const char *)(pf + 16 * p), _MM_HINT_T1);
        kstep(M, NV, AROW, FULL, acc, p, a, rsa, csa, b, mk);
    }
    for (; p < k; p++, b += rsb) kstep(M, NV, AROW, FULL, acc, p, a, rsa, csa, b, mk);
    const __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
    __m256 bias0 = _mm256_setzero_ps(), bias1 = _mm256_setzero_ps();
    if (bias) {
        bias0 = LOADV(FULL, NV, 0, bias, mk);
        if (NV == 2) bias1 = LOADV(FULL, NV, 1, bias + 8, mk);
    }
#pragma GCC unroll 8
    for (int i = 0; i < M; i++) {
        float *ci = c + i * ldc;
        __m256 r0 = _mm256_mul_ps(va, acc[i][0]);
        __m256 r1 = _mm256_mul_ps(va, acc[i][1]);
        if (beta != 0.0f) {
            r0 = _mm256_fmadd_ps(vb, LOADV(FULL, NV, 0, ci, mk), r0);
            if (NV == 2) r1 = _mm256_fmadd_ps(vb, LOADV(FULL, NV, 1, ci + 8, mk), r1);
        }
        if (bias) {
            r0 = _mm256_add_ps(r0, bias0);
            r1 = _mm256_add_ps(r1, bias1);
        }
        STOREV(FULL, NV, 0, ci, mk, r0);
        if (NV == 2) STOREV(FULL, NV, 1, ci + 8, mk, r1);
    }
}

typedef void (*tile_fn)(int64_t k, float alpha, const float *a, int64_t rsa, int64_t csa, const float *b, int64_t rsb,
                        float beta, float *c, int64_t ldc, const float *bias, __m256i mk, const float *pf, int64_t npf);

#define TILE_FN(M, NV, AROW, FULL)                                                                                     \
    static void tile_##M##_##NV##_##AROW##_##FULL(int64_t k, float alpha, const float *a, int64_t rsa, int64_t csa,    \
                                                  const float *b, int64_t rsb, float beta, float *c, int64_t ldc,      \
                                                  const float *bias, __m256i mk, const float *pf, int64_t npf) {       \
        tile(M, NV, AROW, FULL, k, alpha, a, rsa, csa, b, rsb, beta, c, ldc, bias, mk, pf, npf);                       \
    }
#define TILE_FNS2(M, AROW, FULL) TILE_FN(M, 1, AROW, FULL) TILE_FN(M, 2, AROW, FULL)
#define TILE_FNS(M) TILE_FNS2(M, 0, 0) TILE_FNS2(M, 0, 1) TILE_FNS2(M, 1, 0) TILE_FNS2(M, 1, 1)
TILE_FNS(1)
TILE_FNS(2)
TILE_FNS(3)
TILE_FNS(4)
TILE_FNS(5)
TILE_FNS(6)

#define ROW(AROW, FULL, NV)                                                                                            \
    {                                                                                                                  \
        tile_1_##NV##_##AROW##_##FULL, tile_2_##NV##_##AROW##_##FULL, tile_3_##NV##_##AROW##_##FULL,                   \
            tile_4_##NV##_##AROW##_##FULL, tile_5_##NV##_##AROW##_##FULL, tile_6_##NV##_##AROW##_##FULL                \
    }
/* [arow][full][nv - 1][m - 1] */
static const tile_fn tiles[2][2][2][MR] = {{{ROW(0, 0, 1), ROW(0, 0, 2)}, {ROW(0, 1, 1), ROW(0, 1, 2)}},
                                           {{ROW(1, 0, 1), ROW(1, 0, 2)}, {ROW(1, 1, 1), ROW(1, 1, 2)}}};

static void ukr_avx2(int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t rsa, int64_t csa,
                     const float *b, int64_t rsb, float beta, float *c, int64_t ldc, const float *bias, const float *pf,
                     int64_t pf_lines) {
    const int nv = n > 8 ? 2 : 1;
    const int64_t w = n - 8 * (nv - 1);
    const int64_t npf = pf ? (pf_lines < k ? pf_lines : k) : 0;
    tiles[rsa != 1][w == 8][nv - 1][m - 1](k, alpha, a, rsa, csa, b, rsb, beta, c, ldc, bias, lane_mask(w), pf, npf);
}

/* ---- GEMV ------------------------------------------------------------------ */

static inline float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* R rows dotted with x; per-row accumulation independent of the group. */
ZN_INLINE void gemv_rows(const int R, int64_t n, float alpha, const float *a, int64_t lda, const float *x, float beta,
                         float *y) {
    __m256 acc[4][2];
#pragma GCC unroll 4
    for (int r = 0; r < R; r++) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
    int64_t p = 0;
    for (; p + 16 <= n; p += 16) {
        __m256 x0 = _mm256_loadu_ps(x + p), x1 = _mm256_loadu_ps(x + p + 8);
#pragma GCC unroll 4
        for (int r = 0; r < R; r++) {
            acc[r][0] = _mm256_fmadd_ps(_mm256_loadu_ps(a + r * lda + p), x0, acc[r][0]);
            acc[r][1] = _mm256_fmadd_ps(_mm256_loadu_ps(a + r * lda + p + 8), x1, acc[r][1]);
        }
    }
    if (p + 8 <= n) {
        __m256 x0 = _mm256_loadu_ps(x + p);
#pragma GCC unroll 4
        for (int r = 0; r < R; r++) acc[r][0] = _mm256_fmadd_ps(_mm256_loadu_ps(a + r * lda + p), x0, acc[r][0]);
        p += 8;
    }
    if (p < n) {
        __m256i mk = lane_mask(n - p);
        __m256 x1 = _mm256_maskload_ps(x + p, mk);
#pragma GCC unroll 4
        for (int r = 0; r < R; r++) acc[r][1] = _mm256_fmadd_ps(_mm256_maskload_ps(a + r * lda + p, mk), x1, acc[r][1]);
    }
#pragma GCC unroll 4
    for (int r = 0; r < R; r++) {
        float s = hsum(_mm256_add_ps(acc[r][0], acc[r][1]));
        y[r] = alpha * s + (beta == 0.0f ? 0.0f : beta * y[r]);
    }
}

/* Columns [0, 8*NV) of y from all m rows: one FMA chain per element. */
ZN_INLINE void gemv_cols(const int NV, const int FULL, int64_t m, float alpha, const float *a, int64_t lda,
                         const float *x, float beta, float *y, __m256i mk) {
    __m256 acc[12];
#pragma GCC unroll 12
    for (int v = 0; v < NV; v++) acc[v] = _mm256_setzero_ps();
    for (int64_t p = 0; p < m; p++, a += lda) {
        __m256 xv = _mm256_broadcast_ss(x + p);
#pragma GCC unroll 12
        for (int v = 0; v < NV; v++) acc[v] = _mm256_fmadd_ps(LOADV(FULL, NV, v, a + 8 * v, mk), xv, acc[v]);
    }
    const __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
#pragma GCC unroll 12
    for (int v = 0; v < NV; v++) {
        __m256 r = _mm256_mul_ps(va, acc[v]);
        if (beta != 0.0f) r = _mm256_fmadd_ps(vb, LOADV(FULL, NV, v, y + 8 * v, mk), r);
        STOREV(FULL, NV, v, y + 8 * v, mk, r);
    }
}

static void gemv_cols_full(int64_t m, float alpha, const float *a, int64_t lda, const float *x, float beta, float *y) {
    gemv_cols(12, 1, m, alpha, a, lda, x, beta, y, _mm256_setzero_si256());
}

/* A partial block: whole vectors one at a time, then the masked tail. */
static void gemv_cols_part(int64_t m, int64_t w, float alpha, const float *a, int64_t lda, const float *x, float beta,
                           float *y) {
    int64_t j = 0;
    for (; j + 8 <= w; j += 8) gemv_cols(1, 1, m, alpha, a + j, lda, x, beta, y + j, _mm256_setzero_si256());
    if (j < w) gemv_cols(1, 0, m, alpha, a + j, lda, x, beta, y + j, lane_mask(w - j));
}

static void sgemv_avx2(int trans, int64_t m, int64_t n, float alpha, const float *a, int64_t lda, const float *x,
                       float beta, float *y) {
    if (!trans) {
        int64_t i = 0;
        for (; i + 4 <= m; i += 4) gemv_rows(4, n, alpha, a + i * lda, lda, x, beta, y + i);
        for (; i < m; i++) gemv_rows(1, n, alpha, a + i * lda, lda, x, beta, y + i);
        return;
    }
    int64_t j = 0;
    for (; j + 96 <= n; j += 96) gemv_cols_full(m, alpha, a + j, lda, x, beta, y + j);
    if (j < n) gemv_cols_part(m, n - j, alpha, a + j, lda, x, beta, y + j);
}

/* Row by row: each row of A streams through once, 4 vectors at a time. */
static void ger_avx2(int64_t m, int64_t n, float alpha, const float *x, int64_t incx, const float *y, float *a,
                     int64_t lda) {
    const int64_t tail = n & 7;
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)tail), lanes);
    for (int64_t i = 0; i < m; i++) {
        const __m256 s = _mm256_set1_ps(alpha * x[i * incx]);
        float *row = a + i * lda;
        int64_t j = 0;
        for (; j + 32 <= n; j += 32)
            for (int v = 0; v < 4; v++)
                _mm256_storeu_ps(row + j + 8 * v,
                                 _mm256_fmadd_ps(s, _mm256_loadu_ps(y + j + 8 * v), _mm256_loadu_ps(row + j + 8 * v)));
        for (; j + 8 <= n; j += 8)
            _mm256_storeu_ps(row + j, _mm256_fmadd_ps(s, _mm256_loadu_ps(y + j), _mm256_loadu_ps(row + j)));
        if (tail) {
            __m256 r = _mm256_fmadd_ps(s, _mm256_maskload_ps(y + j, mask), _mm256_maskload_ps(row + j, mask));
            _mm256_maskstore_ps(row + j, mask, r);
        }
    }
}

/* Columns [0, 8*NV) of rows [0, m) (the last vector masked unless FULL):
 * each row updated as ger_avx2 does, then added into z as gemv_cols does
 * (alpha 1), bit for bit, reading A once. */
ZN_INLINE void ger_gemvt_cols(const int NV, const int FULL, int64_t m, float alpha, const float *x, const float *y,
                              float *a, int64_t lda, const float *w, float *z, __m256i mk) {
    __m256 acc[8];
#pragma GCC unroll 8
    for (int v = 0; v < NV; v++) acc[v] = _mm256_setzero_ps();
    for (int64_t p = 0; p < m; p++, a += lda) {
        const __m256 s = _mm256_set1_ps(alpha * x[p]), wv = _mm256_broadcast_ss(w + p);
#pragma GCC unroll 8
        for (int v = 0; v < NV; v++) {
            const __m256 r = _mm256_fmadd_ps(s, LOADV(FULL, NV, v, y + 8 * v, mk), LOADV(FULL, NV, v, a + 8 * v, mk));
            STOREV(FULL, NV, v, a + 8 * v, mk, r);
            acc[v] = _mm256_fmadd_ps(r, wv, acc[v]);
        }
    }
#pragma GCC unroll 8
    for (int v = 0; v < NV; v++) STOREV(FULL, NV, v, z + 8 * v, mk, acc[v]);
}

static void ger_gemvt_avx2(int64_t m, int64_t n, float alpha, const float *x, const float *y, float *a, int64_t lda,
                           const float *w, float *z) {
    const __m256i none = _mm256_setzero_si256();
    int64_t j = 0;
    for (; j + 64 <= n; j += 64) ger_gemvt_cols(8, 1, m, alpha, x, y + j, a + j, lda, w, z + j, none);
    for (; j + 8 <= n; j += 8) ger_gemvt_cols(1, 1, m, alpha, x, y + j, a + j, lda, w, z + j, none);
    if (j < n) ger_gemvt_cols(1, 0, m, alpha, x, y + j, a + j, lda, w, z + j, lane_mask(n - j));
}

/* Transposes the 8 x 8 block in r (r[i] holds row i). */
ZN_INLINE void transpose8(__m256 r[8]) {
    __m256 t[8], u[8];
    for (int i = 0; i < 8; i += 2) {
        t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 8; i += 4) {
        u[i] = _mm256_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(1, 0, 1, 0));
        u[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(3, 2, 3, 2));
        u[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(1, 0, 1, 0));
        u[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(3, 2, 3, 2));
    }
    for (int i = 0; i < 4; i++) {
        r[i] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x20);
        r[i + 4] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x31);
    }
}

/* B^T (B(p,j) = b[j*csb + p]) through 8 x 8 register transposes, the last
 * k % 8 rows from masked loads: three times as fast as element by element
 * (the portable routine, which still packs B and the edge panel). */
static void pack_b_avx2(int nr, int64_t k, int64_t n, const float *b, int64_t rsb, int64_t csb, float *dst) {
    if (nr != NR || csb == 1) {
        zn_gemm_pack_b_c(nr, k, n, b, rsb, csb, dst);
        return;
    }
    for (int64_t j = 0; j < n; j += NR, dst += NR * k) {
        if (n - j < NR) {
            zn_gemm_pack_b_c(nr, k, n - j, b + j * csb, rsb, csb, dst);
            break;
        }
        for (int64_t p = 0; p < k; p += 8) {
            const int rest = k - p < 8 ? (int)(k - p) : 8;
            const __m256i mask = lane_mask(rest);
            for (int h = 0; h < 2; h++) {
                __m256 r[8];
                for (int i = 0; i < 8; i++) r[i] = _mm256_maskload_ps(b + (j + 8 * h + i) * csb + p, mask);
                transpose8(r);
                for (int q = 0; q < rest; q++) _mm256_storeu_ps(dst + (p + q) * NR + 8 * h, r[q]);
            }
        }
    }
}

void zn_gemm_init_avx2(zn_gemm_kernels *k) {
    k->mr = MR;
    k->nr = NR;
    k->kc = 256;
    k->mc = 144;
    k->nc = 4096;
    k->nc_l2 = 512;
    k->ukr = ukr_avx2;
    k->pack_b = pack_b_avx2;
    k->sgemv = sgemv_avx2;
    k->ger = ger_avx2;
    k->ger_gemvt = ger_gemvt_avx2;
}
