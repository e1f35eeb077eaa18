/* CPU feature detection: cpuid for what the CPU has, xgetbv for what the
 * operating system saves on a context switch (without that, AVX registers
 * would be corrupted, so the feature counts as absent). */
#include <pthread.h>
#include <string.h>
#include <strings.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/internal.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define ZN_X86 1
#endif

static zn_cpu_features features;
static zn_isa active_isa;
static pthread_once_t detect_once = PTHREAD_ONCE_INIT;

#if ZN_X86
static uint64_t read_xcr0(void) {
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}

static void detect_x86(zn_cpu_features *f) {
    unsigned a, b, c, d;
    if (!__get_cpuid(0, &a, &b, &c, &d)) return;
    unsigned max_leaf = a;
    memcpy(f->vendor + 0, &b, 4);
    memcpy(f->vendor + 4, &d, 4);
    memcpy(f->vendor + 8, &c, 4);
    f->vendor[12] = '\0';

    __cpuid(1, a, b, c, d);
    f->sse42 = (c >> 20) & 1;
    int osxsave = (c >> 27) & 1;
    int avx = (c >> 28) & 1;
    int fma = (c >> 12) & 1;
    int f16c = (c >> 29) & 1;

    uint64_t xcr0 = osxsave ? read_xcr0() : 0;
    int os_ymm = (xcr0 & 0x6) == 0x6;             /* SSE and AVX state */
    int os_zmm = os_ymm && (xcr0 & 0xe0) == 0xe0; /* opmask, ZMM_Hi256, Hi16_ZMM */

    f->avx = avx && os_ymm;
    f->fma = fma && f->avx;
    f->f16c = f16c && f->avx;
    if (max_leaf >= 7) {
        __cpuid_count(7, 0, a, b, c, d);
        f->avx2 = ((b >> 5) & 1) && f->avx;
        f->avx512f = ((b >> 16) & 1) && os_zmm;
        f->avx512dq = ((b >> 17) & 1) && f->avx512f;
        f->avx512bw = ((b >> 30) & 1) && f->avx512f;
        f->avx512vl = ((b >> 31) & 1) && f->avx512f;
        f->avx512_vnni = ((c >> 11) & 1) && f->avx512f;
        f->avx512_fp16 = ((d >> 23) & 1) && f->avx512f;
        unsigned a1 = 0, b1 = 0, c1 = 0, d1 = 0;
        if (a >= 1) __cpuid_count(7, 1, a1, b1, c1, d1);
        f->avx512_bf16 = ((a1 >> 5) & 1) && f->avx512f;
        f->avx_vnni = ((a1 >> 4) & 1) && f->avx;
    }
    __cpuid(0x80000000, a, b, c, d);
    if (a >= 0x80000004) {
        unsigned *w = (unsigned *)(void *)f->brand;
        for (unsigned leaf = 0; leaf < 3; leaf++)
            __cpuid(0x80000002 + leaf, w[leaf * 4 + 0], w[leaf * 4 + 1], w[leaf * 4 + 2], w[leaf * 4 + 3]);
        f->brand[48] = '\0';
    }
}
#endif

static void detect(void) {
#if ZN_X86
    detect_x86(&features);
#endif
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    features.logical_cpus = n > 0 ? (int)n : 1;

    zn_isa best = ZN_ISA_REF;
    if (features.avx2 && features.fma) best = ZN_ISA_AVX2;
    if (best == ZN_ISA_AVX2 && features.avx512f && features.avx512bw && features.avx512vl && features.avx512dq)
        best = ZN_ISA_AVX512;
    active_isa = best;

    const char *forced = getenv("ZN_ISA");
    if (forced && *forced) {
        zn_isa want = ZN_ISA_COUNT;
        for (int i = 0; i < ZN_ISA_COUNT; i++)
            if (strcasecmp(forced, zn_isa_name((zn_isa)i)) == 0) want = (zn_isa)i;
        if (want == ZN_ISA_COUNT)
            zn_log(ZN_LOG_WARN, "ZN_ISA=%s is not one of ref, avx2, avx512; using %s", forced, zn_isa_name(best));
        else if (want > best)
            zn_log(ZN_LOG_WARN, "ZN_ISA=%s: this CPU does not run it; using %s", forced, zn_isa_name(best));
        else
            active_isa = want;
    }
}

const zn_cpu_features *zn_cpu(void) {
    pthread_once(&detect_once, detect);
    return &features;
}

zn_isa zn_isa_active(void) {
    pthread_once(&detect_once, detect);
    return active_isa;
}

int zn_isa_supported(zn_isa isa) {
    const zn_cpu_features *f = zn_cpu();
    switch (isa) {
    case ZN_ISA_REF: return 1;
    case ZN_ISA_AVX2: return f->avx2 && f->fma;
    case ZN_ISA_AVX512: return f->avx2 && f->fma && f->avx512f && f->avx512bw && f->avx512vl && f->avx512dq;
    default: return 0;
    }
}

const char *zn_isa_name(zn_isa isa) {
    switch (isa) {
    case ZN_ISA_REF: return "ref";
    case ZN_ISA_AVX2: return "avx2";
    case ZN_ISA_AVX512: return "avx512";
    default: return "unknown";
    }
}
