/* Whole-file reads with a size limit, and atomic writes. */
#ifndef ZN_BASE_FILE_H
#define ZN_BASE_FILE_H

#include <signal.h>
#include <stdio.h>

#include "zenn/base.h"

/* Reads `path` into a NUL-terminated block from zn_alloc (free with zn_free).
 * Fails with ZN_ERR_IO naming the file and the system's reason (also when the
 * file changes size while it is read), or ZN_ERR_FORMAT when the file is
 * larger than max_bytes (> 0). */
zn_status zn_file_read(const char *path, int64_t max_bytes, char **data, size_t *len);

/* Reads `size` bytes from the start of the open regular file fd (whose size
 * was `size` when it was checked) into a NUL-terminated zn_alloc block. A
 * file that is shorter or longer by the end of the read is ZN_ERR_IO "the
 * file changed while it was read". `path` is for messages. */
zn_status zn_file_read_fd(int fd, const char *path, size_t size, char **data);

/* Writes a file so that a crash, kill or error never leaves a half-written
 * one: `write` fills a temporary file beside the target, which is flushed,
 * fsync'ed and renamed over it. The rules (docs/FORMATS.md, "Writing files"):
 * - a character device or FIFO (also through a symlink: /dev/stdout) is
 *   written through, never replaced; directories, sockets and block devices
 *   are refused;
 * - a symlink's target is replaced (temporary file in the target's folder),
 *   so the link stays;
 * - an existing file keeps its mode (and owner, where allowed); a new one
 *   gets 0666 & ~umask; a file with no write bit is refused (root too),
 *   and a file access(W_OK) denies to a user who is not root;
 * - the temporary is <name>.tmp.<pid>.<6 chars> (the name shortened to fit
 *   NAME_MAX); stale ones of the same target left by a killed process are
 *   removed first;
 * - SIGINT, SIGTERM and SIGHUP are blocked in the calling thread while the
 *   temporary exists, so such a signal ends the process after the rename or
 *   unlink, not before.
 * On any failure the temporary is removed and the target is untouched.
 * `write` returns ZN_OK or an error; a stream error is reported with the
 * system's reason and the path. */
typedef zn_status (*zn_file_writer)(FILE *f, void *ctx);
zn_status zn_file_write_atomic(const char *path, zn_file_writer write, void *ctx);

/* Checks, without writing, that zn_file_write_atomic(path) could write:
 * the same refusals (directory, socket, read-only file, ...) and a folder
 * that exists and may be written. For a command to check every output
 * before a long run. */
zn_status zn_file_check_target(const char *path);

/* Blocks SIGINT, SIGTERM and SIGHUP in the calling thread (old mask to *old
 * when not NULL). Library worker threads call it so that those signals reach
 * a thread that can defer them around a save. */
void zn_block_stop_signals(sigset_t *old);

#endif
