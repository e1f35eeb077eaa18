/* xoshiro256** (Blackman & Vigna) seeded through splitmix64. */
#include <math.h>

#include "base/internal.h"

__extension__ typedef unsigned __int128 u128;

static uint64_t splitmix64(uint64_t *state) {
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void zn_rng_seed(zn_rng *rng, uint64_t seed) {
    if (!rng) return;
    uint64_t st = seed;
    for (int i = 0; i < 4; i++) rng->s[i] = splitmix64(&st);
}

uint64_t zn_rng_next(zn_rng *rng) {
    uint64_t *s = rng->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

void zn_rng_jump(zn_rng *rng) {
    static const uint64_t jump[4] = {0x180ec6d33cfd0abaULL, 0xd5a61266f0c9392cULL, 0xa9582618e03fc9aaULL,
                                     0x39abdc4529b1661cULL};
    uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (int i = 0; i < 4; i++) {
        for (int b = 0; b < 64; b++) {
            if (jump[i] & ((uint64_t)1 << b)) {
                s0 ^= rng->s[0];
                s1 ^= rng->s[1];
                s2 ^= rng->s[2];
                s3 ^= rng->s[3];
            }
            zn_rng_next(rng);
        }
    }
    rng->s[0] = s0;
    rng->s[1] = s1;
    rng->s[2] = s2;
    rng->s[3] = s3;
}

uint64_t zn_rng_below(zn_rng *rng, uint64_t n) {
    if (n == 0) return 0;
    /* Lemire's multiply-and-reject: unbiased, one division only on rejection. */
    uint64_t x = zn_rng_next(rng);
    u128 m = (u128)x * n;
    uint64_t low = (uint64_t)m;
    if (low < n) {
        uint64_t threshold = (0 - n) % n;
        while (low < threshold) {
            x = zn_rng_next(rng);
            m = (u128)x * n;
            low = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}

double zn_rng_uniform(zn_rng *rng) { return (double)(zn_rng_next(rng) >> 11) * 0x1.0p-53; }

float zn_rng_uniformf(zn_rng *rng) { return (float)(zn_rng_next(rng) >> 40) * 0x1.0p-24f; }

double zn_rng_normal(zn_rng *rng) {
    /* Marsaglia's polar method; the second value is dropped so the state is
     * the whole story (no hidden cache). */
    double u, v, s;
    do {
        u = 2.0 * zn_rng_uniform(rng) - 1.0;
        v = 2.0 * zn_rng_uniform(rng) - 1.0;
        s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    return u * sqrt(-2.0 * log(s) / s);
}

void zn_rng_fill_uniform(zn_rng *rng, float *x, size_t n, float lo, float hi) {
    for (size_t i = 0; i < n; i++) x[i] = lo + (hi - lo) * zn_rng_uniformf(rng);
}

void zn_rng_fill_normal(zn_rng *rng, float *x, size_t n, float mean, float sd) {
    for (size_t i = 0; i < n; i++) x[i] = (float)(mean + sd * zn_rng_normal(rng));
}
