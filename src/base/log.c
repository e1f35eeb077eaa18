/* The log callback: the library's only way to say anything. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/internal.h"

/* The callback and its user pointer change together under the lock; the
 * atomic flag lets zn_log skip the lock when nobody listens (the default). */
static pthread_mutex_t sink_lock = PTHREAD_MUTEX_INITIALIZER;
static zn_log_fn sink_fn;
static void *sink_user;
static atomic_int sink_set;

void zn_set_log_callback(zn_log_fn fn, void *user) {
    pthread_mutex_lock(&sink_lock);
    sink_fn = fn;
    sink_user = user;
    atomic_store(&sink_set, fn != NULL);
    pthread_mutex_unlock(&sink_lock);
}

void zn_log(zn_log_level level, const char *fmt, ...) {
    if (!atomic_load_explicit(&sink_set, memory_order_relaxed)) return;
    pthread_mutex_lock(&sink_lock);
    zn_log_fn fn = sink_fn;
    void *user = sink_user;
    pthread_mutex_unlock(&sink_lock);
    if (!fn) return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fn(level, msg, user);
}

long zn_env_long(const char *name, long def, long lo, long hi) {
    const char *s = getenv(name);
    if (!s || !*s) return def;
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (*end != '\0' || v < lo || v > hi) {
        zn_log(ZN_LOG_WARN, "ignoring %s=%s (expected an integer in [%ld, %ld])", name, s, lo, hi);
        return def;
    }
    return v;
}
