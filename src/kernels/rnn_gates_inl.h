/* The gate loops of rnn_kernels.h as plain C, included by one file per ISA
 * folder so the compiler vectorises them with that folder's flags. */
#ifndef ZN_RNN_GATES_INL_H
#define ZN_RNN_GATES_INL_H

#include "kernels/rnn_kernels.h"

static void rnn_lstm_cell(size_t nblk, size_t U, float *act, const float *cp, float *c) {
    for (size_t blk = 0; blk < nblk; blk++, act += 4 * U, cp += U, c += U) {
        const float *i = act, *f = act + U;
        float *g = act + 3 * U;
        for (size_t u = 0; u < U; u++) {
            g[u] = 2.0f * g[u] - 1.0f;
            c[u] = f[u] * cp[u] + i[u] * g[u];
        }
    }
}

static void rnn_lstm_out(size_t n, size_t U, const float *restrict act, const float *restrict tc, float *restrict y) {
    for (size_t k0 = 0; k0 < n; k0 += U, act += 4 * U) {
        const size_t w = n - k0 < U ? n - k0 : U;
        const float *o = act + 2 * U;
        for (size_t u = 0; u < w; u++) y[k0 + u] = o[u] * tc[k0 + u];
    }
}

static void rnn_gru_in(size_t nblk, size_t U, float *restrict act, const float *restrict gh, const float *restrict bhn,
                       float *restrict hn) {
    for (size_t blk = 0; blk < nblk; blk++, act += 3 * U, hn += U, bhn += U) {
        if (!gh) {
            for (size_t u = 0; u < U; u++) hn[u] = bhn[u];
            continue;
        }
        for (size_t i = 0; i < 2 * U; i++) act[i] += gh[i];
        for (size_t u = 0; u < U; u++) hn[u] = gh[2 * U + u] + bhn[u];
        gh += 3 * U;
    }
}

static void rnn_gru_n(size_t nblk, size_t U, const float *restrict act, const float *restrict hn, float *restrict tn) {
    for (size_t blk = 0; blk < nblk; blk++, act += 3 * U, hn += U, tn += U)
        for (size_t u = 0; u < U; u++) tn[u] = act[2 * U + u] + act[u] * hn[u];
}

static void rnn_gru_out(size_t n, size_t U, float *restrict act, const float *restrict tn, const float *restrict hp,
                        float *restrict y) {
    for (size_t k0 = 0; k0 < n; k0 += U, act += 3 * U) {
        const size_t w = n - k0 < U ? n - k0 : U;
        const float *zg = act + U;
        float *ng = act + 2 * U;
        for (size_t u = 0; u < w; u++) {
            ng[u] = tn[k0 + u];
            y[k0 + u] = (1.0f - zg[u]) * tn[k0 + u] + zg[u] * (hp ? hp[k0 + u] : 0.0f);
        }
    }
}

static void rnn_lstm_bwd(size_t n, size_t H, size_t U, const float *restrict act, const float *restrict tc,
                         const float *restrict cp, const float *restrict dh, float *restrict dc, float *restrict dg) {
    const float *ig = act, *fg = act + U, *og = act + 2 * U, *gg = act + 3 * U;
    for (size_t u = 0; u < n; u++) {
        const float t = tc[u], d = dc[u] + dh[u] * og[u] * (1.0f - t * t);
        dg[u] = d * gg[u] * ig[u] * (1.0f - ig[u]);
        dg[H + u] = d * cp[u] * fg[u] * (1.0f - fg[u]);
        dg[2 * H + u] = d * ig[u] * (1.0f - gg[u] * gg[u]);
        dg[3 * H + u] = dh[u] * t * og[u] * (1.0f - og[u]);
        dc[u] = d * fg[u];
    }
}

static void rnn_gru_bwd(size_t n, size_t H, size_t U, const float *restrict act, const float *restrict hn,
                        const float *restrict hp, const float *restrict dh, float *restrict dh_direct,
                        float *restrict dg) {
    const float *rg = act, *zg = act + U, *ng = act + 2 * U;
    for (size_t u = 0; u < n; u++) {
        const float dn = dh[u] * (1.0f - zg[u]), dz = dh[u] * (hp[u] - ng[u]);
        const float dan = dn * (1.0f - ng[u] * ng[u]), dr = dan * hn[u];
        dg[u] = dr * rg[u] * (1.0f - rg[u]);
        dg[H + u] = dz * zg[u] * (1.0f - zg[u]);
        dg[2 * H + u] = dan * rg[u];
        dg[3 * H + u] = dan;
        dh_direct[u] = dh[u] * zg[u];
    }
}

static void rnn_rnn_bwd(size_t n, int relu, const float *restrict h, const float *restrict dh, float *restrict dg) {
    if (relu)
        for (size_t u = 0; u < n; u++) dg[u] = h[u] > 0.0f ? dh[u] : 0.0f;
    else
        for (size_t u = 0; u < n; u++) dg[u] = dh[u] * (1.0f - h[u] * h[u]);
}

static inline void rnn_fill(zn_rnn_kernels *k) {
    k->lstm_cell = rnn_lstm_cell;
    k->lstm_out = rnn_lstm_out;
    k->gru_in = rnn_gru_in;
    k->gru_n = rnn_gru_n;
    k->gru_out = rnn_gru_out;
    k->lstm_bwd = rnn_lstm_bwd;
    k->gru_bwd = rnn_gru_bwd;
    k->rnn_bwd = rnn_rnn_bwd;
}

#endif
