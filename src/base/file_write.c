/* Atomic file writes: the target is resolved (write through devices and
 * FIFOs, follow symlinks, refuse other non-regular files), a temporary file
 * beside it is written and renamed over it. The rules are in file.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/file.h"
#include "base/internal.h"

#ifndef NAME_MAX
#define NAME_MAX 255
#endif
#define MAX_LINKS 40 /* as the kernel's limit on a chain of symlinks */
#define TMP_TAG ".tmp."

void zn_block_stop_signals(sigset_t *old) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, old);
}

/* The file a write goes to. */
typedef struct target {
    char *path;     /* the file itself: a symlink's target, followed */
    size_t dir_len; /* path[0..dir_len) is its folder ("" for the current one), with the '/' */
    int exists;
    struct stat st;
    int through; /* write through it: a device, FIFO or an open file of /proc */
} target;

static char *dup_n(const char *s, size_t n) {
    char *c = zn_alloc(n + 1);
    if (c) {
        memcpy(c, s, n);
        c[n] = '\0';
    }
    return c;
}

static size_t dir_len_of(const char *path) {
    const char *slash = strrchr(path, '/');
    return slash ? (size_t)(slash - path) + 1 : 0;
}

static const char *kind_of(mode_t m) {
    if (S_ISDIR(m)) return "a directory";
    if (S_ISSOCK(m)) return "a socket";
    if (S_ISBLK(m)) return "a block device";
    return "not a regular file";
}

/* A link's text, relative ones taken from the link's folder. */
static char *follow_link(const char *link) {
    size_t cap = 256;
    for (;;) {
        char *buf = zn_alloc(cap);
        if (!buf) return NULL;
        ssize_t n = readlink(link, buf, cap);
        if (n < 0) {
            zn_free(buf);
            return NULL;
        }
        if ((size_t)n < cap) {
            size_t d = buf[0] == '/' ? 0 : dir_len_of(link);
            char *out = zn_alloc(d + (size_t)n + 1);
            if (out) {
                memcpy(out, link, d);
                memcpy(out + d, buf, (size_t)n);
                out[d + (size_t)n] = '\0';
            }
            zn_free(buf);
            return out;
        }
        zn_free(buf);
        if (cap > 65536) return NULL;
        cap *= 2;
    }
}

static zn_status resolve(const char *path, target *t) {
    memset(t, 0, sizeof *t);
    struct stat st;
    if (stat(path, &st) == 0) {
        if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) {
            t->through = 1;
            t->st = st;
            return (t->path = dup_n(path, strlen(path))) ? ZN_OK : ZN_ERR_OUT_OF_MEMORY;
        }
        if (!S_ISREG(st.st_mode)) return zn_error(ZN_ERR_IO, "%s: is %s; not replacing it", path, kind_of(st.st_mode));
    }
    char *cur = dup_n(path, strlen(path));
    if (!cur) return ZN_ERR_OUT_OF_MEMORY;
    for (int hops = 0;; hops++) {
        if (lstat(cur, &st) != 0) {
            if (errno != ENOENT) {
                zn_status s = zn_error(ZN_ERR_IO, "%s: %s", cur, strerror(errno));
                zn_free(cur);
                return s;
            }
            break; /* a new file (also at a dangling symlink's target) */
        }
        if (S_ISREG(st.st_mode)) {
            t->exists = 1;
            t->st = st;
            break;
        }
        if (!S_ISLNK(st.st_mode)) {
            zn_status s = zn_error(ZN_ERR_IO, "%s: is %s; not replacing it", cur, kind_of(st.st_mode));
            zn_free(cur);
            return s;
        }
        /* /dev/stdout, /dev/fd/N: a link to an open file, which is written through, not replaced. */
        if (strncmp(cur, "/proc/", 6) == 0 || strncmp(cur, "/dev/fd/", 8) == 0) t->through = 1;
        char *next = hops < MAX_LINKS ? follow_link(cur) : NULL;
        if (!next) {
            zn_status s = zn_error(ZN_ERR_IO, "%s: cannot follow the symlink: %s", cur,
                                   hops < MAX_LINKS ? strerror(errno) : "too many levels of symbolic links");
            zn_free(cur);
            return s;
        }
        zn_free(cur);
        cur = next;
    }
    if (t->through) {
        zn_free(cur);
        cur = dup_n(path, strlen(path));
        if (!cur) return ZN_ERR_OUT_OF_MEMORY;
    }
    t->path = cur;
    t->dir_len = dir_len_of(cur);
    if (t->exists && !t->through) {
        /* access() would say yes to root for any file: root is refused a file with no write bit, as cp -i or vi do. */
        unsigned mode = (unsigned)(t->st.st_mode & 07777);
        if ((mode & 0222) == 0)
            return zn_error(ZN_ERR_IO, "%s: the file is read-only (mode %04o); not replacing it", cur, mode);
        if (geteuid() != 0 && faccessat(AT_FDCWD, cur, W_OK, AT_EACCESS) != 0)
            return zn_error(ZN_ERR_IO,
                            "%s: this user may not write the file (mode %04o, owner %ld): %s; not replacing it", cur,
                            mode, (long)t->st.st_uid, strerror(errno));
    }
    return ZN_OK;
}

/* ---- temporary files ------------------------------------------------------- */

/* The part of every temporary's name before TMP_TAG: the target's name, or
 * when that would pass NAME_MAX its first bytes, '~' and a hash of the whole. */
static char *tmp_prefix(const target *t) {
    const char *base = t->path + t->dir_len;
    size_t n = strlen(base);
    const size_t room = NAME_MAX - (sizeof TMP_TAG - 1) - 10 - 1 - 6; /* pid, '.', 6 chars */
    if (n <= room) return dup_n(base, n);
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)base[i]) * 16777619u;
    char *p = zn_alloc(room + 1);
    if (!p) return NULL;
    size_t keep = room - 9;
    while (keep > 0 && ((unsigned char)base[keep] & 0xC0) == 0x80) keep--; /* whole UTF-8 characters */
    memcpy(p, base, keep);
    snprintf(p + keep, room + 1 - keep, "~%08x", (unsigned)h);
    return p;
}

/* A temporary of this target left by a process that is gone: its name is
 * prefix.tmp.<pid>.<6 chars>, that pid is not alive, and no process holds
 * the write lock every writer takes on its temporary. The pid covers the
 * moment between creating the file and locking it; the lock covers pids of
 * another namespace or host. A reused pid only delays the cleanup. */
static int stale(int dirfd, const char *name, const char *prefix) {
    size_t p = strlen(prefix), tl = sizeof TMP_TAG - 1;
    if (strncmp(name, prefix, p) != 0 || strncmp(name + p, TMP_TAG, tl) != 0) return 0;
    const char *s = name + p + tl;
    char *end;
    errno = 0;
    long pid = strtol(s, &end, 10);
    if (end == s || *s < '0' || *s > '9' || errno || pid <= 0 || *end != '.' || strlen(end + 1) != 6) return 0;
    if (pid == (long)getpid() || pid > INT_MAX) return 0;
    if (kill((pid_t)pid, 0) == 0 || errno != ESRCH) return 0;
    int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return 0;
    struct stat st;
    struct flock lk = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    int ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && fcntl(fd, F_GETLK, &lk) == 0 && lk.l_type == F_UNLCK;
    close(fd);
    return ok;
}

static void remove_stale(const target *t, const char *prefix) {
    char *dir = t->dir_len ? dup_n(t->path, t->dir_len) : dup_n(".", 1);
    DIR *d = dir ? opendir(dir) : NULL;
    zn_free(dir);
    if (!d) return; /* creating the temporary will say why */
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (stale(dirfd(d), e->d_name, prefix)) unlinkat(dirfd(d), e->d_name, 0);
    closedir(d);
}

/* Creates and locks the temporary; mode 0666 lets the umask decide a new
 * file's mode, an existing file's mode is copied. */
static int create_tmp(const target *t, const char *prefix, char **tmp_out) {
    size_t cap = t->dir_len + strlen(prefix) + sizeof TMP_TAG + 20 + 8;
    char *tmp = zn_alloc(cap);
    if (!tmp) {
        errno = ENOMEM;
        return -1;
    }
    static const char digits[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t x = (uint64_t)ts.tv_nsec * 0x9E3779B97F4A7C15u ^ (uint64_t)(uintptr_t)tmp ^ (uint64_t)getpid() << 32;
    int fd = -1;
    for (int attempt = 0; attempt < 100 && fd < 0; attempt++) {
        x = x * 6364136223846793005u + 1442695040888963407u;
        char suffix[7];
        for (int i = 0; i < 6; i++) suffix[i] = digits[(x >> (20 + 6 * i)) % 36];
        suffix[6] = '\0';
        snprintf(tmp, cap, "%.*s%s" TMP_TAG "%ld.%s", (int)t->dir_len, t->path, prefix, (long)getpid(), suffix);
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, t->exists ? 0600 : 0666);
        if (fd < 0 && errno != EEXIST) break;
    }
    if (fd < 0) {
        int e = errno;
        zn_free(tmp);
        errno = e;
        return -1;
    }
    struct flock lk = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    (void)fcntl(fd, F_SETLK, &lk); /* a filesystem without locks still has the pid check */
    if (t->exists) {
        (void)fchown(fd, t->st.st_uid, t->st.st_gid); /* only root may give a file away: keep ours then */
        (void)fchmod(fd, t->st.st_mode & 07777);
    }
    *tmp_out = tmp;
    return fd;
}

/* ---- writing ---------------------------------------------------------------- */

/* Runs the writer on f and flushes; a stream error is reported with errno's reason. */
static zn_status fill(FILE *f, const char *path, zn_file_writer write, void *ctx, int sync) {
    errno = 0;
    zn_status s = write(f, ctx);
    int err = errno;
    if (s == ZN_OK || ferror(f)) {
        if (!ferror(f) && fflush(f) != 0) err = errno;
        if (ferror(f)) return zn_error(ZN_ERR_IO, "%s: write failed: %s", path, strerror(err ? err : EIO));
    }
    if (s == ZN_OK && sync && fsync(fileno(f)) != 0)
        return zn_error(ZN_ERR_IO, "%s: write failed: %s", path, strerror(errno));
    return s;
}

static zn_status write_through(const target *t, zn_file_writer write, void *ctx) {
    int fd = open(t->path, O_WRONLY | O_NOCTTY | O_CLOEXEC | (S_ISREG(t->st.st_mode) || !t->st.st_mode ? O_APPEND : 0));
    if (fd < 0) return zn_error(ZN_ERR_IO, "%s: cannot open: %s", t->path, strerror(errno));
    FILE *f = fdopen(fd, "w");
    if (!f) {
        zn_status s = zn_error(ZN_ERR_IO, "%s: %s", t->path, strerror(errno));
        close(fd);
        return s;
    }
    zn_status s = fill(f, t->path, write, ctx, 0);
    if (fclose(f) != 0 && s == ZN_OK) s = zn_error(ZN_ERR_IO, "%s: write failed: %s", t->path, strerror(errno));
    return s;
}

static zn_status write_replace(const target *t, zn_file_writer write, void *ctx) {
    char *prefix = tmp_prefix(t), *tmp = NULL;
    if (!prefix) return ZN_ERR_OUT_OF_MEMORY;
    remove_stale(t, prefix);
    sigset_t old;
    zn_block_stop_signals(&old);
    zn_status s = ZN_OK;
    int fd = create_tmp(t, prefix, &tmp);
    FILE *f = NULL;
    if (fd < 0)
        s = zn_error(ZN_ERR_IO, "%s: cannot create a temporary file beside it: %s", t->path, strerror(errno));
    else if (!(f = fdopen(fd, "w"))) {
        s = zn_error(ZN_ERR_IO, "%s: %s", t->path, strerror(errno));
        close(fd);
    }
    if (f) {
        s = fill(f, t->path, write, ctx, 1);
        if (fclose(f) != 0 && s == ZN_OK) s = zn_error(ZN_ERR_IO, "%s: close failed: %s", t->path, strerror(errno));
        if (s == ZN_OK && rename(tmp, t->path) != 0)
            s = zn_error(ZN_ERR_IO, "%s: cannot rename into place: %s", t->path, strerror(errno));
        if (s != ZN_OK) unlink(tmp);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL); /* a pending SIGTERM ends the process now, with no temporary left */
    zn_free(tmp);
    zn_free(prefix);
    return s;
}

zn_status zn_file_check_target(const char *path) {
    if (!path || !*path) return zn_error(ZN_ERR_INVALID_ARG, "zn_file_check_target: NULL argument");
    target t;
    zn_status s = resolve(path, &t);
    if (s == ZN_OK && !t.through) {
        char *dir = t.dir_len ? dup_n(t.path, t.dir_len) : dup_n(".", 1);
        if (!dir)
            s = ZN_ERR_OUT_OF_MEMORY;
        else if (faccessat(AT_FDCWD, dir, W_OK | X_OK, AT_EACCESS) != 0)
            s = zn_error(ZN_ERR_IO, "%s: cannot write in its folder %s: %s", t.path, dir, strerror(errno));
        zn_free(dir);
    }
    zn_free(t.path);
    return s;
}

zn_status zn_file_write_atomic(const char *path, zn_file_writer write, void *ctx) {
    if (!path || !*path || !write) return zn_error(ZN_ERR_INVALID_ARG, "zn_file_write_atomic: NULL argument");
    target t;
    zn_status s = resolve(path, &t);
    if (s == ZN_OK) s = t.through ? write_through(&t, write, ctx) : write_replace(&t, write, ctx);
    zn_free(t.path);
    return s;
}
