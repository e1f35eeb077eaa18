/* Why training stopped, in words. */
#include <stdio.h>

#include "zenn/train.h"

const char *zn_stop_reason_name(zn_stop_reason r) {
    switch (r) {
    case ZN_STOPPED_EPOCHS: return "epoch budget";
    case ZN_STOPPED_TARGET: return "target error reached";
    case ZN_STOPPED_PATIENCE: return "early stop";
    case ZN_STOPPED_CALLBACK: return "stopped by the callback";
    }
    return "unknown";
}

const char *zn_train_report_describe(const zn_train_report *r, char *buf, size_t len) {
    if (!buf || len == 0) return buf;
    buf[0] = '\0';
    if (!r) return buf;
    const long long n = (long long)r->epochs, best = (long long)r->best_epoch;
    int k = 0;
    switch (r->stop_reason) {
    case ZN_STOPPED_EPOCHS: k = snprintf(buf, len, "ran its budget of %lld epochs", n); break;
    case ZN_STOPPED_TARGET: k = snprintf(buf, len, "reached the target error at epoch %lld", n); break;
    case ZN_STOPPED_PATIENCE:
        k = snprintf(buf, len, "early stop at epoch %lld (no validation improvement in %lld epochs)", n, n - best);
        break;
    case ZN_STOPPED_CALLBACK: k = snprintf(buf, len, "stopped by the callback at epoch %lld", n); break;
    }
    if (k < 0 || (size_t)k >= len || !r->restored_best) return buf;
    if (best > 0)
        snprintf(buf + k, len - (size_t)k, "; the weights of epoch %lld kept", best);
    else
        snprintf(buf + k, len - (size_t)k, "; no epoch beat the starting weights on validation, which were kept");
    return buf;
}
