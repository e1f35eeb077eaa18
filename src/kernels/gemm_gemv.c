/* Threaded GEMV: threads own disjoint ranges of y (rows of A, or columns for
 * A^T), so each y element is computed by one thread exactly as it would be
 * on one thread. */
#include "kernels/gemm_driver.h"

/* Below this many elements of A the product runs on the calling thread: a
 * GEMV moves A once, and handing half of it to a worker pays only when A
 * outgrows one core's L2. 784 x 128 (0.4 MB) took 2.8 us alone and 3.5 us
 * split over two threads (the worker first pulls x and y across, and the
 * caller waits for it); 2048 x 512 (4 MB, from L3) ran 1.5x faster split. */
#define GEMV_MT_MIN (int64_t)(128 * 1024)

typedef struct gemv_job {
    const zn_kernels *kt;
    int trans;
    int64_t m, n, lda;
    float alpha, beta;
    const float *a, *x;
    float *y;
} gemv_job;

static void gemv_part(void *arg, int ith, int nth) {
    const gemv_job *j = arg;
    int64_t lo, hi;
    if (!j->trans) {
        zn_split_range(j->m, 8, ith, nth, &lo, &hi);
        if (lo < hi)
            j->kt->gemm.sgemv(0, hi - lo, j->n, j->alpha, j->a + lo * j->lda, j->lda, j->x, j->beta, j->y + lo);
    } else {
        zn_split_range(j->n, 16, ith, nth, &lo, &hi); /* whole cache lines of y */
        if (lo < hi) j->kt->gemm.sgemv(1, j->m, hi - lo, j->alpha, j->a + lo, j->lda, j->x, j->beta, j->y + lo);
    }
}

void zn_gemv_run(const zn_kernels *kt, int trans, int64_t m, int64_t n, float alpha, const float *a, int64_t lda,
                 const float *x, float beta, float *y, zn_pool *pool, int max_threads) {
    gemv_job j = {kt, trans, m, n, lda, alpha, beta, a, x, y};
    int nth = pool ? zn_pool_size(pool) : 1;
    if (max_threads > 0 && max_threads < nth) nth = max_threads;
    int64_t ylen = trans ? n : m;
    if (m * n < GEMV_MT_MIN || ylen < 64) nth = 1;
    if (nth > 1)
        zn_pool_run(pool, gemv_part, &j, nth);
    else
        gemv_part(&j, 0, 1);
}
