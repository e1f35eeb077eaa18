/* zenn runtime: status codes and error text, logging, memory accounting,
 * random numbers, clocks and CPU features.
 *
 * Thread safety: every function here may be called from any thread.
 * Error text is thread-local; the log callback and the memory counters are
 * process-wide (the only process-wide writable state in the library). */
#ifndef ZENN_BASE_H
#define ZENN_BASE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(ZN_BUILDING_LIBRARY) && defined(__GNUC__)
#define ZN_API __attribute__((visibility("default")))
#else
#define ZN_API
#endif

/* ---- status ------------------------------------------------------------- */

typedef enum zn_status {
    ZN_OK = 0,
    ZN_ERR_INVALID_ARG = -1, /* null pointer, negative size, bad enum value */
    ZN_ERR_SHAPE = -2,       /* sizes that do not fit together */
    ZN_ERR_OUT_OF_MEMORY = -3,
    ZN_ERR_IO = -4,          /* the operating system refused a read or write */
    ZN_ERR_FORMAT = -5,      /* a file or string is malformed */
    ZN_ERR_UNSUPPORTED = -6, /* valid, but not available (CPU, build) */
    ZN_ERR_OVERFLOW = -7,    /* a size or product of sizes overflows */
    ZN_ERR_BUDGET = -8,      /* a memory budget would be exceeded */
    ZN_ERR_INTERNAL = -9,    /* a bug in zenn: please report it */
    ZN_ERR_DIVERGED = -10,   /* training made the loss or the weights non-finite */
} zn_status;

/* A short constant name for a status ("invalid argument"); never NULL. */
ZN_API const char *zn_status_str(zn_status status);

/* The detail of the last error set on this thread ("zn_sgemm: lda (3) < k (4)").
 * Empty string when none. Valid until the next zenn call on this thread. */
ZN_API const char *zn_last_error(void);
ZN_API void zn_clear_error(void);

/* ---- logging -------------------------------------------------------------- */

typedef enum zn_log_level { ZN_LOG_DEBUG = 0, ZN_LOG_INFO, ZN_LOG_WARN, ZN_LOG_ERROR } zn_log_level;
typedef void (*zn_log_fn)(zn_log_level level, const char *message, void *user);

/* The library never writes to stdout or stderr; it hands messages to this
 * callback. NULL (the default) discards them. */
ZN_API void zn_set_log_callback(zn_log_fn fn, void *user);

/* ---- memory ---------------------------------------------------------------- */

/* 64-byte aligned allocation, counted in the process-wide statistics.
 * Returns NULL (and sets the error text) when out of memory or bytes == 0. */
ZN_API void *zn_alloc(size_t bytes);
ZN_API void *zn_calloc(size_t count, size_t size); /* zeroed; checks count*size */
ZN_API void zn_free(void *p);                      /* NULL is a no-op */
/* Resizes a zn_alloc block (p NULL: allocate). On failure returns NULL and
 * leaves p as it was. */
ZN_API void *zn_realloc(void *p, size_t bytes);

/* Bytes currently allocated through zn_alloc, and the peak since start or the
 * last reset. */
ZN_API size_t zn_mem_current(void);
ZN_API size_t zn_mem_peak(void);
ZN_API void zn_mem_reset_peak(void);

/* An arena hands out aligned blocks from large chunks and frees them all at
 * once. budget_bytes > 0 caps the total chunk bytes: an allocation that would
 * pass it fails with ZN_ERR_BUDGET and the arena is left unchanged. */
typedef struct zn_arena zn_arena;
ZN_API zn_status zn_arena_create(size_t budget_bytes, zn_arena **out);
ZN_API void zn_arena_free(zn_arena *arena);
/* align: a power of two up to 4096; 0 means 64. */
ZN_API zn_status zn_arena_alloc(zn_arena *arena, size_t bytes, size_t align, void **out);
ZN_API void zn_arena_reset(zn_arena *arena);            /* keeps the first chunk */
ZN_API size_t zn_arena_used(const zn_arena *arena);     /* bytes handed out now */
ZN_API size_t zn_arena_peak(const zn_arena *arena);     /* max of used */
ZN_API size_t zn_arena_reserved(const zn_arena *arena); /* chunk bytes held */

/* ---- random numbers ------------------------------------------------------------ */

/* xoshiro256** seeded through splitmix64. Plain struct: put it anywhere,
 * copy it to fork a stream, zn_rng_jump() to make non-overlapping streams. */
typedef struct zn_rng {
    uint64_t s[4];
} zn_rng;

ZN_API void zn_rng_seed(zn_rng *rng, uint64_t seed);
ZN_API uint64_t zn_rng_next(zn_rng *rng);
ZN_API void zn_rng_jump(zn_rng *rng);                  /* advance 2^128 steps */
ZN_API uint64_t zn_rng_below(zn_rng *rng, uint64_t n); /* uniform in [0, n), unbiased; 0 if n == 0 */
ZN_API double zn_rng_uniform(zn_rng *rng);             /* [0, 1), 53 bits */
ZN_API float zn_rng_uniformf(zn_rng *rng);             /* [0, 1), 24 bits */
ZN_API double zn_rng_normal(zn_rng *rng);              /* mean 0, sd 1 */
ZN_API void zn_rng_fill_uniform(zn_rng *rng, float *x, size_t n, float lo, float hi);
ZN_API void zn_rng_fill_normal(zn_rng *rng, float *x, size_t n, float mean, float sd);

/* ---- files ------------------------------------------------------------------------ */

/* Writes a file so that a crash or an error never leaves a half-written one
 * (how the library writes models and data): `write` fills a temporary file
 * next to `path`, which is then flushed, fsync'ed and renamed over `path`.
 * On any failure the temporary file is removed and `path` is untouched.
 * `write` returns ZN_OK or an error status. */
typedef zn_status (*zn_file_writer)(FILE *f, void *ctx);
ZN_API zn_status zn_file_write_atomic(const char *path, zn_file_writer write, void *ctx);

/* ---- clocks ---------------------------------------------------------------------- */

ZN_API uint64_t zn_time_ns(void); /* monotonic nanoseconds */
ZN_API double zn_time_sec(void);  /* monotonic seconds */

/* ---- CPU features ------------------------------------------------------------------- */

/* Instruction sets with kernels in this build, in increasing order. */
typedef enum zn_isa { ZN_ISA_REF = 0, ZN_ISA_AVX2 = 1, ZN_ISA_AVX512 = 2, ZN_ISA_COUNT = 3 } zn_isa;

/* What the CPU and the operating system (XSAVE state) support. */
typedef struct zn_cpu_features {
    int sse42, avx, avx2, fma, f16c;
    int avx512f, avx512bw, avx512vl, avx512dq;
    int avx512_bf16, avx512_fp16, avx512_vnni, avx_vnni;
    int logical_cpus; /* online CPUs */
    char vendor[13];
    char brand[49];
} zn_cpu_features;

ZN_API const zn_cpu_features *zn_cpu(void);
/* The best ISA the CPU runs; ZN_ISA=ref|avx2|avx512 in the environment can
 * lower it (never raise it past what the CPU runs). */
ZN_API zn_isa zn_isa_active(void);
ZN_API int zn_isa_supported(zn_isa isa);
ZN_API const char *zn_isa_name(zn_isa isa);

ZN_API const char *zn_version(void);

#ifdef __cplusplus
}
#endif
#endif /* ZENN_BASE_H */
