/* Checks shared by the model file formats (io_checks.h). */
#include <math.h>
#include <stdio.h>

#include "base/internal.h"
#include "io/io_checks.h"

zn_status zn_io_with_path(zn_status st, const char *path) {
    char msg[512];
    snprintf(msg, sizeof msg, "%s", zn_last_error());
    return zn_error(st, "%s: %s", path, msg);
}

zn_status zn_io_check_finite(const char *path, const char *tensor, const float *values, int64_t n, int saving) {
    for (int64_t i = 0; i < n; i++) {
        if (isfinite(values[i])) continue;
        if (saving)
            return zn_error(ZN_ERR_INVALID_ARG,
                            "%s: not written: tensor '%s' holds %s at element %lld (did training diverge?)", path,
                            tensor, isnan(values[i]) ? "NaN" : "an infinity", (long long)i);
        return zn_error(ZN_ERR_FORMAT, "%s: tensor '%s' holds a NaN or infinity at element %lld", path, tensor,
                        (long long)i);
    }
    return ZN_OK;
}
