/* Portable packing of GEMM operands into the micro-kernel's layouts.
 * Contiguous source runs are copied with memcpy; the transposing case (B^T)
 * reads along the source rows (sequential) and writes with the panel
 * stride, which stays in L1 because a panel is small. */
#include <string.h>

#include "kernels/gemm_driver.h"
#include "kernels/gemm_kernels.h"

/* dst is a k x w panel (row stride w); copies an h x k source block whose
 * rows are contiguous along k (src(r,p) = s[r*ld + p]) as its columns. */
static void panel_transpose(int w, int64_t h, int64_t k, const float *s, int64_t ld, float *dst) {
    int64_t r = 0;
    for (; r + 4 <= h; r += 4) {
        const float *s0 = s + r * ld, *s1 = s0 + ld, *s2 = s1 + ld, *s3 = s2 + ld;
        float *d = dst + r;
        for (int64_t p = 0; p < k; p++, d += w) {
            d[0] = s0[p];
            d[1] = s1[p];
            d[2] = s2[p];
            d[3] = s3[p];
        }
    }
    for (; r < h; r++) {
        const float *s0 = s + r * ld;
        for (int64_t p = 0; p < k; p++) dst[p * w + r] = s0[p];
    }
    for (; r < w; r++)
        for (int64_t p = 0; p < k; p++) dst[p * w + r] = 0.0f;
}

/* dst is a k x w panel; copies k source rows of h contiguous floats. */
static void panel_copy(int w, int64_t h, int64_t k, const float *s, int64_t ld, float *dst) {
    /* Rows are a few dozen bytes: a plain loop beats a memcpy call per row. */
    for (int64_t p = 0; p < k; p++, dst += w, s += ld) {
        for (int64_t j = 0; j < h; j++) dst[j] = s[j];
        for (int64_t j = h; j < w; j++) dst[j] = 0.0f;
    }
}

void zn_gemm_pack_rows(int64_t m, int64_t k, const float *a, int64_t lda, float *dst, int64_t ldd) {
    for (int64_t i = 0; i < m; i++) memcpy(dst + i * ldd, a + i * lda, (size_t)k * sizeof *dst);
}

void zn_gemm_pack_a_panels(int mr, int64_t m, int64_t k, const float *a, int64_t lda, float *dst) {
    for (int64_t i = 0; i < m; i += mr, dst += (int64_t)mr * k)
        panel_copy(mr, m - i < mr ? m - i : mr, k, a + i, lda, dst);
}

void zn_gemm_pack_b_c(int nr, int64_t k, int64_t n, const float *b, int64_t rsb, int64_t csb, float *dst) {
    for (int64_t j = 0; j < n; j += nr, dst += (int64_t)nr * k) {
        int64_t w = n - j < nr ? n - j : nr;
        if (csb == 1)
            panel_copy(nr, w, k, b + j, rsb, dst);
        else
            panel_transpose(nr, w, k, b + j * csb, csb, dst);
    }
}

/* dst(j, i) = src(i, j) for a rows x cols src, in 32 x 32 tiles so that
 * both sides stay in L1 while a tile's lines are read and written. */
void zn_transpose_copy(int64_t rows, int64_t cols, const float *src, int64_t lds, float *dst, int64_t ldd) {
    enum { TILE = 32 };
    for (int64_t i0 = 0; i0 < rows; i0 += TILE) {
        const int64_t i1 = i0 + TILE < rows ? i0 + TILE : rows;
        for (int64_t j0 = 0; j0 < cols; j0 += TILE) {
            const int64_t j1 = j0 + TILE < cols ? j0 + TILE : cols;
            for (int64_t i = i0; i < i1; i++)
                for (int64_t j = j0; j < j1; j++) dst[j * ldd + i] = src[i * lds + j];
        }
    }
}
