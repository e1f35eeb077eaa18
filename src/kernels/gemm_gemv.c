/* Threaded GEMV and the row parts that memory-bound passes over one matrix
 * share.
 *
 * A GEMV or a rank-1 update streams its matrix once, so with two threads
 * each can keep half of a matrix that outgrows one core's cache in its own
 * cache, pass after pass, if every pass over the matrix gives each thread
 * the same rows. Passes that split a matrix differently (the forward GEMV
 * by columns, the update by rows) moved it between the cores every sample,
 * and two threads ran slower than one. So A x, A^T x and the rank-1 update split A's rows into the same
 * parts (zn_row_parts), and thread ith takes parts ith, ith + nth, ...
 * (the pool gives a thread the same ith job after job while it keeps up).
 *
 * The parts depend on the shape only, never on the thread count: A x gives
 * each part its own rows of y; A^T x sums each part's partial y into a
 * buffer and adds the parts in order afterwards. Results are the same for
 * any thread count. */
#include <stdint.h>
#include <string.h>

#include "kernels/gemm_driver.h"

/* Below this many elements of A the product runs on the calling thread: a
 * GEMV moves A once, and handing half of it to a worker pays only when A
 * outgrows one core's L2 (docs/KERNELS.md, "GEMV"). */
#define GEMV_MT_MIN (int64_t)(128 * 1024)
/* One more part per this many elements (2 MB). */
#define GEMV_PART_FLOATS (int64_t)(512 * 1024)
enum {
    MAX_PARTS = 16,
    PART_ALIGN = 16,
    PARTIAL_FLOATS = 4096,
    ROWS_BLOCK_FLOATS = 8192,
    ALTERNATE_MAX_FLOATS = 3 << 19,
    X_COPY_FLOATS = 4096
};

/* Two parts from GEMV_MT_MIN, then one more per 2 MB of A: long runs of
 * rows stream best, and bigger machines still get a part per thread for
 * big matrices. No more parts than keep A^T x's partial sums of whole rows
 * on the stack: a block of columns per pool job costs a hand-off and a
 * pass of strips each. */
int zn_row_parts(int64_t m, int64_t n) {
    if (m * n < GEMV_MT_MIN) return 1;
    int64_t parts = m * n / GEMV_PART_FLOATS, by_rows = m / (2 * PART_ALIGN);
    if (parts * n > PARTIAL_FLOATS) parts = PARTIAL_FLOATS / n;
    if (parts < 2) parts = 2;
    if (parts > by_rows) parts = by_rows;
    if (parts > MAX_PARTS) parts = MAX_PARTS;
    return parts < 1 ? 1 : (int)parts;
}

void zn_row_part_range(int64_t m, int part, int parts, int64_t *lo, int64_t *hi) {
    zn_split_range(m, PART_ALIGN, part, parts, lo, hi);
}

void zn_row_parts_run(zn_pool *pool, int max_threads, int parts, zn_pool_fn fn, void *arg) {
    int nth = pool ? zn_pool_size(pool) : 1;
    if (max_threads > 0 && max_threads < nth) nth = max_threads;
    if (nth > parts) nth = parts;
    if (nth > 1)
        zn_pool_run(pool, fn, arg, nth);
    else
        fn(arg, 0, 1);
}

typedef struct gemv_job {
    const zn_kernels *kt;
    int trans, parts;
    unsigned pass; /* odd: each thread visits its parts last to first */
    int64_t m, n, lda;
    float alpha, beta;
    const float *a, *x;
    float *y;
    float *partial; /* A^T x with parts > 1: parts x n partial sums */
    /* zn_ger_gemvt_run: A (rows gx) += galpha gx gy^T first, in the same pass */
    float *ga;
    const float *gx, *gy;
    float galpha;
} gemv_job;

static void gemv_one_part(const gemv_job *j, int q) {
    int64_t lo, hi;
    zn_row_part_range(j->m, q, j->parts, &lo, &hi);
    if (lo >= hi) {
        if (j->partial)
            for (int64_t c = 0; c < j->n; c++) j->partial[q * j->n + c] = 0.0f;
        return;
    }
    if (j->ga)
        j->kt->gemm.ger_gemvt(hi - lo, j->n, j->galpha, j->gx + lo, j->gy, j->ga + lo * j->lda, j->lda, j->x + lo,
                              j->partial ? j->partial + q * j->n : j->y);
    else if (!j->trans && (j->pass & 1)) {
        /* rows last to first, in blocks of ~32 KB (a row's sum is the same
         * in any order) */
        const int64_t blk = j->n < ROWS_BLOCK_FLOATS ? ROWS_BLOCK_FLOATS / j->n : 1;
        for (int64_t e = hi; e > lo; e -= blk) {
            const int64_t b = e - blk > lo ? e - blk : lo;
            j->kt->gemm.sgemv(0, e - b, j->n, j->alpha, j->a + b * j->lda, j->lda, j->x, j->beta, j->y + b);
        }
    } else if (!j->trans)
        j->kt->gemm.sgemv(0, hi - lo, j->n, j->alpha, j->a + lo * j->lda, j->lda, j->x, j->beta, j->y + lo);
    else if (!j->partial)
        j->kt->gemm.sgemv(1, hi - lo, j->n, j->alpha, j->a + lo * j->lda, j->lda, j->x + lo, j->beta, j->y);
    else
        j->kt->gemm.sgemv(1, hi - lo, j->n, 1.0f, j->a + lo * j->lda, j->lda, j->x + lo, 0.0f, j->partial + q * j->n);
}

/* Thread ith's parts ith, ith + nth, ...: last to first on odd passes. */
static void each_part(const gemv_job *j, int ith, int nth, void (*one)(const void *arg, int q), const void *arg) {
    if (j->pass & 1) {
        const int last = ith + (j->parts - 1 - ith) / nth * nth;
        for (int q = last; q >= ith; q -= nth) one(arg, q);
    } else {
        for (int q = ith; q < j->parts; q += nth) one(arg, q);
    }
}

static void gemv_one(const void *arg, int q) { gemv_one_part(arg, q); }

static void gemv_part(void *arg, int ith, int nth) { each_part(arg, ith, nth, gemv_one, arg); }

/* y = alpha (sum of the parts' partial sums, in part order) + beta y: the
 * sums gather in part 0's row, a row at a time so that they vectorise. */
static void add_parts(const gemv_job *j) {
    float *s = j->partial;
    for (int q = 1; q < j->parts; q++) {
        const float *p = j->partial + q * j->n;
        for (int64_t c = 0; c < j->n; c++) s[c] += p[c];
    }
    for (int64_t c = 0; c < j->n; c++) j->y[c] = j->alpha * s[c] + (j->beta == 0.0f ? 0.0f : j->beta * j->y[c]);
}

/* The GEMV of j (or its fused form); the trans form split into row parts
 * goes in column blocks through partial sums. */
static void gemv_trans_blocks(gemv_job j, zn_pool *pool, int max_threads) {
    if (!j.trans || j.parts == 1) {
        zn_row_parts_run(pool, max_threads, j.parts, gemv_part, &j);
        return;
    }
    /* A^T x in parts: the partial sums on the stack, a block of columns at a
     * time when y is wide (no allocation per call; each y element is the
     * same sum whichever block it is in) */
    float partial[PARTIAL_FLOATS];
    const int64_t cb = (PARTIAL_FLOATS / j.parts) & ~(int64_t)15;
    for (int64_t c0 = 0; c0 < j.n; c0 += cb) {
        gemv_job b = j;
        b.n = j.n - c0 < cb ? j.n - c0 : cb;
        b.a = j.a + c0;
        b.y = j.y + c0;
        b.partial = partial;
        if (j.ga) {
            b.ga = j.ga + c0;
            b.gy = j.gy + c0;
        }
        zn_row_parts_run(pool, max_threads, j.parts, gemv_part, &b);
        add_parts(&b);
    }
}

/* Alternating the order pays when the part of A a thread read last is still
 * in its L2 at the next pass; a bigger A is evicted by the next layers
 * anyway. Up to 1.5M floats (6 MB): FANN's 2048-512-100 has a 512 x 2049
 * layer. The same bound keeps a bigger layer on A^T x, which reads it as
 * fast as dot products. */
static unsigned pass_order(int64_t m, int64_t n, unsigned pass) { return m * n > ALTERNATE_MAX_FLOATS ? 0 : pass; }

int zn_gemv_prefers_rows(int64_t k, int64_t n) { return n > 256 && k * n <= ALTERNATE_MAX_FLOATS; }

/* A job's shape: every pass over a matrix of this shape gets the same row
 * parts and order, whichever of the calls below makes it. */
static gemv_job job_for(const zn_kernels *kt, int trans, int64_t m, int64_t n, int64_t lda, unsigned pass) {
    return (gemv_job){.kt = kt,
                      .trans = trans,
                      .parts = zn_row_parts(m, n),
                      .pass = pass_order(m, n, pass),
                      .m = m,
                      .n = n,
                      .lda = lda};
}

/* A x reads all of x for every row: an x off a 64-byte boundary splits
 * every load of it over two cache lines. Returns x, or its copy in buf
 * (X_COPY_FLOATS). */
static const float *aligned_x(const float *x, int64_t n, float *buf) {
    if (!((uintptr_t)x & 63) || n > X_COPY_FLOATS) return x;
    memcpy(buf, x, (size_t)n * sizeof(float));
    return buf;
}

void zn_gemv_run(const zn_kernels *kt, int trans, int64_t m, int64_t n, float alpha, const float *a, int64_t lda,
                 const float *x, float beta, float *y, zn_pool *pool, int max_threads, unsigned pass) {
    _Alignas(64) float x_aligned[X_COPY_FLOATS];
    if (!trans) x = aligned_x(x, n, x_aligned);
    gemv_job j = job_for(kt, trans, m, n, lda, pass);
    j.alpha = alpha;
    j.beta = beta;
    j.a = a;
    j.x = x;
    j.y = y;
    gemv_trans_blocks(j, pool, max_threads);
}

void zn_ger_gemvt_run(const zn_kernels *kt, int64_t m, int64_t n, float alpha, const float *x, const float *y, float *a,
                      int64_t lda, const float *w, float *z, zn_pool *pool, int max_threads, unsigned pass) {
    gemv_job j = job_for(kt, 1, m, n, lda, pass);
    j.alpha = 1.0f;
    j.a = a;
    j.x = w;
    j.y = z;
    j.ga = a;
    j.gx = x;
    j.gy = y;
    j.galpha = alpha;
    gemv_trans_blocks(j, pool, max_threads);
}

/* ---- two layers of a one-sample pass, split by the first one's rows ---------------- */

/* The pair as one job: part q computes its rows of z1 (the first layer's
 * A x, whose row parts and order are zn_gemv_run's), adds their bias, runs
 * the activation on them, and sums those rows of the second layer's A^T
 * into its own partial y2; the partials are added in part order after.
 * The caller then waits for the other threads once per pair instead of
 * once per layer, and the second layer's rows are read by both threads,
 * each from its own cache. */
typedef struct pair_job {
    gemv_job first;
    const zn_gemv_pair *p;
    float *partial; /* parts x n2 */
} pair_job;

static void pair_one_part(const void *arg, int q) {
    const pair_job *j = arg;
    const zn_gemv_pair *p = j->p;
    int64_t lo, hi;
    zn_row_part_range(p->m1, q, j->first.parts, &lo, &hi);
    float *part = j->partial + q * p->n2;
    if (lo >= hi) {
        for (int64_t c = 0; c < p->n2; c++) part[c] = 0.0f;
        return;
    }
    gemv_one_part(&j->first, q);
    if (p->bias1) j->first.kt->vmath.add_bias((size_t)(hi - lo), p->bias1 + lo, p->z1 + lo);
    p->act(p->act_ctx, lo, hi);
    j->first.kt->gemm.sgemv(1, hi - lo, p->n2, 1.0f, p->a2 + lo * p->lda2, p->lda2, p->h + lo, 0.0f, part);
}

static void pair_part(void *arg, int ith, int nth) {
    const pair_job *j = arg;
    each_part(&j->first, ith, nth, pair_one_part, j);
}

int zn_gemv_pair_fits(int64_t m1, int64_t k1, int64_t n2) {
    const int parts = zn_row_parts(m1, k1);
    return parts > 1 && parts * n2 <= PARTIAL_FLOATS;
}

void zn_gemv_pair_run(const zn_kernels *kt, const zn_gemv_pair *p, zn_pool *pool, int max_threads, unsigned pass) {
    _Alignas(64) float x_aligned[X_COPY_FLOATS], partial[PARTIAL_FLOATS];
    pair_job j = {.first = job_for(kt, 0, p->m1, p->k1, p->lda1, pass), .p = p, .partial = partial};
    j.first.alpha = 1.0f;
    j.first.a = p->a1;
    j.first.x = aligned_x(p->x, p->k1, x_aligned);
    j.first.y = p->z1;
    zn_row_parts_run(pool, max_threads, j.first.parts, pair_part, &j);
    /* y2 = the partials' sum in part order (add_parts with alpha 1, beta 0) */
    gemv_job sum = {.parts = j.first.parts, .n = p->n2, .alpha = 1.0f, .y = p->y2, .partial = partial};
    add_parts(&sum);
}
