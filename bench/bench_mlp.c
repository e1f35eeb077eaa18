/* Shared pieces of the MLP suites: networks, models, peer contenders. */
#include "bench_mlp.h"

#include <stdio.h>
#include <string.h>

static const bench_net nets[] = {
    {3, {784, 128, 10, 0}},
    {3, {2048, 512, 100, 0}},
    {3, {4096, 1024, 1000, 0}},
};

int bench_mlp_nets(const bench_opts *o, const bench_net **out) {
    *out = nets;
    return o->quick ? 1 : (int)(sizeof nets / sizeof nets[0]);
}

void bench_net_label(const bench_net *net, char *out, size_t cap) {
    size_t n = 0;
    out[0] = 0;
    for (int i = 0; i < net->n_layers && n < cap; i++)
        n += (size_t)snprintf(out + n, cap - n, "%s%d", i ? "-" : "", net->sizes[i]);
}

void bench_net_json(const bench_net *net, char *out, size_t cap) {
    size_t n = (size_t)snprintf(out, cap, "[");
    for (int i = 0; i < net->n_layers && n < cap; i++)
        n += (size_t)snprintf(out + n, cap - n, "%s%d", i ? "," : "", net->sizes[i]);
    if (n < cap) snprintf(out + n, cap - n, "]");
}

double bench_net_flops(const bench_net *net) {
    double f = 0;
    for (int i = 1; i < net->n_layers; i++) f += 2.0 * net->sizes[i - 1] * net->sizes[i];
    return f;
}

void bench_peers_start(bench_run *run, bench_peers *ps, const int want[PEER_COUNT]) {
    memset(ps, 0, sizeof *ps);
    for (int i = 0; i < PEER_COUNT; i++) {
        if (!want[i]) continue;
        bench_peer *p = &ps->p[i];
        double t0 = zn_time_sec();
        if (i == PEER_FANN)
            ps->up[i] = bench_peer_start_fann(p);
        else if (i == PEER_TORCH)
            ps->up[i] = bench_peer_start_torch(p);
        else
            ps->up[i] = bench_peer_start_js(p, i == PEER_BRAIN ? "brain" : "tfjs");
        if (ps->up[i])
            bench_note(run, "peer %s %s, %d thread%s (started in %.1f s)", p->name, p->version, p->threads,
                       p->threads == 1 ? "" : "s", zn_time_sec() - t0);
        else
            bench_note(run, "peer %s skipped: %s", p->name, p->why);
    }
}

void bench_peers_stop(bench_peers *ps) {
    for (int i = 0; i < PEER_COUNT; i++)
        if (ps->up[i]) bench_peer_stop(&ps->p[i]);
}

double peer_job_timed(void *ctx, double min_seconds) {
    peer_job *j = ctx;
    char req[512], reply[1024];
    snprintf(req, sizeof req, "%s,\"min_seconds\":%.4g}", j->request, min_seconds);
    /* Generous: one iteration of a big network in plain JS takes seconds. */
    if (!bench_peer_call(j->peer, req, 120.0 + 20.0 * min_seconds, reply, sizeof reply)) {
        snprintf(j->why, sizeof j->why, "%s", j->peer->why);
        return -1;
    }
    double v = 0;
    if (j->train) {
        if (!bench_json_num(reply, "seconds_per_sample", &v) || !(v > 0)) goto garbage;
        return v * j->per_call;
    }
    if (!bench_json_num(reply, "seconds_per_iter", &v) || !(v > 0)) goto garbage;
    return v;
garbage:
    snprintf(j->why, sizeof j->why, "reply without a time");
    return -1;
}

bench_contender peer_contender(peer_job *job, int threads) {
    bench_contender c;
    memset(&c, 0, sizeof c);
    c.name = job->peer->name;
    c.ctx = job;
    c.timed = peer_job_timed;
    c.threads = threads;
    c.skip = !bench_peer_up(job->peer);
    c.skip_reason = job->peer->why;
    if (c.skip) snprintf(job->why, sizeof job->why, "%s", job->peer->why);
    return c;
}

void bench_mlp_result(bench_result *r, const char *suite, const char *name, const char *shape, int threads, double work,
                      const char *unit, double scale) {
    memset(r, 0, sizeof *r);
    snprintf(r->suite, sizeof r->suite, "%s", suite);
    snprintf(r->name, sizeof r->name, "%s", name);
    snprintf(r->shape, sizeof r->shape, "%s", shape);
    snprintf(r->unit, sizeof r->unit, "%s", unit);
    r->threads = threads;
    r->work = work;
    r->scale = scale;
}

void bench_peer_row(bench_result *r, const bench_stats *zenn, const bench_stats *peer, const peer_job *job,
                    const bench_contender *c) {
    snprintf(r->peer, sizeof r->peer, "%s", job->peer->name);
    r->zenn = *zenn;
    r->other = *peer;
    if (peer->ok) return;
    const char *why = job->why[0] ? job->why : (c->skip_reason ? c->skip_reason : "");
    snprintf(r->why, sizeof r->why, "%s: %s", job->peer->name, why[0] ? why : "failed");
}

zn_status bench_mlp_model(const bench_net *net, zn_nact hidden, zn_nact out, zn_loss_kind loss, zn_model **m) {
    zn_mlp_spec s = zn_mlp_spec_default();
    s.n_layers = net->n_layers;
    for (int i = 0; i < net->n_layers; i++) s.sizes[i] = net->sizes[i];
    s.hidden_act = hidden;
    s.output_act = out;
    /* FANN's sigmoid at steepness 0.5 is the logistic function the peers use. */
    s.hidden_steepness = hidden == ZN_NACT_FANN_SIGMOID ? 0.5f : 1.0f;
    s.output_steepness = out == ZN_NACT_FANN_SIGMOID ? 0.5f : 1.0f;
    s.loss = loss;
    s.init = ZN_INIT_XAVIER;
    s.init_scale = 1.0f;
    s.fann_derivatives = 0; /* exact gradients, as PyTorch computes them */
    return zn_mlp_create(&s, 42, m);
}
