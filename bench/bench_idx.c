/* IDX files (MNIST's format), gzip-compressed, for the mnist suite. The
 * library gains no zlib dependency: `gzip -dc` decompresses through a pipe. */
#include "bench_idx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int read_all(FILE *f, unsigned char *p, size_t n) { return fread(p, 1, n, f) == n; }

static uint32_t be32(const unsigned char *b) {
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

int bench_idx_read(const char *path, bench_idx *out, char *why, size_t cap) {
    memset(out, 0, sizeof *out);
    FILE *probe = fopen(path, "rb");
    if (!probe) {
        snprintf(why, cap, "%s: cannot open", path);
        return 0;
    }
    fclose(probe);
    if (strchr(path, '\'')) {
        snprintf(why, cap, "%s: a quote in the path", path);
        return 0;
    }
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "gzip -dc '%s'", path);
    FILE *f = popen(cmd, "r");
    if (!f) {
        snprintf(why, cap, "cannot run gzip");
        return 0;
    }
    unsigned char head[4 + 4 * 4];
    int ok = read_all(f, head, 4);
    /* Magic: 0, 0, type (0x08 = unsigned byte), number of dimensions. */
    int ndim = head[3];
    if (ok && (head[0] || head[1] || head[2] != 0x08 || ndim < 1 || ndim > 4)) {
        snprintf(why, cap, "%s: not an unsigned-byte IDX file", path);
        ok = -1;
    }
    size_t total = 1;
    if (ok == 1 && read_all(f, head + 4, 4 * (size_t)ndim)) {
        for (int i = 0; i < ndim; i++) {
            out->dims[i] = be32(head + 4 + 4 * i);
            if (out->dims[i] == 0 || total > ((size_t)1 << 31) / out->dims[i]) {
                ok = -1;
                break;
            }
            total *= out->dims[i];
        }
        out->ndim = ndim;
        if (ok == 1) {
            out->data = malloc(total);
            ok = out->data && read_all(f, out->data, total);
            out->count = total;
        }
    } else if (ok == 1) {
        ok = 0;
    }
    int rc = pclose(f);
    if (ok != 1 || rc != 0) {
        if (ok == 1 || ok == 0)
            snprintf(why, cap, "%s: truncated or not gzip (gzip exit %d)", path, rc);
        else if (!why[0])
            snprintf(why, cap, "%s: bad IDX dimensions", path);
        bench_idx_free(out);
        return 0;
    }
    return 1;
}

void bench_idx_free(bench_idx *idx) {
    free(idx->data);
    memset(idx, 0, sizeof *idx);
}
