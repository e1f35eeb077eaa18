/* Suite `memory`: peak RSS of a fresh process that loads a 784-128-10
 * network and runs one forward pass. zenn's process is this binary in its
 * probe mode; each peer's is a newly started peer (so its import counts, as
 * it does for anyone who uses it). Reps alternate: zenn, peers, zenn, ... */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bench_mlp.h"

/* This process's peak RSS. VmHWM, not ru_maxrss: Linux carries the parent's
 * high-water mark into ru_maxrss across posix_spawn + exec. */
long long bench_peak_rss(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "VmHWM:", 6)) kb = atoll(line + 6);
    if (f) fclose(f);
    if (kb < 0) {
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        kb = ru.ru_maxrss;
    }
    return kb * 1024;
}

int bench_rss_probe(const char *layers) {
    bench_net net = {0, {0}};
    for (const char *s = layers; s && *s && net.n_layers < 4;) {
        char *end;
        long v = strtol(s, &end, 10);
        if (end == s || v < 1 || v > 1 << 20) break;
        net.sizes[net.n_layers++] = (int)v;
        s = *end == ',' ? end + 1 : end;
    }
    zn_model *m = NULL;
    zn_ws *ws = NULL;
    zn_ws_opts o = zn_ws_opts_default();
    o.max_batch = 1;
    float x[4096] = {0}, y[4096];
    const float *in[2] = {x, NULL};
    float *out[1] = {y};
    if (net.n_layers < 2 || net.sizes[0] > 4096 || net.sizes[net.n_layers - 1] > 4096 ||
        bench_mlp_model(&net, ZN_NACT_FANN_SIGMOID, ZN_NACT_FANN_SIGMOID, ZN_LOSS_MSE, &m) != ZN_OK ||
        zn_ws_create(m, &o, &ws) != ZN_OK || zn_model_forward(m, ws, 1, in, out) != ZN_OK) {
        printf("{\"ok\":false,\"error\":\"rss probe: %s\"}\n", zn_last_error());
        zn_ws_free(ws);
        zn_model_free(m);
        return 1;
    }
    printf("{\"ok\":true,\"peak_rss_bytes\":%lld}\n", bench_peak_rss());
    zn_ws_free(ws);
    zn_model_free(m);
    return 0;
}

/* zenn's peak RSS from a fresh probe process; < 0 when it failed. */
static double zenn_rss(const char *layers, char *why, size_t cap) {
    char exe[PATH_MAX + 8], arg[64];
    snprintf(exe, sizeof exe, "%s/zenn", bench_exe_dir());
    snprintf(arg, sizeof arg, "%s", layers);
    char *argv[] = {exe, "bench", "--rss-probe", arg, NULL};
    bench_peer p;
    char reply[512];
    double rss = -1;
    if (bench_peer_start(&p, "zenn", argv, NULL, 0) && bench_peer_read(&p, 60.0, reply, sizeof reply) &&
        !bench_json_num(reply, "peak_rss_bytes", &rss))
        rss = -1;
    if (rss < 0) snprintf(why, cap, "%s", p.why[0] ? p.why : "probe failed");
    bench_peer_stop(&p);
    return rss;
}

/* A fresh peer's peak RSS after it ran the network once. */
static double peer_rss(int which, const char *request, char *why, size_t cap) {
    bench_peer p;
    int up = which == PEER_FANN    ? bench_peer_start_fann(&p)
             : which == PEER_TORCH ? bench_peer_start_torch(&p)
                                   : bench_peer_start_js(&p, which == PEER_BRAIN ? "brain" : "tfjs");
    char reply[1024];
    double rss = -1;
    if (up && bench_peer_call(&p, request, 60.0, reply, sizeof reply) && !bench_json_num(reply, "peak_rss_bytes", &rss))
        rss = -1;
    if (rss < 0) snprintf(why, cap, "%s: %s", p.name, p.why[0] ? p.why : "no peak_rss_bytes");
    if (up) bench_peer_stop(&p);
    return rss;
}

int bench_suite_memory(bench_run *run) {
    const char *name = "peak RSS 784-128-10 load+forward";
    if (!bench_selected(&run->opts, name)) return 0;
    bench_section(run, "memory: peak RSS (MB) of a fresh process that loads 784-128-10 and runs one sample");
    enum { MAX_REPS = 5 };
    int reps = run->opts.repeat < MAX_REPS ? run->opts.repeat : MAX_REPS;
    if (reps < 1 || run->opts.quick) reps = 1; /* each rep starts PyTorch afresh: seconds */
    const char *req =
        "{\"op\":\"memory\",\"layers\":[784,128,10],\"act\":\"sigmoid\",\"out_act\":\"sigmoid\",\"batch\":1}";
    static const int order[] = {PEER_TORCH, PEER_FANN, PEER_BRAIN, PEER_TFJS};
    double z[MAX_REPS], pv[PEER_COUNT][MAX_REPS];
    char zwhy[192] = "", pwhy[PEER_COUNT][192];
    memset(pwhy, 0, sizeof pwhy);
    for (int r = 0; r < reps; r++) {
        z[r] = zenn_rss("784,128,10", zwhy, sizeof zwhy);
        for (int i = 0; i < PEER_COUNT; i++) pv[order[i]][r] = peer_rss(order[i], req, pwhy[order[i]], sizeof pwhy[0]);
    }
    bench_stats zs;
    bench_stats_of(z, reps, &zs);
    if (!zs.ok) bench_note(run, "zenn probe failed: %s", zwhy);
    for (int i = 0; i < PEER_COUNT; i++) {
        int w = order[i];
        bench_result r;
        bench_mlp_result(&r, "memory", name, "784-128-10 batch 1", 1, 1, "MB", 1e-6);
        r.show_value = 1;
        static const char *names[PEER_COUNT] = {"libfann", "pytorch", "brain.js", "tfjs"};
        snprintf(r.peer, sizeof r.peer, "%s", names[w]);
        r.zenn = zs;
        bench_stats_of(pv[w], reps, &r.other);
        if (w == PEER_TORCH) {
            r.target = 1.0 / 0.3;
            snprintf(r.target_note, sizeof r.target_note, "zenn <= 30%% of PyTorch's peak RSS");
        }
        if (!r.other.ok) snprintf(r.why, sizeof r.why, "%s", pwhy[w]);
        bench_add(run, &r);
    }
    return 0;
}
