/* Blocked GEMM in the GotoBLAS/BLIS manner, shared by every ISA:
 *
 *   for jc (nc columns of C)
 *     for pc (kc steps of k)            B panel kc x nc, packed    (L2 or L3)
 *       for ic (mc rows of C)           A block mc x kc, copied
 *         for ir (mr rows)              A micro-panel kc x mr      (L1)
 *           for jr (nr columns)         micro-kernel on one tile
 *
 * The A micro-panel stays in L1 while B micro-panels stream past it (the
 * 14 x 32 kernel needs 2 B vectors per 28 FMAs, well within L2 and L3
 * bandwidth). A tall B panel (nc 4096, in L3) is packed once per k block; an
 * L2-sized one (nc_l2) is used when threads share L3 or a thread has one
 * row block.
 * A is never transposed when packed: the kernel reads it row-major (A) or
 * in panels (A^T), so packing A is a plain copy that only removes TLB and
 * cache-set pressure from large strides.
 *
 * Every C element is summed over k in kc blocks, in increasing p inside a
 * block, by one thread; kc comes from the table only, so neither the thread
 * count nor packing choices change a result. Threads own disjoint blocks of C
 * (whole row or column ranges) and pack their own operands: no barriers,
 * which the pool could not honour when it runs a job's parts one by one. */
#include <string.h>

#include "base/internal.h"
#include "kernels/gemm_driver.h"

/* Below this many multiply-adds (~80^3) a product runs on the calling
 * thread: above the break-even, since a busy machine makes every hand-off
 * slower (docs/KERNELS.md, "GEMM driver"). */
#define GEMM_MT_MIN_MNK ((int64_t)1 << 19)
/* Work per thread, so slices never get too small to pay the hand-off. */
#define GEMM_MT_PER_THREAD ((int64_t)1 << 18)
/* Packing panels up to this many floats (16 KB) live on the caller's stack. */
enum { GEMM_STACK_FLOATS = 4096 };

/* A C of more floats than this is split by rows when rows and columns
 * share out alike: each thread then touches half of C's pages, not all of
 * them, which keeps a memory-starved machine from halving the speed. */
#define GEMM_SPLIT_ROWS_MIN_C (int64_t)(512 * 512)

/* A B (not transposed) of at most this many floats is read in place, not
 * packed, by products of at most this many rows: each copy of B would be
 * used by a few row tiles only, and such a B comes from cache. Bigger B's
 * come from memory, where the prefetcher stops at every page: packed. */
#define GEMM_B_IN_PLACE_MAX_M 128
#define GEMM_B_IN_PLACE_MAX_FLOATS (int64_t)(1 << 19)

/* Products this small skip packing wherever the kernel can read in place. */
#define GEMM_SMALL_MNK (int64_t)(64 * 128 * 512)

typedef struct gemm_plan {
    const zn_kernels *kt;
    zn_gemm_call p;
    int pack_a, pack_b;
    int split_n; /* threads take column ranges (else row ranges) */
    int nth;
    float *buf;        /* nth slices of abuf + bbuf floats */
    size_t abuf, bbuf; /* floats of the A and B buffers of one thread */
} gemm_plan;

static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }
static int64_t round_up(int64_t x, int64_t r) { return (x + r - 1) / r * r; }
/* Row stride of a copied A block: whole cache lines, plus one so that rows
 * never share L1 sets at power-of-two strides. */
static int64_t pack_ld(int64_t kc) { return round_up(kc, 16) + 16; }

/* C = beta C (+ bias, act) for k == 0 or alpha == 0; A and B are not read. */
static void scale_only(const zn_kernels *kt, const zn_gemm_call *p) {
    for (int64_t i = 0; i < p->m; i++) {
        float *row = p->c + i * p->ldc;
        if (p->beta == 0.0f)
            memset(row, 0, (size_t)p->n * sizeof *row);
        else if (p->beta != 1.0f)
            kt->vmath.scale((size_t)p->n, p->beta, row, row);
        if (p->bias) kt->vmath.add_bias((size_t)p->n, p->bias, row);
        if (p->act != ZN_ACT_NONE) zn_apply_act(&kt->vmath, p->act, p->act_alpha, (size_t)p->n, row, row);
    }
}

/* C[i0:i1, j0:j1] on one thread with its own packing buffers. */
static void gemm_block(const gemm_plan *pl, int64_t i0, int64_t i1, int64_t j0, int64_t j1, float *abuf, float *bbuf) {
    const zn_gemm_kernels *g = &pl->kt->gemm;
    const zn_gemm_call *p = &pl->p;
    const int64_t mr = g->mr, nr = g->nr, kc_max = g->kc, mc_max = g->mc;
    /* A B panel sized for L2 when nothing amortises a bigger one (a single
     * mc block: A is small, so copying it once per panel costs little) or
     * when threads share L3. nc never changes a result, so it may depend on
     * the thread count. */
    const int64_t nc_max = pl->nth > 1 || i1 - i0 <= mc_max || p->b_packed ? min64(g->nc, g->nc_l2) : g->nc;
    /* A(i,p) = a[i*ars + p*acs]; B(p,j) = b[p*brs + j*bcs]. */
    const int64_t ars = p->ta ? 1 : p->lda, acs = p->ta ? p->lda : 1;
    const int64_t brs = p->tb ? 1 : p->ldb, bcs = p->tb ? p->ldb : 1;
    const int act = p->act != ZN_ACT_NONE;

    for (int64_t jc = j0; jc < j1; jc += nc_max) {
        const int64_t nc = min64(nc_max, j1 - jc);
        for (int64_t pc = 0; pc < p->k; pc += kc_max) {
            const int64_t kc = min64(kc_max, p->k - pc);
            const int last = pc + kc == p->k;
            const float beta = pc == 0 ? p->beta : 1.0f;
            const float *bias = last && p->bias ? p->bias + jc : NULL;
            const float *bsrc = p->b + pc * brs + jc * bcs;
            int64_t b_rs, b_panel; /* row stride of a B micro-panel, distance between panels */
            const float *bp;
            if (p->b_packed) { /* block pc's panels start at pc x (n rounded up to nr); jc is a multiple of nr */
                bp = p->b_packed + pc * round_up(p->n, nr) + jc * kc;
                b_rs = nr, b_panel = nr * kc;
            } else if (pl->pack_b) {
                g->pack_b(g->nr, kc, nc, bsrc, brs, bcs, bbuf);
                bp = bbuf, b_rs = nr, b_panel = nr * kc;
            } else {
                bp = bsrc, b_rs = brs, b_panel = nr;
            }
            for (int64_t ic = i0; ic < i1; ic += mc_max) {
                const int64_t mc = min64(mc_max, i1 - ic);
                const float *asrc = p->a + ic * ars + pc * acs;
                int64_t a_rs, a_cs, a_panel;
                const float *ap;
                if (pl->pack_a && !p->ta) {
                    const int64_t ldd = pack_ld(kc);
                    g->pack_rows(mc, kc, asrc, p->lda, abuf, ldd);
                    ap = abuf, a_rs = ldd, a_cs = 1, a_panel = mr * ldd;
                } else if (pl->pack_a) {
                    zn_gemm_pack_a_panels(g->mr, mc, kc, asrc, p->lda, abuf);
                    ap = abuf, a_rs = 1, a_cs = mr, a_panel = mr * kc;
                } else {
                    ap = asrc, a_rs = ars, a_cs = acs, a_panel = mr * ars;
                }
                /* A packed B comes from memory, not from a panel just packed
                 * into L2: each B micro-panel then serves every A micro-panel
                 * of the block while it is in L1 (the A block sits in L2). */
                const int b_outer = p->b_packed != NULL;
                const int64_t b_floats = b_outer ? p->k * round_up(p->n, nr) : 0; /* all of packed B */
                const int64_t n_ir = (mc + mr - 1) / mr, n_jr = (nc + nr - 1) / nr;
                for (int64_t t = 0; t < n_ir * n_jr; t++) {
                    const int64_t ir = (b_outer ? t % n_ir : t / n_jr) * mr, jr = (b_outer ? t / n_ir : t % n_jr) * nr;
                    const int64_t mm = min64(mr, mc - ir), nn = min64(nr, nc - jr);
                    /* Meanwhile the next B micro-panel comes toward L2, a
                     * share per tile, a line per k step: a packed B streams
                     * from memory, and the hardware prefetcher stops at each
                     * 4 KiB page. The panel after a block's last is the next
                     * block's first; after B's last, none. */
                    const float *pf = NULL;
                    int64_t pf_lines = 0;
                    if (b_outer) {
                        const int64_t lines = b_panel / 16, q = ir / mr;
                        const int64_t lo = lines * q / n_ir, hi = lines * (q + 1) / n_ir;
                        const int64_t at = (bp - p->b_packed) + (jr / nr + 1) * b_panel + lo * 16;
                        if (at + (hi - lo) * 16 <= b_floats) pf = p->b_packed + at, pf_lines = hi - lo;
                    }
                    float *ct = p->c + (ic + ir) * p->ldc + jc + jr;
                    g->ukr(mm, nn, kc, p->alpha, ap + (ir / mr) * a_panel, a_rs, a_cs, bp + (jr / nr) * b_panel, b_rs,
                           beta, ct, p->ldc, bias ? bias + jr : NULL, pf, pf_lines);
                    /* The activation follows while the tile is still in L1. */
                    if (last && act)
                        for (int64_t i = 0; i < mm; i++)
                            zn_apply_act(&pl->kt->vmath, p->act, p->act_alpha, (size_t)nn, ct + i * p->ldc,
                                         ct + i * p->ldc);
                }
            }
        }
    }
}

static void gemm_part(void *arg, int ith, int nth) {
    const gemm_plan *pl = arg;
    int64_t i0 = 0, i1 = pl->p.m, j0 = 0, j1 = pl->p.n;
    if (pl->split_n)
        zn_split_range(pl->p.n, pl->kt->gemm.nr, ith, nth, &j0, &j1);
    else
        zn_split_range(pl->p.m, pl->kt->gemm.mr, ith, nth, &i0, &i1);
    if (i0 >= i1 || j0 >= j1) return;
    float *base = pl->buf ? pl->buf + (size_t)ith * (pl->abuf + pl->bbuf) : NULL;
    gemm_block(pl, i0, i1, j0, j1, base, base ? base + pl->abuf : NULL);
}

/* A read in place keeps a micro-panel's rows (A) or the rows it steps
 * through one per k step (A^T) in L1 together. Only strides that are
 * multiples of 512 bytes crowd those rows into a few L1 sets (eight or fewer
 * of the 64); other strides spread them, and then copying A costs more than
 * it saves, for A as for A^T. */
static int stride_conflicts(int64_t ld) {
    int64_t lines = ld / 16; /* 64-byte lines per row, when rows are line-aligned */
    return ld % 16 == 0 && lines % 8 == 0;
}

/* Packing pays when an operand block is reused by many tiles, or when the
 * kernel cannot read it in place (B^T: the kernel wants rows of B). It never
 * changes a result. */
static void choose_packing(gemm_plan *pl) {
    const zn_gemm_kernels *g = &pl->kt->gemm;
    const zn_gemm_call *p = &pl->p;
    int64_t mnk = p->m * p->n * p->k;
    int small = mnk <= GEMM_SMALL_MNK && p->k <= g->kc;
    const int b_in_place = p->m <= GEMM_B_IN_PLACE_MAX_M && p->k * p->n <= GEMM_B_IN_PLACE_MAX_FLOATS;
    pl->pack_b = !p->b_packed && (p->tb || (!small && p->m > 2 * g->mr && !b_in_place));
    pl->pack_a = !small && p->n > g->nr && stride_conflicts(p->lda);
}

static void choose_threads(gemm_plan *pl, zn_pool *pool, int max_threads) {
    const zn_gemm_kernels *g = &pl->kt->gemm;
    const zn_gemm_call *p = &pl->p;
    int nth = pool ? zn_pool_size(pool) : 1;
    if (max_threads > 0 && max_threads < nth) nth = max_threads;
    int64_t mnk = p->m * p->n * p->k;
    if (mnk < GEMM_MT_MIN_MNK) nth = 1;
    int64_t by_work = mnk / GEMM_MT_PER_THREAD;
    if (by_work < nth) nth = by_work < 1 ? 1 : (int)by_work;
    int64_t tm = (p->m + g->mr - 1) / g->mr, tn = (p->n + g->nr - 1) / g->nr;
    /* Split the dimension that shares out evenly; if both do, rows when C
     * outgrows L2, else the one whose operand is cheaper to pack twice. */
    double even_m = (double)tm / (double)(nth * ((tm + nth - 1) / nth));
    double even_n = (double)tn / (double)(nth * ((tn + nth - 1) / nth));
    if (even_m > even_n + 0.1)
        pl->split_n = 0;
    else if (even_n > even_m + 0.1)
        pl->split_n = 1;
    else if (p->m * p->n > GEMM_SPLIT_ROWS_MIN_C)
        pl->split_n = tm < nth;
    else
        pl->split_n = p->n >= p->m ? tn >= nth : tm < nth;
    int64_t tiles = pl->split_n ? tn : tm;
    if (tiles < nth) nth = (int)tiles;
    pl->nth = nth < 1 ? 1 : nth;
}

/* A k step of the kernel costs a broadcast and an FMA per row and vector of
 * its tile: m rows of ceil(n / 16) vectors, or flipped n rows of
 * ceil(m / 16). */
static int flip_pays(const zn_gemm_kernels *g, int64_t m, int64_t n) {
    (void)g;
    return n * ((m + 15) / 16) < m * ((n + 15) / 16);
}

/* C with very few columns (n <= nr/2) and many rows wastes most of each
 * vector: compute C^T = op(B)^T op(A)^T (n x m, vectors along m) into a
 * buffer, then add it into C transposed. Only for A^T, which the flipped
 * product then reads in place (for A it would need a transposing pack,
 * which measured slower than the masked narrow tiles). Each element is still summed over k
 * in the same blocks and order; only the beta term is added after rounding
 * alpha*AB. The choice depends on the shape only. */
static zn_status gemm_flipped(const zn_kernels *kt, const zn_gemm_call *call, zn_pool *pool, int max_threads) {
    const int64_t m = call->m, n = call->n;
    /* a small product's buffer on the stack: an allocation per call costs
     * as much as a small product */
    float on_stack[2048];
    float *t = m * n <= 2048 ? on_stack : zn_alloc((size_t)(m * n) * sizeof *t);
    if (!t)
        return zn_error(ZN_ERR_OUT_OF_MEMORY, "zn_sgemm: no memory for a %lld x %lld buffer", (long long)n,
                        (long long)m);
    zn_gemm_call f = {!call->tb, !call->ta, n,         m, call->k, call->alpha, 0.0f, call->b, call->a,
                      t,         call->ldb, call->lda, m, NULL,    ZN_ACT_NONE, 0.0f, NULL};
    zn_status s = zn_gemm_run(kt, &f, pool, max_threads);
    if (s == ZN_OK) {
        kt->gemm.tr_add(m, n, t, m, call->beta, call->c, call->ldc);
        for (int64_t i = 0; (call->bias || call->act != ZN_ACT_NONE) && i < m; i++) {
            float *row = call->c + i * call->ldc;
            if (call->bias) kt->vmath.add_bias((size_t)n, call->bias, row);
            if (call->act != ZN_ACT_NONE) zn_apply_act(&kt->vmath, call->act, call->act_alpha, (size_t)n, row, row);
        }
    }
    if (t != on_stack) zn_free(t);
    return s;
}

/* k == 1, a rank-1 update (incremental training's dW += x^T dy): row by
 * row, so C streams through once in order (tiles touch 14 rows at once,
 * which at a power-of-two ldc share L1 sets). Threads own C's row parts
 * (zn_row_parts), as the GEMVs over the same matrix do. */
typedef struct rank1_job {
    const zn_kernels *kt;
    const zn_gemm_call *p;
    int parts; /* zn_row_parts of C */
} rank1_job;

/* Rows of part q of C, the rows a threaded GEMV over C gives the same thread. */
static void rank1_rows(const rank1_job *j, int q, int parts) {
    const zn_gemm_call *p = j->p;
    const zn_vmath_kernels *vk = &j->kt->vmath;
    int64_t lo, hi;
    zn_row_part_range(p->m, q, parts, &lo, &hi);
    if (lo >= hi) return;
    if (p->beta == 1.0f) { /* training's dW += x^T dy */
        const int64_t incx = p->ta ? 1 : p->lda;
        j->kt->gemm.ger(hi - lo, p->n, p->alpha, p->a + lo * incx, incx, p->b, p->c + lo * p->ldc, p->ldc);
        return;
    }
    for (int64_t i = lo; i < hi; i++) {
        const float s = p->alpha * (p->ta ? p->a[i] : p->a[i * p->lda]);
        float *row = p->c + i * p->ldc;
        if (p->beta == 0.0f) { /* C is not read */
            vk->scale((size_t)p->n, s, p->b, row);
            continue;
        }
        if (p->beta != 1.0f) vk->scale((size_t)p->n, p->beta, row, row);
        vk->axpy((size_t)p->n, s, p->b, row);
    }
}

static void rank1_part(void *arg, int ith, int nth) {
    const rank1_job *j = arg;
    for (int q = ith; q < j->parts; q += nth) rank1_rows(j, q, j->parts);
}

static int rank1_fits(const zn_gemm_call *p) {
    return p->k == 1 && !p->bias && p->act == ZN_ACT_NONE && !p->b_packed && (!p->tb || p->ldb == 1);
}

static void rank1_run(const zn_kernels *kt, const zn_gemm_call *call, zn_pool *pool, int max_threads) {
    rank1_job j = {kt, call, zn_row_parts(call->m, call->n)};
    zn_row_parts_run(pool, max_threads, j.parts, rank1_part, &j);
}

zn_status zn_gemm_run(const zn_kernels *kt, const zn_gemm_call *call, zn_pool *pool, int max_threads) {
    const zn_gemm_kernels *g = &kt->gemm;
    if (call->m == 0 || call->n == 0) return ZN_OK;
    if (call->k == 0 || call->alpha == 0.0f) {
        scale_only(kt, call);
        return ZN_OK;
    }
    if (rank1_fits(call)) {
        rank1_run(kt, call, pool, max_threads);
        return ZN_OK;
    }
    if (call->ta && 2 * call->n <= g->nr && !call->b_packed && flip_pays(g, call->m, call->n))
        return gemm_flipped(kt, call, pool, max_threads);
    _Alignas(64) float stack_panels[GEMM_STACK_FLOATS];
    gemm_plan pl = {0};
    pl.kt = kt;
    pl.p = *call;
    choose_packing(&pl);
    choose_threads(&pl, pool, max_threads);

    if (pl.pack_a || pl.pack_b) {
        int64_t kc = min64(g->kc, call->k);
        int64_t m_part = pl.split_n ? call->m : round_up((call->m + pl.nth - 1) / pl.nth, g->mr) + g->mr;
        int64_t n_part = pl.split_n ? round_up((call->n + pl.nth - 1) / pl.nth, g->nr) + g->nr : call->n;
        pl.abuf = pl.pack_a ? (size_t)(round_up(min64(g->mc, m_part), g->mr) * pack_ld(kc)) : 0;
        pl.bbuf = pl.pack_b ? (size_t)(round_up(min64(g->nc, n_part), g->nr) * kc) : 0;
        /* Keep each thread's slice on its own cache lines. */
        pl.abuf = (pl.abuf + 15) & ~(size_t)15;
        pl.bbuf = (pl.bbuf + 15) & ~(size_t)15;
        const size_t floats = (size_t)pl.nth * (pl.abuf + pl.bbuf);
        /* a small product's panels on the stack: allocating them costs as
         * much as a small product */
        pl.buf = floats <= GEMM_STACK_FLOATS ? stack_panels : zn_alloc(floats * sizeof(float));
        if (!pl.buf) return zn_error(ZN_ERR_OUT_OF_MEMORY, "zn_sgemm: no memory for packing buffers");
    }
    if (pl.nth > 1)
        zn_pool_run(pool, gemm_part, &pl, pl.nth);
    else
        gemm_part(&pl, 0, 1);
    if (pl.buf != stack_panels) zn_free(pl.buf);
    return ZN_OK;
}

size_t zn_gemm_packed_b_floats(const zn_kernels *kt, int64_t k, int64_t n) {
    return (size_t)k * (size_t)round_up(n, kt->gemm.nr);
}

void zn_gemm_pack_b_all(const zn_kernels *kt, int tb, int64_t k, int64_t n, const float *b, int64_t ldb, float *dst) {
    const zn_gemm_kernels *g = &kt->gemm;
    const int64_t brs = tb ? 1 : ldb, bcs = tb ? ldb : 1, np = round_up(n, g->nr);
    for (int64_t pc = 0; pc < k; pc += g->kc)
        g->pack_b(g->nr, min64(g->kc, k - pc), n, b + pc * brs, brs, bcs, dst + pc * np);
}
