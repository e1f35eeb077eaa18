/* The atomic writer and the whole-file reader: devices and FIFOs written
 * through, symlinks kept, other non-regular files refused, modes kept or
 * taken from the umask, read-only files refused, long names, stale
 * temporaries removed (live ones kept), no temporary left by SIGTERM or
 * SIGINT during a save (also with pool threads running), the reason of a
 * write error, and a file that shrinks while it is read. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/file.h"
#include "zn_test.h"

static char tmpdir[64];

static void path_in_tmp(char *out, size_t cap, const char *name) { snprintf(out, cap, "%s/%s", tmpdir, name); }

static int message_has(const char *fragment) { return strstr(zn_last_error(), fragment) != NULL; }

/* Writes ctx (a string) as the file's contents. */
static zn_status put_text(FILE *f, void *ctx) {
    fputs(ctx, f);
    return ZN_OK;
}

static int file_is(const char *path, const char *text) {
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    char buf[256];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strcmp(buf, text) == 0;
}

static void put_file(const char *path, const char *text, mode_t mode) {
    FILE *f = fopen(path, "wb");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
    chmod(path, mode);
}

/* Names in dir containing ".tmp.", and the length of the longest. */
static int count_tmp(const char *dir, size_t *longest) {
    DIR *d = opendir(dir);
    int n = 0;
    if (longest) *longest = 0;
    for (struct dirent *e; d && (e = readdir(d)) != NULL;) {
        if (!strstr(e->d_name, ".tmp.")) continue;
        n++;
        if (longest && strlen(e->d_name) > *longest) *longest = strlen(e->d_name);
    }
    if (d) closedir(d);
    return n;
}

static mode_t mode_of(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 ? st.st_mode : 0;
}

/* Devices are reached through links in tmpdir: a writer that replaced
 * what it was given then replaces the links, never /dev/null itself. */
static void test_devices_and_fifos(void) {
    char null_link[128], full_link[128];
    path_in_tmp(null_link, sizeof null_link, "null");
    path_in_tmp(full_link, sizeof full_link, "full");
    ZT_CHECK(symlink("/dev/null", null_link) == 0 && symlink("/dev/full", full_link) == 0);
    struct stat st;
    ZT_OK(zn_file_write_atomic(null_link, put_text, "model"));
    ZT_CHECK(lstat(null_link, &st) == 0 && S_ISLNK(st.st_mode) && S_ISCHR(mode_of(null_link)));
    ZT_ERR(zn_file_write_atomic(full_link, put_text, "model"), ZN_ERR_IO);
    ZT_CHECK(message_has(full_link) && message_has(strerror(ENOSPC)));
    ZT_CHECK(lstat(full_link, &st) == 0 && S_ISLNK(st.st_mode) && S_ISCHR(mode_of(full_link)));
    ZT_CHECK(count_tmp(tmpdir, NULL) == 0 && count_tmp("/dev", NULL) == 0);
    unlink(null_link);
    unlink(full_link);

    char fifo[128];
    path_in_tmp(fifo, sizeof fifo, "fifo");
    ZT_CHECK(mkfifo(fifo, 0600) == 0);
    int rd = open(fifo, O_RDONLY | O_NONBLOCK); /* a reader, so opening to write does not wait */
    ZT_OK(zn_file_write_atomic(fifo, put_text, "through a fifo"));
    char buf[64] = {0};
    ZT_CHECK(read(rd, buf, sizeof buf - 1) == 14 && strcmp(buf, "through a fifo") == 0);
    close(rd);
    ZT_CHECK(S_ISFIFO(mode_of(fifo)));
    unlink(fifo);
}

static void test_refused_kinds(void) {
    ZT_ERR(zn_file_write_atomic(tmpdir, put_text, "x"), ZN_ERR_IO);
    ZT_CHECK(message_has(tmpdir) && message_has("directory"));
    char sock[128];
    path_in_tmp(sock, sizeof sock, "sock");
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    if (strlen(sock) < sizeof a.sun_path) memcpy(a.sun_path, sock, strlen(sock) + 1);
    ZT_CHECK(fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0);
    ZT_ERR(zn_file_write_atomic(sock, put_text, "x"), ZN_ERR_IO);
    ZT_CHECK(message_has(sock) && message_has("socket"));
    ZT_CHECK(S_ISSOCK(mode_of(sock)));
    close(fd);
    unlink(sock);
    ZT_CHECK(count_tmp(tmpdir, NULL) == 0);
}

static void test_symlinks(void) {
    char sub[128], target[160], link[128], rel[128], dangling[128], made[160];
    path_in_tmp(sub, sizeof sub, "sub");
    ZT_CHECK(mkdir(sub, 0700) == 0);
    snprintf(target, sizeof target, "%s/model", sub);
    put_file(target, "old", 0600);
    path_in_tmp(link, sizeof link, "abs-link");
    path_in_tmp(rel, sizeof rel, "rel-link");
    ZT_CHECK(symlink(target, link) == 0 && symlink("sub/model", rel) == 0);
    ZT_OK(zn_file_write_atomic(link, put_text, "new"));
    struct stat st;
    ZT_CHECK(lstat(link, &st) == 0 && S_ISLNK(st.st_mode));
    ZT_CHECK(file_is(target, "new") && (mode_of(target) & 0777) == 0600);
    ZT_OK(zn_file_write_atomic(rel, put_text, "newer"));
    ZT_CHECK(lstat(rel, &st) == 0 && S_ISLNK(st.st_mode) && file_is(target, "newer"));
    /* A dangling link creates its target, as fopen would. */
    path_in_tmp(dangling, sizeof dangling, "dangling");
    snprintf(made, sizeof made, "%s/made", sub);
    ZT_CHECK(symlink("sub/made", dangling) == 0);
    ZT_OK(zn_file_write_atomic(dangling, put_text, "made"));
    ZT_CHECK(lstat(dangling, &st) == 0 && S_ISLNK(st.st_mode) && file_is(made, "made"));
    ZT_CHECK(count_tmp(tmpdir, NULL) == 0 && count_tmp(sub, NULL) == 0);
    unlink(link);
    unlink(rel);
    unlink(dangling);
    unlink(made);
    unlink(target);
    rmdir(sub);
}

static void test_modes(void) {
    char path[128];
    path_in_tmp(path, sizeof path, "private");
    put_file(path, "old", 0600);
    ZT_OK(zn_file_write_atomic(path, put_text, "new"));
    ZT_CHECK((mode_of(path) & 07777) == 0600 && file_is(path, "new"));
    unlink(path);

    mode_t old = umask(027);
    ZT_OK(zn_file_write_atomic(path, put_text, "new"));
    ZT_CHECK((mode_of(path) & 07777) == 0640);
    unlink(path);
    umask(0);
    ZT_OK(zn_file_write_atomic(path, put_text, "new"));
    ZT_CHECK((mode_of(path) & 07777) == 0666);
    unlink(path);
    umask(old);

    /* Read-only: refused by its mode, also for root. */
    put_file(path, "keep", 0444);
    ZT_ERR(zn_file_write_atomic(path, put_text, "new"), ZN_ERR_IO);
    ZT_CHECK(message_has(path) && message_has("read-only"));
    ZT_CHECK(file_is(path, "keep") && (mode_of(path) & 07777) == 0444);
    ZT_CHECK(count_tmp(tmpdir, NULL) == 0);
    unlink(path);

    /* Another user's 0644 file in a folder anyone may write: refused by access(W_OK). */
    if (geteuid() != 0) return;
    put_file(path, "root's", 0644);
    chmod(tmpdir, 0777);
    pid_t child = fork();
    if (child == 0) {
        if (setgid(65534) != 0 || setuid(65534) != 0) _exit(3);
        zn_status s = zn_file_write_atomic(path, put_text, "nobody's");
        _exit(s == ZN_ERR_IO && message_has(path) && message_has("may not write") ? 0 : 1);
    }
    int status = -1;
    waitpid(child, &status, 0);
    ZT_CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0, "as another user: status %#x", status);
    ZT_CHECK(file_is(path, "root's") && count_tmp(tmpdir, NULL) == 0);
    chmod(tmpdir, 0700);
    unlink(path);
}

/* The writer looks at its own temporary while it exists. */
typedef struct peek {
    const char *dir;
    int seen;
    size_t longest;
} peek;

static zn_status peek_tmp(FILE *f, void *ctx) {
    peek *p = ctx;
    p->seen = count_tmp(p->dir, &p->longest);
    fputs("long", f);
    return ZN_OK;
}

static void test_long_name(void) {
    char name[254], path[400];
    memset(name, 'n', 253);
    name[253] = '\0';
    memcpy(name + 241, ".safetensors", 12);
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    peek p = {tmpdir, 0, 0};
    ZT_OK(zn_file_write_atomic(path, peek_tmp, &p));
    ZT_CHECK(p.seen == 1 && p.longest <= 255);
    ZT_CHECK(file_is(path, "long"));
    ZT_CHECK(count_tmp(tmpdir, NULL) == 0);
    ZT_OK(zn_file_write_atomic(path, put_text, "again"));
    ZT_CHECK(file_is(path, "again"));
    unlink(path);
}

/* Past the kernel's PID_MAX_LIMIT (4194304): never a live process. */
#define DEAD_PID "4194305"

static void test_stale_temporaries(void) {
    char target[128], stale[160], live[160], other[160], odd[160], locked[160];
    path_in_tmp(target, sizeof target, "m.safetensors");
    snprintf(stale, sizeof stale, "%s.tmp." DEAD_PID ".abc123", target);
    snprintf(live, sizeof live, "%s.tmp.%ld.abc123", target, (long)getppid());
    snprintf(odd, sizeof odd, "%s.tmp." DEAD_PID ".abc1234", target);
    snprintf(locked, sizeof locked, "%s.tmp." DEAD_PID ".lockd0", target);
    path_in_tmp(other, sizeof other, "other.safetensors.tmp." DEAD_PID ".abc123");
    const char *keep[] = {live, odd, other, locked};
    put_file(stale, "killed", 0644);
    for (int i = 0; i < 4; i++) put_file(keep[i], "keep", 0644);
    /* A writer of another process still holds its lock. */
    int ready[2], done[2];
    ZT_CHECK(pipe(ready) == 0 && pipe(done) == 0);
    pid_t child = fork();
    if (child == 0) {
        int fd = open(locked, O_WRONLY);
        struct flock lk = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
        char c = fd >= 0 && fcntl(fd, F_SETLK, &lk) == 0 ? 'y' : 'n';
        if (write(ready[1], &c, 1) != 1 || read(done[0], &c, 1) < 0) _exit(1);
        _exit(0);
    }
    char c = 0;
    ZT_CHECK(read(ready[0], &c, 1) == 1 && c == 'y');
    ZT_OK(zn_file_write_atomic(target, put_text, "saved"));
    ZT_CHECK(write(done[1], "x", 1) == 1);
    waitpid(child, NULL, 0);
    close(ready[0]);
    close(ready[1]);
    close(done[0]);
    close(done[1]);
    ZT_CHECK_MSG(access(stale, F_OK) != 0, "the stale temporary is still there");
    for (int i = 0; i < 4; i++) {
        ZT_CHECK_MSG(file_is(keep[i], "keep"), "%s was removed", keep[i]);
        unlink(keep[i]);
    }
    ZT_CHECK(file_is(target, "saved"));
    unlink(target);
}

/* A signal that arrives while the temporary exists: the process still ends
 * by it, after the rename, with nothing left behind. */
typedef struct sig_case {
    int sig;
    int fill; /* bytes written after the signal */
} sig_case;

static zn_status signal_midway(FILE *f, void *ctx) {
    const sig_case *c = ctx;
    fputs("first half ", f);
    kill(getpid(), c->sig);
    for (int i = 0; i < c->fill; i++) fputc('x', f);
    return ZN_OK;
}

static void nothing(void *arg, int ith, int nth) {
    (void)arg;
    (void)ith;
    (void)nth;
}

static void test_signal_during_save(void) {
    char target[128];
    path_in_tmp(target, sizeof target, "signalled");
    const int sigs[2] = {SIGTERM, SIGINT};
    for (int k = 0; k < 4; k++) {
        int with_pool = k >= 2;
        pid_t child = fork();
        if (child == 0) {
            zn_pool *pool = NULL;
            /* Pool workers must not take the signal while the saver defers it. */
            if (with_pool && (zn_pool_create(3, &pool) != ZN_OK || zn_pool_run(pool, nothing, NULL, 3) != ZN_OK))
                _exit(3);
            sig_case c = {sigs[k % 2], 1 << 20};
            zn_status s = zn_file_write_atomic(target, signal_midway, &c);
            _exit(s == ZN_OK ? 0 : 2);
        }
        int status = 0;
        waitpid(child, &status, 0);
        ZT_CHECK_MSG(WIFSIGNALED(status) && WTERMSIG(status) == sigs[k % 2], "case %d: status %#x", k, status);
        ZT_CHECK_MSG(count_tmp(tmpdir, NULL) == 0, "case %d: a temporary file was left", k);
        struct stat st;
        ZT_CHECK_MSG(stat(target, &st) == 0 && st.st_size == 11 + (1 << 20), "case %d: the file is not whole", k);
        unlink(target);
    }
}

/* The checks a command makes before a long run give the writer's answers. */
static void test_check_target(void) {
    char path[128], missing[160], link[128];
    path_in_tmp(path, sizeof path, "checked");
    ZT_OK(zn_file_check_target(path)); /* new */
    ZT_CHECK(access(path, F_OK) != 0); /* nothing written */
    put_file(path, "x", 0444);
    ZT_ERR(zn_file_check_target(path), ZN_ERR_IO);
    ZT_CHECK(message_has("read-only"));
    chmod(path, 0644);
    ZT_OK(zn_file_check_target(path));
    ZT_ERR(zn_file_check_target(tmpdir), ZN_ERR_IO);
    ZT_CHECK(message_has("directory"));
    snprintf(missing, sizeof missing, "%s/no-such-dir/m.safetensors", tmpdir);
    ZT_ERR(zn_file_check_target(missing), ZN_ERR_IO);
    ZT_CHECK(message_has("no-such-dir"));
    path_in_tmp(link, sizeof link, "to-null");
    ZT_CHECK(symlink("/dev/null", link) == 0);
    ZT_OK(zn_file_check_target(link));
    unlink(link);
    unlink(path);
}

static void test_read_changed(void) {
    char path[128];
    path_in_tmp(path, sizeof path, "shrinks");
    char text[10000];
    memset(text, 'a', sizeof text - 1);
    text[sizeof text - 1] = '\0';
    put_file(path, text, 0644);
    int fd = open(path, O_RDONLY);
    ZT_CHECK(truncate(path, 4096) == 0); /* after the size was taken, before the read */
    char *data = NULL;
    ZT_ERR(zn_file_read_fd(fd, path, sizeof text - 1, &data), ZN_ERR_IO);
    ZT_CHECK(data == NULL && message_has(path) && message_has("changed while it was read"));
    ZT_ERR(zn_file_read_fd(fd, path, 100, &data), ZN_ERR_IO); /* longer than it was */
    ZT_OK(zn_file_read_fd(fd, path, 4096, &data));
    ZT_CHECK(data && data[0] == 'a' && data[4096] == '\0');
    zn_free(data);
    close(fd);
    size_t len = 0;
    ZT_OK(zn_file_read(path, 0, &data, &len));
    ZT_CHECK(len == 4096);
    zn_free(data);
    unlink(path);
}

int main(void) {
    snprintf(tmpdir, sizeof tmpdir, "/tmp/zn_test_file_XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 2;
    }
    ZT_RUN(test_devices_and_fifos);
    ZT_RUN(test_refused_kinds);
    ZT_RUN(test_symlinks);
    ZT_RUN(test_modes);
    ZT_RUN(test_long_name);
    ZT_RUN(test_stale_temporaries);
    ZT_RUN(test_signal_during_save);
    ZT_RUN(test_check_target);
    ZT_RUN(test_read_changed);
    rmdir(tmpdir);
    return zt_finish();
}
