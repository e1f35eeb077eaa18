/* Helpers shared inside the library; not installed. */
#ifndef ZN_BASE_INTERNAL_H
#define ZN_BASE_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "zenn/base.h"

#if defined(__GNUC__)
#define ZN_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define ZN_LIKELY(x) __builtin_expect(!!(x), 1)
#define ZN_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define ZN_PRINTF(f, a)
#define ZN_LIKELY(x) (x)
#define ZN_UNLIKELY(x) (x)
#endif

#define ZN_ALIGN 64

/* Sets this thread's error text and returns status, so callers can write
 * `return zn_error(ZN_ERR_INVALID_ARG, "zn_sgemm: m (%lld) < 0", m);`. */
zn_status zn_error(zn_status status, const char *fmt, ...) ZN_PRINTF(2, 3);

/* Sends a message to the log callback, if one is set. */
void zn_log(zn_log_level level, const char *fmt, ...) ZN_PRINTF(2, 3);

/* Overflow-checked size arithmetic: return 0 on overflow, 1 otherwise. */
static inline int zn_mul_size(size_t a, size_t b, size_t *out) { return !__builtin_mul_overflow(a, b, out); }
static inline int zn_add_size(size_t a, size_t b, size_t *out) { return !__builtin_add_overflow(a, b, out); }
static inline int zn_mul_i64(int64_t a, int64_t b, int64_t *out) { return !__builtin_mul_overflow(a, b, out); }

/* Monotonic nanoseconds for short intervals on one thread, cheap to read:
 * the TSC on x86 (clock_gettime is slow under some VM clocks: docs/KERNELS.md),
 * scaled by a factor measured once per process against zn_time_ns;
 * zn_time_ns elsewhere.
 * zn_fast_clock_init measures it up front (else the first read does). */
void zn_fast_clock_init(void);
uint64_t zn_fast_ns(void);

/* The largest file a loader reads unless told otherwise. */
#define ZN_DEFAULT_MAX_FILE_BYTES ((int64_t)4 << 30)

/* Name lists (column, class names): NUL-terminated copies in zn_alloc'd
 * memory. zn_names_copy gives NULL for n == 0 or src == NULL. */
void zn_names_free(char **names, int64_t n);
zn_status zn_names_copy(char *const *src, int64_t n, char ***dst);
char *zn_strdup_range(const char *s, size_t n); /* NULL when out of memory */

/* UTF-8: the length of the valid sequence at s (n > 0 bytes available) or
 * 0, and whether s[0..len) is entirely valid (no overlongs, surrogates or
 * code points past U+10FFFF). */
size_t zn_utf8_seq(const unsigned char *s, size_t n);
int zn_utf8_valid(const char *s, size_t len);

/* Environment variable as an integer in [lo, hi]; def when unset or invalid. */
long zn_env_long(const char *name, long def, long lo, long hi);

#endif /* ZN_BASE_INTERNAL_H */
