/* What the MLP suites share: the networks, zenn's models for them, and a
 * contender that asks a peer process to time the same work. */
#ifndef ZN_BENCH_MLP_H
#define ZN_BENCH_MLP_H

#include "bench.h"
#include "bench_peer.h"

typedef struct bench_net {
    int n_layers;
    int sizes[4];
} bench_net;

/* 784-128-10, 2048-512-100, 4096-1024-1000 (the first only with --quick). */
int bench_mlp_nets(const bench_opts *o, const bench_net **nets);
void bench_net_label(const bench_net *net, char *out, size_t cap); /* "784-128-10" */
void bench_net_json(const bench_net *net, char *out, size_t cap);  /* "[784,128,10]" */
double bench_net_flops(const bench_net *net);                      /* forward multiply-adds x 2 per sample */

/* The peers as a suite uses them: started once, stopped at its end. */
enum { PEER_FANN, PEER_TORCH, PEER_BRAIN, PEER_TFJS, PEER_COUNT };
typedef struct bench_peers {
    bench_peer p[PEER_COUNT];
    int up[PEER_COUNT];
} bench_peers;

/* Starts the peers whose `want` entry is set and notes each (version or why skipped). */
void bench_peers_start(bench_run *run, bench_peers *ps, const int want[PEER_COUNT]);
void bench_peers_stop(bench_peers *ps);

/* A contender timed by a peer: `request` is a JSON object without its
 * closing brace; min_seconds is appended per rep. The reply's
 * seconds_per_iter (forward) or seconds_per_sample times per_call (train)
 * is the time per call. */
typedef struct peer_job {
    bench_peer *peer;
    char request[384];
    int train;
    double per_call; /* samples per call, for train replies */
    char why[160];   /* a failure's reason, kept for the report */
} peer_job;

double peer_job_timed(void *ctx, double min_seconds);
/* A contender for job (skipped with the peer's reason when it is down). */
bench_contender peer_contender(peer_job *job, int threads);

/* Fills the common fields of a result row. */
void bench_mlp_result(bench_result *r, const char *suite, const char *name, const char *shape, int threads, double work,
                      const char *unit, double scale);
/* A row of zenn against one peer job: the peer's name, both stats, and the
 * reason when the peer was not measured. */
void bench_peer_row(bench_result *r, const bench_stats *zenn, const bench_stats *peer, const peer_job *job,
                    const bench_contender *c);

/* zenn's model for a network: hidden and output activations, loss. */
zn_status bench_mlp_model(const bench_net *net, zn_nact hidden, zn_nact out, zn_loss_kind loss, zn_model **m);

#endif
