/* Whole-file reads and atomic writes. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/file.h"
#include "base/internal.h"

zn_status zn_file_read(const char *path, int64_t max_bytes, char **data, size_t *len) {
    if (!path || !data || !len) return zn_error(ZN_ERR_INVALID_ARG, "zn_file_read: NULL argument");
    *data = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY);
    if (fd < 0) return zn_error(ZN_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return zn_error(ZN_ERR_IO, "%s: not a regular file", path);
    }
    if (max_bytes > 0 && st.st_size > max_bytes) {
        close(fd);
        return zn_error(ZN_ERR_FORMAT, "%s: %lld bytes is more than the limit of %lld", path, (long long)st.st_size,
                        (long long)max_bytes);
    }
    size_t size = (size_t)st.st_size;
    char *buf = zn_alloc(size + 1);
    if (!buf) {
        close(fd);
        return zn_error(ZN_ERR_OUT_OF_MEMORY, "%s: cannot allocate %zu bytes", path, size + 1);
    }
    size_t got = 0;
    while (got < size) {
        ssize_t r = read(fd, buf + got, size - got);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            zn_status s = zn_error(ZN_ERR_IO, "%s: read failed: %s", path, strerror(errno));
            close(fd);
            zn_free(buf);
            return s;
        }
        if (r == 0) break; /* the file shrank while we read it */
        got += (size_t)r;
    }
    close(fd);
    buf[got] = '\0';
    *data = buf;
    *len = got;
    return ZN_OK;
}

zn_status zn_file_write_atomic(const char *path, zn_file_writer write, void *ctx) {
    if (!path || !*path || !write) return zn_error(ZN_ERR_INVALID_ARG, "zn_file_write_atomic: NULL argument");
    size_t n = strlen(path);
    char *tmp = zn_alloc(n + 16);
    if (!tmp) return ZN_ERR_OUT_OF_MEMORY;
    memcpy(tmp, path, n);
    memcpy(tmp + n, ".tmp.XXXXXX", 12);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        zn_status s = zn_error(ZN_ERR_IO, "%s: cannot create a temporary file: %s", path, strerror(errno));
        zn_free(tmp);
        return s;
    }
    /* mkstemp makes the file 0600; a model or data file is normally world-readable.
     * (Reading the umask would mean changing it, which races with other threads.) */
    fchmod(fd, 0644);
    FILE *f = fdopen(fd, "w");
    if (!f) {
        zn_status s = zn_error(ZN_ERR_IO, "%s: %s", path, strerror(errno));
        close(fd);
        unlink(tmp);
        zn_free(tmp);
        return s;
    }
    zn_status s = write(f, ctx);
    if (s == ZN_OK && (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0))
        s = zn_error(ZN_ERR_IO, "%s: write failed: %s", path, strerror(errno));
    if (fclose(f) != 0 && s == ZN_OK) s = zn_error(ZN_ERR_IO, "%s: close failed: %s", path, strerror(errno));
    if (s == ZN_OK) {
        if (rename(tmp, path) != 0) s = zn_error(ZN_ERR_IO, "%s: cannot rename into place: %s", path, strerror(errno));
    }
    if (s != ZN_OK) unlink(tmp);
    zn_free(tmp);
    return s;
}
