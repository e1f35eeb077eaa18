/* Peers of `zenn bench` that live in other processes (libfann, PyTorch,
 * brain.js, TensorFlow.js): started once per suite, then driven by one JSON
 * request per line on their stdin, each answered by one JSON line on their
 * stdout (bench/peers/README.md). A peer that crashes, hangs or prints
 * garbage fails the request it was given and is not asked again. */
#ifndef ZN_BENCH_PEER_H
#define ZN_BENCH_PEER_H

#include <stddef.h>

typedef struct bench_peer {
    char name[24];    /* "pytorch", "libfann", ... */
    char version[48]; /* from its hello */
    int threads;      /* from its hello */
    int pid;          /* 0 when not running */
    int to_fd, from_fd;
    char err_path[64]; /* its stderr, for the reason it failed */
    char why[160];     /* why it is unavailable or failed ("" while fine) */
    char buf[65536];   /* reply bytes read but not consumed */
    size_t have;
} bench_peer;

/* Starts argv (argv[0] looked up on PATH) with `env` ("K=V" strings, NULL
 * ended, added to ours) and, when hello is set, checks its hello reply.
 * Returns 1 when running; otherwise 0 with p->why set. */
int bench_peer_start(bench_peer *p, const char *name, char *const *argv, char *const *env, int hello);

/* Sends one request line and reads one reply line within timeout seconds.
 * Returns 1 with the reply (NUL-ended) when it says "ok":true; 0 with p->why
 * set otherwise (a dead or hung peer is stopped). */
int bench_peer_call(bench_peer *p, const char *request, double timeout, char *reply, size_t cap);

/* Reads one line without sending anything (a program that just reports). */
int bench_peer_read(bench_peer *p, double timeout, char *reply, size_t cap);

void bench_peer_stop(bench_peer *p);
static inline int bench_peer_up(const bench_peer *p) { return p->pid > 0; }

/* Flat JSON look-ups in a reply: 1 when found. */
int bench_json_num(const char *json, const char *key, double *out);
int bench_json_str(const char *json, const char *key, char *out, size_t cap);

/* Where the peer runners are: $ZN_BENCH_PEERS_DIR, else the source tree's bench/peers. */
const char *bench_peers_dir(void);
/* The directory holding the running zenn binary (fann_peer is built beside it). */
const char *bench_exe_dir(void);

/* The path of a peer program (fann_peer, zenn_fann_peer) beside zenn or in
 * libexec/zenn: 1 when it is there and executable. */
int bench_peer_program(const char *program, char *path, size_t cap);

/* The standard peers, started with the settings the suites document. */
int bench_peer_start_fann(bench_peer *p);
int bench_peer_start_fann_program(bench_peer *p, const char *program, const char *name, const char *missing);
int bench_peer_start_torch(bench_peer *p);
int bench_peer_start_js(bench_peer *p, const char *lib); /* "brain" or "tfjs" */
int bench_peer_start_numpy(bench_peer *p);

#endif
