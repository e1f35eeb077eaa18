/* safetensors dtype names and message helpers. */
#include <stdio.h>
#include <string.h>

#include "io/st_internal.h"

int zn_st_dtype_lookup(const char *s, size_t len, zn_dtype *out) {
    /* zenn's dtype names are the format's names. */
    for (int d = 0; d < ZN_DTYPE_COUNT; d++) {
        const char *n = zn_dtype_name((zn_dtype)d);
        if (strlen(n) == len && memcmp(n, s, len) == 0) {
            *out = (zn_dtype)d;
            return 1;
        }
    }
    /* Valid in newer files, but zenn has no such type. */
    static const char *const other[] = {"F8_E4M3", "F8_E5M2", "F8_E8M0", "U16",     "U32",
                                        "U64",     "F4",      "F6_E2M3", "F6_E3M2", "C64"};
    for (size_t k = 0; k < sizeof other / sizeof other[0]; k++)
        if (strlen(other[k]) == len && memcmp(other[k], s, len) == 0) return -1;
    return 0;
}

void zn_st_quote(const char *s, size_t len, char *out, size_t cap) {
    size_t limit = cap > 4 ? cap - 4 : 0, j = 0, i = 0;
    for (; i < len && j < limit; i++) {
        unsigned char c = (unsigned char)s[i];
        out[j++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    if (i < len) {
        /* Do not end inside a UTF-8 sequence. */
        while (j > 0 && ((unsigned char)out[j - 1] & 0xC0) == 0x80) j--;
        if (j > 0 && ((unsigned char)out[j - 1] & 0xC0) == 0xC0) j--;
        memcpy(out + j, "...", 3);
        j += 3;
    }
    if (cap) out[j < cap ? j : cap - 1] = '\0';
}

void zn_st_format_shape(const int64_t *shape, int ndim, char *out, size_t cap) {
    size_t j = 0;
    out[0] = '\0';
    j += (size_t)snprintf(out + j, cap - j, "[");
    for (int i = 0; i < ndim && j < cap; i++) {
        if (i == 8) {
            j += (size_t)snprintf(out + j, cap - j, ", ... (%d dims)", ndim);
            break;
        }
        j += (size_t)snprintf(out + j, cap - j, i ? ", %lld" : "%lld", (long long)shape[i]);
    }
    if (j < cap) snprintf(out + j, cap - j, "]");
}
