/* Runtime: status text, error messages, memory accounting, arenas, clocks,
 * CPU features. */
#include "zn_test.h"

static void test_status_names(void) {
    zn_status all[] = {ZN_OK,         ZN_ERR_INVALID_ARG, ZN_ERR_SHAPE,       ZN_ERR_OUT_OF_MEMORY,
                       ZN_ERR_IO,     ZN_ERR_FORMAT,      ZN_ERR_UNSUPPORTED, ZN_ERR_OVERFLOW,
                       ZN_ERR_BUDGET, ZN_ERR_INTERNAL,    ZN_ERR_DIVERGED};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        const char *s = zn_status_str(all[i]);
        ZT_CHECK(s && *s && strcmp(s, "unknown status") != 0);
        for (size_t j = 0; j < i; j++) ZT_CHECK(strcmp(s, zn_status_str(all[j])) != 0);
    }
    ZT_CHECK(strcmp(zn_status_str((zn_status)-1000), "unknown status") == 0);
}

static void test_alloc_accounting(void) {
    size_t before = zn_mem_current();
    zn_mem_reset_peak();
    float *p = zn_alloc(1000 * sizeof(float));
    ZT_CHECK(p != NULL);
    ZT_CHECK(((uintptr_t)p & 63) == 0);
    ZT_CHECK(zn_mem_current() == before + 4000);
    ZT_CHECK(zn_mem_peak() >= before + 4000);
    int *z = zn_calloc(10, sizeof(int));
    ZT_CHECK(z && z[0] == 0 && z[9] == 0);
    zn_free(z);
    zn_free(p);
    ZT_CHECK(zn_mem_current() == before);
    ZT_CHECK(zn_mem_peak() >= before + 4000);
    zn_free(NULL);

    zn_clear_error();
    ZT_CHECK(zn_alloc(0) == NULL);
    ZT_CHECK(zn_last_error()[0] != '\0');
    ZT_CHECK(zn_alloc(SIZE_MAX - 8) == NULL);
    ZT_CHECK(zn_calloc(SIZE_MAX / 2, 4) == NULL);
    ZT_CHECK(strstr(zn_last_error(), "overflow") != NULL);
    ZT_CHECK(zn_mem_current() == before);
}

static void test_arena(void) {
    zn_arena *a = NULL;
    ZT_OK(zn_arena_create(0, &a));
    void *p1 = NULL, *p2 = NULL, *big = NULL;
    ZT_OK(zn_arena_alloc(a, 100, 0, &p1));
    ZT_OK(zn_arena_alloc(a, 10, 256, &p2));
    ZT_CHECK(((uintptr_t)p1 & 63) == 0 && ((uintptr_t)p2 & 255) == 0);
    ZT_CHECK((char *)p2 >= (char *)p1 + 100);
    memset(p1, 1, 100);
    memset(p2, 2, 10);
    ZT_OK(zn_arena_alloc(a, 1 << 20, 0, &big)); /* larger than the first chunk */
    memset(big, 3, 1 << 20);
    ZT_CHECK(((unsigned char *)p1)[99] == 1);
    ZT_CHECK(zn_arena_used(a) == 100 + 10 + (1 << 20));
    size_t peak = zn_arena_peak(a);
    zn_arena_reset(a);
    ZT_CHECK(zn_arena_used(a) == 0);
    ZT_CHECK(zn_arena_peak(a) == peak);
    ZT_OK(zn_arena_alloc(a, 100, 0, &p1));
    ZT_ERR(zn_arena_alloc(a, 100, 3, &p1), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_arena_alloc(NULL, 100, 0, &p1), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_arena_alloc(a, SIZE_MAX, 0, &p1), ZN_ERR_OVERFLOW);
    ZT_CHECK(p1 == NULL);
    zn_arena_free(a);
    zn_arena_free(NULL);
    ZT_ERR(zn_arena_create(0, NULL), ZN_ERR_INVALID_ARG);
}

static void test_arena_budget(void) {
    zn_arena *a = NULL;
    ZT_OK(zn_arena_create(200 << 10, &a));
    void *p = NULL;
    ZT_OK(zn_arena_alloc(a, 50 << 10, 0, &p));
    size_t reserved = zn_arena_reserved(a), used = zn_arena_used(a);
    ZT_ERR(zn_arena_alloc(a, 300 << 10, 0, &p), ZN_ERR_BUDGET);
    ZT_CHECK(p == NULL);
    /* A failed allocation leaves the arena as it was. */
    ZT_CHECK(zn_arena_reserved(a) == reserved && zn_arena_used(a) == used);
    ZT_CHECK(zn_arena_reserved(a) <= 200 << 10);
    int fits = 0;
    for (int i = 0; i < 100; i++) {
        if (zn_arena_alloc(a, 4 << 10, 0, &p) != ZN_OK) break;
        fits++;
    }
    ZT_CHECK(zn_arena_reserved(a) <= 200 << 10);
    ZT_CHECK(fits >= 30); /* the budget is used, not abandoned early */
    zn_arena_free(a);
}

static void test_clock(void) {
    uint64_t t0 = zn_time_ns();
    volatile double x = 0;
    for (int i = 0; i < 100000; i++) x += i;
    ZT_CHECK(x > 0);
    uint64_t t1 = zn_time_ns();
    ZT_CHECK(t1 >= t0);
    ZT_CHECK(zn_time_sec() > 0.0);
}

static void test_cpu(void) {
    const zn_cpu_features *f = zn_cpu();
    ZT_CHECK(f->logical_cpus >= 1);
    ZT_CHECK(zn_isa_supported(ZN_ISA_REF));
    ZT_CHECK(zn_isa_supported(zn_isa_active()));
    if (f->avx512f) ZT_CHECK(f->avx2);
    if (zn_isa_supported(ZN_ISA_AVX512)) ZT_CHECK(zn_isa_supported(ZN_ISA_AVX2));
    ZT_CHECK(!zn_isa_supported(ZN_ISA_COUNT));
    ZT_CHECK(strcmp(zn_isa_name(ZN_ISA_AVX2), "avx2") == 0);
    const char *forced = getenv("ZN_ISA");
    if (forced && strcmp(forced, "ref") == 0) ZT_CHECK(zn_isa_active() == ZN_ISA_REF);
    if (forced && strcmp(forced, "avx2") == 0 && zn_isa_supported(ZN_ISA_AVX2))
        ZT_CHECK(zn_isa_active() == ZN_ISA_AVX2);
}

typedef struct log_capture {
    int count;
    char last[256];
} log_capture;

static void capture_log(zn_log_level level, const char *msg, void *user) {
    log_capture *c = user;
    (void)level;
    c->count++;
    snprintf(c->last, sizeof c->last, "%s", msg);
}

static void test_log_callback(void) {
    log_capture cap = {0};
    zn_set_log_callback(capture_log, &cap);
    zn_alloc(0); /* an error is logged at debug level */
    ZT_CHECK(cap.count >= 1);
    ZT_CHECK(strstr(cap.last, "zn_alloc") != NULL);
    zn_set_log_callback(NULL, NULL);
    int before = cap.count;
    zn_alloc(0);
    ZT_CHECK(cap.count == before);
}

int main(void) {
    ZT_RUN(test_status_names);
    ZT_RUN(test_alloc_accounting);
    ZT_RUN(test_arena);
    ZT_RUN(test_arena_budget);
    ZT_RUN(test_clock);
    ZT_RUN(test_cpu);
    ZT_RUN(test_log_callback);
    return zt_finish();
}
