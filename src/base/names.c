/* Copies of name lists (column and class names) owned by the library. */
#include <string.h>

#include "base/internal.h"

void zn_names_free(char **names, int64_t n) {
    if (!names) return;
    for (int64_t i = 0; i < n; i++) zn_free(names[i]);
    zn_free(names);
}

char *zn_strdup_range(const char *s, size_t n) {
    char *p = zn_alloc(n + 1);
    if (!p) return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

zn_status zn_names_copy(char *const *src, int64_t n, char ***dst) {
    *dst = NULL;
    if (!src || n == 0) return ZN_OK;
    char **names = zn_calloc((size_t)n, sizeof *names);
    if (!names) return ZN_ERR_OUT_OF_MEMORY;
    for (int64_t i = 0; i < n; i++) {
        names[i] = zn_strdup_range(src[i], strlen(src[i]));
        if (!names[i]) {
            zn_names_free(names, n);
            return ZN_ERR_OUT_OF_MEMORY;
        }
    }
    *dst = names;
    return ZN_OK;
}
