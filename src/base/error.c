/* Status names and the thread-local last-error text. */
#include <stdio.h>

#include "base/internal.h"

static _Thread_local char last_error[512];

const char *zn_status_str(zn_status status) {
    switch (status) {
    case ZN_OK: return "ok";
    case ZN_ERR_INVALID_ARG: return "invalid argument";
    case ZN_ERR_SHAPE: return "shape mismatch";
    case ZN_ERR_OUT_OF_MEMORY: return "out of memory";
    case ZN_ERR_IO: return "i/o error";
    case ZN_ERR_FORMAT: return "bad format";
    case ZN_ERR_UNSUPPORTED: return "unsupported";
    case ZN_ERR_OVERFLOW: return "size overflow";
    case ZN_ERR_BUDGET: return "memory budget exceeded";
    case ZN_ERR_INTERNAL: return "internal error";
    case ZN_ERR_DIVERGED: return "training diverged";
    }
    return "unknown status";
}

const char *zn_last_error(void) { return last_error; }

void zn_clear_error(void) { last_error[0] = '\0'; }

zn_status zn_error(zn_status status, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    zn_log(ZN_LOG_DEBUG, "%s: %s", zn_status_str(status), last_error);
    return status;
}
