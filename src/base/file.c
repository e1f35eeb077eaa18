/* Whole-file reads. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/file.h"
#include "base/internal.h"

static zn_status changed(const char *path) {
    return zn_error(ZN_ERR_IO, "%s: the file changed while it was read (truncated or rewritten in place)", path);
}

zn_status zn_file_read_fd(int fd, const char *path, size_t size, char **data) {
    *data = NULL;
    if (size == SIZE_MAX) return zn_error(ZN_ERR_OVERFLOW, "%s: too large to read into memory", path);
    char *buf = zn_alloc(size + 1);
    if (!buf) return zn_error(ZN_ERR_OUT_OF_MEMORY, "%s: cannot allocate %zu bytes", path, size + 1);
    size_t got = 0;
    /* One byte past the size: a file that grew is as changed as one that shrank. */
    while (got <= size) {
        ssize_t r = pread(fd, buf + got, size + 1 - got, (off_t)got);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            zn_status s = zn_error(ZN_ERR_IO, "%s: read failed: %s", path, strerror(errno));
            zn_free(buf);
            return s;
        }
        if (r == 0) break;
        got += (size_t)r;
    }
    struct stat st;
    if (got != size || fstat(fd, &st) != 0 || (uint64_t)st.st_size != (uint64_t)size) {
        zn_free(buf);
        return changed(path);
    }
    buf[size] = '\0';
    *data = buf;
    return ZN_OK;
}

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
    if ((uint64_t)st.st_size >= SIZE_MAX) {
        close(fd);
        return zn_error(ZN_ERR_OVERFLOW, "%s: too large to read into memory", path);
    }
    zn_status s = zn_file_read_fd(fd, path, (size_t)st.st_size, data);
    close(fd);
    if (s == ZN_OK) *len = (size_t)st.st_size;
    return s;
}
