/* Whole-file reads with a size limit, and atomic writes. */
#ifndef ZN_BASE_FILE_H
#define ZN_BASE_FILE_H

#include <stdio.h>

#include "zenn/base.h"

/* Reads `path` into a NUL-terminated block from zn_alloc (free with zn_free).
 * Fails with ZN_ERR_IO naming the file and the system's reason, or
 * ZN_ERR_FORMAT when the file is larger than max_bytes (> 0). */
zn_status zn_file_read(const char *path, int64_t max_bytes, char **data, size_t *len);

/* Writes a file so that a crash or error never leaves a half-written one:
 * `write` fills a temporary file next to `path`, which is then flushed,
 * fsync'ed and renamed over `path`. On any failure the temporary file is
 * removed and `path` is untouched. `write` returns ZN_OK or an error. */
typedef zn_status (*zn_file_writer)(FILE *f, void *ctx);
zn_status zn_file_write_atomic(const char *path, zn_file_writer write, void *ctx);

#endif
