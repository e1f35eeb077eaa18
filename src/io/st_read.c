/* Tensor bytes to float. The bytes sit at whatever offset the file put
 * them, so every element is assembled from little-endian bytes: no
 * alignment or host byte order is assumed. */
#include <string.h>

#include "base/internal.h"
#include "io/st_internal.h"

static float bits_to_float(uint32_t u) {
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* IEEE half to float, exactly (every half is a float). */
static float half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1F, mant = h & 0x3FF;
    if (exp == 0) {
        float v = (float)mant * 0x1p-24f; /* zero or subnormal */
        return sign ? -v : v;
    }
    if (exp == 31) return bits_to_float(sign | 0x7F800000u | (mant << 13)); /* inf, NaN keeps its payload */
    return bits_to_float(sign | ((exp + 112) << 23) | (mant << 13));
}

zn_status zn_st_read_f32(const zn_st_file *f, const char *name, float *dst, int64_t count) {
    if (!f || !name || (!dst && count)) return zn_error(ZN_ERR_INVALID_ARG, "zn_st_read_f32: NULL argument");
    zn_st_info t;
    zn_status s = zn_st_find(f, name, &t);
    if (s != ZN_OK) return s;
    char q[72];
    if (count != t.numel) {
        zn_st_quote(name, strlen(name), q, sizeof q);
        return zn_error(ZN_ERR_SHAPE, "%s: tensor '%s' has %lld elements, the caller asked for %lld", f->name, q,
                        (long long)t.numel, (long long)count);
    }
    const unsigned char *b = t.data;
    size_t n = (size_t)count;
    switch (t.dtype) {
    case ZN_F32:
        for (size_t i = 0; i < n; i++, b += 4)
            dst[i] = bits_to_float((uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24);
        return ZN_OK;
    case ZN_F16:
        for (size_t i = 0; i < n; i++, b += 2) dst[i] = half_to_float((uint16_t)(b[0] | b[1] << 8));
        return ZN_OK;
    case ZN_BF16:
        for (size_t i = 0; i < n; i++, b += 2) dst[i] = bits_to_float((uint32_t)b[0] << 16 | (uint32_t)b[1] << 24);
        return ZN_OK;
    case ZN_F64:
        for (size_t i = 0; i < n; i++, b += 8) {
            uint64_t u = 0;
            for (int k = 7; k >= 0; k--) u = (u << 8) | b[k];
            double d;
            memcpy(&d, &u, sizeof d);
            dst[i] = (float)d;
        }
        return ZN_OK;
    default:
        zn_st_quote(name, strlen(name), q, sizeof q);
        return zn_error(ZN_ERR_UNSUPPORTED, "%s: tensor '%s' is %s; zn_st_read_f32 reads F32, F16, BF16 and F64",
                        f->name, q, zn_dtype_name(t.dtype));
    }
}
