/* Output paths checked before any work starts (see cli_paths.h). */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_paths.h"
#include "cli_util.h"

/* The directory part of path ("." when there is none) into buf. */
static void dir_of(const char *path, char *buf, size_t cap) {
    const char *slash = strrchr(path, '/');
    if (!slash) {
        snprintf(buf, cap, ".");
        return;
    }
    size_t n = slash == path ? 1 : (size_t)(slash - path);
    snprintf(buf, cap, "%.*s", (int)(n < cap ? n : cap - 1), path);
}

int cli_check_output(const char *what, const char *path, const cli_named_path *inputs, int n_inputs) {
    if (!*path) return cli_error("%s: an empty file name", what);
    struct stat st;
    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode)) return cli_error("%s %s is a directory; name a file", what, path);
        for (int i = 0; i < n_inputs; i++) {
            struct stat in;
            if (inputs[i].path && stat(inputs[i].path, &in) == 0 && in.st_dev == st.st_dev && in.st_ino == st.st_ino &&
                S_ISREG(st.st_mode))
                return cli_error("%s %s is the same file as %s %s; it would be overwritten", what, path, inputs[i].what,
                                 inputs[i].path);
        }
        if (S_ISREG(st.st_mode) && access(path, W_OK) != 0)
            return cli_error("%s %s: cannot write it: %s", what, path, strerror(errno));
        return 0;
    }
    if (errno != ENOENT) return cli_error("%s %s: %s", what, path, strerror(errno));
    char dir[PATH_MAX];
    dir_of(path, dir, sizeof dir);
    if (stat(dir, &st) != 0) return cli_error("%s %s: its directory %s: %s", what, path, dir, strerror(errno));
    if (!S_ISDIR(st.st_mode)) return cli_error("%s %s: %s is not a directory", what, path, dir);
    if (access(dir, W_OK | X_OK) != 0)
        return cli_error("%s %s: cannot create files in %s: %s", what, path, dir, strerror(errno));
    return 0;
}
