/* Random numbers: reproducible streams, ranges, moments, unbiased bounds. */
#include "zn_test.h"

static void test_reproducible(void) {
    zn_rng a, b;
    zn_rng_seed(&a, 42);
    zn_rng_seed(&b, 42);
    for (int i = 0; i < 1000; i++) ZT_CHECK(zn_rng_next(&a) == zn_rng_next(&b));
    zn_rng_seed(&b, 43);
    int same = 0;
    for (int i = 0; i < 1000; i++) same += zn_rng_next(&a) == zn_rng_next(&b);
    ZT_CHECK(same == 0);
}

static void test_jump_streams_differ(void) {
    zn_rng a, b;
    zn_rng_seed(&a, 7);
    b = a;
    zn_rng_jump(&b);
    int same = 0;
    for (int i = 0; i < 1000; i++) same += zn_rng_next(&a) == zn_rng_next(&b);
    ZT_CHECK(same == 0);
}

static void test_uniform(void) {
    zn_rng r;
    zn_rng_seed(&r, 1);
    double sum = 0, sumsq = 0;
    const int n = 200000;
    for (int i = 0; i < n; i++) {
        double u = zn_rng_uniform(&r);
        float f = zn_rng_uniformf(&r);
        ZT_CHECK(u >= 0.0 && u < 1.0);
        ZT_CHECK(f >= 0.0f && f < 1.0f);
        sum += u;
        sumsq += u * u;
    }
    double mean = sum / n, var = sumsq / n - mean * mean;
    ZT_NEAR(mean, 0.5, 0.005);
    ZT_NEAR(var, 1.0 / 12.0, 0.002);
}

static void test_normal(void) {
    zn_rng r;
    zn_rng_seed(&r, 2);
    double sum = 0, sumsq = 0, sum4 = 0;
    const int n = 200000;
    for (int i = 0; i < n; i++) {
        double z = zn_rng_normal(&r);
        sum += z;
        sumsq += z * z;
        sum4 += z * z * z * z;
    }
    ZT_NEAR(sum / n, 0.0, 0.01);
    ZT_NEAR(sumsq / n, 1.0, 0.02);
    ZT_NEAR(sum4 / n, 3.0, 0.1); /* kurtosis of a normal */
    float buf[1000];
    zn_rng_fill_normal(&r, buf, 1000, 5.0f, 0.1f);
    double m = 0;
    for (int i = 0; i < 1000; i++) m += buf[i];
    ZT_NEAR(m / 1000, 5.0, 0.02);
    zn_rng_fill_uniform(&r, buf, 1000, -2.0f, 3.0f);
    for (int i = 0; i < 1000; i++) ZT_CHECK(buf[i] >= -2.0f && buf[i] < 3.0f);
}

static void test_below(void) {
    zn_rng r;
    zn_rng_seed(&r, 3);
    ZT_CHECK(zn_rng_below(&r, 0) == 0);
    ZT_CHECK(zn_rng_below(&r, 1) == 0);
    int counts[7] = {0};
    const int n = 70000;
    for (int i = 0; i < n; i++) {
        uint64_t v = zn_rng_below(&r, 7);
        ZT_CHECK(v < 7);
        if (v < 7) counts[v]++;
    }
    for (int i = 0; i < 7; i++) ZT_NEAR(counts[i], n / 7.0, 400); /* ~4.5 sigma */
    /* A bound near 2^64 exercises the rejection path. */
    uint64_t big = (UINT64_C(1) << 63) + 12345;
    for (int i = 0; i < 100; i++) ZT_CHECK(zn_rng_below(&r, big) < big);
}

int main(void) {
    ZT_RUN(test_reproducible);
    ZT_RUN(test_jump_streams_differ);
    ZT_RUN(test_uniform);
    ZT_RUN(test_normal);
    ZT_RUN(test_below);
    return zt_finish();
}
