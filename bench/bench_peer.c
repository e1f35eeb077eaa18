/* Peer processes: spawn with pipes, one JSON line out, one JSON line back,
 * each with a deadline (poll), so a broken peer costs one case, not the run. */
#include "bench_peer.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "zenn/zenn.h"

extern char **environ;

static void set_why(bench_peer *p, const char *what) {
    /* Its stderr says why it died: the last line naming an error, else the last line. */
    char last[120] = "", error[120] = "";
    FILE *f = p->err_path[0] ? fopen(p->err_path, "r") : NULL;
    if (f) {
        char line[512];
        while (fgets(line, sizeof line, f))
            if (line[0] != '\n') {
                line[strcspn(line, "\r\n")] = 0;
                snprintf(last, sizeof last, "%.119s", line);
                if (strstr(line, "Error")) snprintf(error, sizeof error, "%.119s", line);
            }
        fclose(f);
        if (error[0]) memcpy(last, error, sizeof last);
    }
    snprintf(p->why, sizeof p->why, "%s%s%s", what, last[0] ? ": " : "", last);
}

/* Our environment with `extra` added, overriding variables of the same name. */
static char **merged_env(char *const *extra) {
    size_t n = 0, k = 0;
    while (environ[n]) n++;
    while (extra && extra[k]) k++;
    char **env = calloc(n + k + 1, sizeof *env);
    if (!env) return NULL;
    size_t m = 0;
    for (size_t i = 0; i < k; i++) env[m++] = extra[i];
    for (size_t i = 0; i < n; i++) {
        int shadowed = 0;
        for (size_t j = 0; j < k && !shadowed; j++) {
            size_t len = strcspn(extra[j], "=");
            shadowed = !strncmp(environ[i], extra[j], len) && environ[i][len] == '=';
        }
        if (!shadowed) env[m++] = environ[i];
    }
    return env;
}

int bench_peer_start(bench_peer *p, const char *name, char *const *argv, char *const *env, int hello) {
    memset(p, 0, sizeof *p);
    p->to_fd = p->from_fd = -1;
    snprintf(p->name, sizeof p->name, "%s", name);
    /* A peer that dies must not take zenn down with SIGPIPE on the next write. */
    signal(SIGPIPE, SIG_IGN);
    int in[2], out[2];
    if (pipe(in) != 0) {
        snprintf(p->why, sizeof p->why, "pipe: %s", strerror(errno));
        return 0;
    }
    if (pipe(out) != 0) {
        close(in[0]);
        close(in[1]);
        snprintf(p->why, sizeof p->why, "pipe: %s", strerror(errno));
        return 0;
    }
    snprintf(p->err_path, sizeof p->err_path, "/tmp/zenn-peer-XXXXXX");
    int errfd = mkstemp(p->err_path);
    if (errfd < 0) p->err_path[0] = 0;
    char **envp = merged_env(env);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    if (errfd >= 0) posix_spawn_file_actions_adddup2(&fa, errfd, 2);
    posix_spawn_file_actions_addclose(&fa, in[1]);
    posix_spawn_file_actions_addclose(&fa, out[0]);
    pid_t pid = 0;
    int rc = envp ? posix_spawnp(&pid, argv[0], &fa, NULL, argv, envp) : ENOMEM;
    posix_spawn_file_actions_destroy(&fa);
    free(envp);
    close(in[0]);
    close(out[1]);
    if (errfd >= 0) close(errfd);
    if (rc != 0) {
        close(in[1]);
        close(out[0]);
        snprintf(p->why, sizeof p->why, "cannot start %s: %s", argv[0], strerror(rc));
        if (p->err_path[0]) unlink(p->err_path);
        p->err_path[0] = 0;
        return 0;
    }
    p->pid = (int)pid;
    p->to_fd = in[1];
    p->from_fd = out[0];
    fcntl(p->to_fd, F_SETFD, FD_CLOEXEC);
    fcntl(p->from_fd, F_SETFD, FD_CLOEXEC);
    if (!hello) return 1;
    char reply[1024];
    /* Importing torch or tfjs takes seconds on a busy machine. */
    if (!bench_peer_call(p, "{\"op\":\"hello\"}", 120.0, reply, sizeof reply)) return 0;
    double threads = 0;
    bench_json_str(reply, "version", p->version, sizeof p->version);
    if (bench_json_num(reply, "threads", &threads)) p->threads = (int)threads;
    return 1;
}

static void reap(bench_peer *p) {
    if (p->pid <= 0) return;
    int status;
    for (int i = 0; i < 100; i++) { /* up to 1 s to exit on its own */
        if (waitpid(p->pid, &status, WNOHANG) == p->pid) {
            p->pid = 0;
            return;
        }
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    kill(p->pid, SIGKILL);
    waitpid(p->pid, &status, 0);
    p->pid = 0;
}

void bench_peer_stop(bench_peer *p) {
    if (p->to_fd >= 0) close(p->to_fd); /* EOF on its stdin: it exits */
    p->to_fd = -1;
    reap(p);
    if (p->from_fd >= 0) close(p->from_fd);
    p->from_fd = -1;
    if (p->err_path[0]) unlink(p->err_path);
    p->err_path[0] = 0;
}

static void fail(bench_peer *p, const char *what) {
    if (p->pid > 0) kill(p->pid, SIGKILL);
    set_why(p, what);
    char keep[sizeof p->why];
    memcpy(keep, p->why, sizeof keep);
    bench_peer_stop(p);
    memcpy(p->why, keep, sizeof keep);
}

int bench_peer_read(bench_peer *p, double timeout, char *reply, size_t cap) {
    if (p->pid <= 0) return 0;
    double deadline = zn_time_sec() + timeout;
    for (;;) {
        char *nl = memchr(p->buf, '\n', p->have);
        if (nl) {
            size_t len = (size_t)(nl - p->buf);
            if (len >= cap) {
                fail(p, "reply too long");
                return 0;
            }
            memcpy(reply, p->buf, len);
            reply[len] = 0;
            p->have -= len + 1;
            memmove(p->buf, nl + 1, p->have);
            return 1;
        }
        if (p->have == sizeof p->buf) {
            fail(p, "reply too long");
            return 0;
        }
        double left = deadline - zn_time_sec();
        if (left <= 0) {
            fail(p, "timed out");
            return 0;
        }
        struct pollfd pf = {p->from_fd, POLLIN, 0};
        int r = poll(&pf, 1, (int)(left * 1000) + 1);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) continue; /* the deadline check above ends it */
        ssize_t got = read(p->from_fd, p->buf + p->have, sizeof p->buf - p->have);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) {
            fail(p, "exited");
            return 0;
        }
        p->have += (size_t)got;
    }
}

int bench_peer_call(bench_peer *p, const char *request, double timeout, char *reply, size_t cap) {
    if (p->pid <= 0) {
        if (!p->why[0]) snprintf(p->why, sizeof p->why, "not running");
        return 0;
    }
    size_t len = strlen(request), done = 0;
    while (done < len + 1) {
        const char *src = done < len ? request + done : "\n";
        size_t n = done < len ? len - done : 1;
        ssize_t w = write(p->to_fd, src, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            fail(p, "exited");
            return 0;
        }
        done += (size_t)w;
    }
    if (!bench_peer_read(p, timeout, reply, cap)) return 0;
    if (!strstr(reply, "\"ok\":true") && !strstr(reply, "\"ok\": true")) {
        char err[120] = "";
        if (bench_json_str(reply, "error", err, sizeof err))
            snprintf(p->why, sizeof p->why, "%s", err);
        else if (reply[0] != '{')
            fail(p, "printed garbage");
        else
            snprintf(p->why, sizeof p->why, "replied without ok");
        return 0;
    }
    return 1;
}

/* The text after "key": in a flat object, or NULL. */
static const char *value_of(const char *json, const char *key) {
    size_t k = strlen(key);
    for (const char *s = strchr(json, '"'); s; s = strchr(s + 1, '"')) {
        if (!strncmp(s + 1, key, k) && s[k + 1] == '"') {
            s += k + 2;
            while (*s == ' ') s++;
            if (*s != ':') continue;
            s++;
            while (*s == ' ') s++;
            return s;
        }
    }
    return NULL;
}

int bench_json_num(const char *json, const char *key, double *out) {
    const char *v = value_of(json, key);
    if (!v) return 0;
    char *end;
    double d = strtod(v, &end);
    if (end == v) return 0;
    *out = d;
    return 1;
}

int bench_json_str(const char *json, const char *key, char *out, size_t cap) {
    const char *v = value_of(json, key);
    if (!v || *v != '"' || cap == 0) return 0;
    size_t n = 0;
    for (v++; *v && *v != '"' && n + 1 < cap; v++) {
        if (*v == '\\' && v[1]) v++;
        out[n++] = *v;
    }
    out[n] = 0;
    return 1;
}
