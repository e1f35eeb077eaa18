/* Suite `io`: saving and loading a model as a safetensors file (zn_mlp_save
 * and zn_mlp_load: binary tensors, read into memory) against the same weights as JSON
 * text (written with %.9g so they read back exactly, parsed with zenn's
 * strict JSON parser). Files live in the system's temporary directory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/file.h"
#include "bench.h"
#include "io/json.h"

typedef struct io_ctx {
    zn_mlp *mlp;
    char st_path[64], json_path[64];
} io_ctx;

static int save_st(void *p) {
    io_ctx *c = p;
    return zn_mlp_save(c->mlp, c->st_path) != ZN_OK;
}

static int load_st(void *p) {
    io_ctx *c = p;
    zn_mlp *m = NULL;
    zn_status s = zn_mlp_load(c->st_path, &m);
    zn_mlp_free(m);
    return s != ZN_OK;
}

static zn_status write_json_weights(FILE *f, void *p) {
    const io_ctx *c = p;
    int64_t n = 0;
    const float *w = zn_model_params_const(c->mlp->model, &n);
    fputs("{\"weights\":[", f);
    for (int64_t i = 0; i < n; i++) fprintf(f, "%s%.9g", i ? "," : "", w[i]);
    fputs("]}\n", f);
    return ferror(f) ? ZN_ERR_IO : ZN_OK;
}

static int save_json(void *p) {
    io_ctx *c = p;
    return zn_file_write_atomic(c->json_path, write_json_weights, c) != ZN_OK;
}

static int load_json(void *p) {
    io_ctx *c = p;
    char *text = NULL;
    size_t len = 0;
    zn_json_doc *doc = NULL;
    int failed = zn_file_read(c->json_path, 0, &text, &len) != ZN_OK ||
                 zn_json_parse_budget(text, len, c->json_path, (size_t)1 << 32, &doc) != ZN_OK;
    if (!failed) { /* the numbers into a model, as a loader would */
        const zn_json *arr = zn_json_get(zn_json_root(doc), "weights");
        int64_t n = 0;
        float *w = zn_model_params(c->mlp->model, &n);
        failed = !arr || arr->type != ZN_JSON_ARRAY || (int64_t)arr->count != n;
        for (int64_t i = 0; !failed && i < n; i++) w[i] = (float)arr->items[i].number;
    }
    zn_json_free(doc);
    zn_free(text);
    return failed;
}

static void io_case(bench_run *run, const char *label, int64_t in, int64_t hidden, int64_t out) {
    char name[96];
    zn_mlp_spec s = zn_mlp_spec_default();
    s.n_layers = 3;
    s.sizes[0] = in;
    s.sizes[1] = hidden;
    s.sizes[2] = out;
    io_ctx c;
    memset(&c, 0, sizeof c);
    const char *tmpdir = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(c.st_path, sizeof c.st_path, "%.40s/zn-io-%d.safetensors", tmpdir, (int)getpid());
    snprintf(c.json_path, sizeof c.json_path, "%.40s/zn-io-%d.json", tmpdir, (int)getpid());
    if (zn_mlp_wrap(&s, 1, NULL, NULL, 0, NULL, &c.mlp) != ZN_OK) {
        bench_note(run, "io %s: %s", label, zn_last_error());
        return;
    }
    int64_t n = 0;
    zn_model_params(c.mlp->model, &n);
    static const char *const ops[2] = {"save", "load"};
    bench_fn zf[2] = {save_st, load_st}, pf[2] = {save_json, load_json};
    for (int op = 0; op < 2; op++) {
        snprintf(name, sizeof name, "%s %s", ops[op], label);
        if (!bench_selected(&run->opts, name)) continue;
        if (op == 1 && (save_st(&c) || save_json(&c))) break; /* the files to load */
        bench_contender ct[2] = {{"zenn", zf[op], &c, NULL, 1, 0, NULL, NULL},
                                 {"json", pf[op], &c, NULL, 1, 0, NULL, NULL}};
        bench_stats st[2];
        bench_measure(&run->opts, ct, 2, st);
        bench_result r;
        memset(&r, 0, sizeof r);
        snprintf(r.suite, sizeof r.suite, "io");
        snprintf(r.name, sizeof r.name, "%s", name);
        snprintf(r.shape, sizeof r.shape, "%lld weights", (long long)n);
        snprintf(r.unit, sizeof r.unit, "MB/s");
        snprintf(r.peer, sizeof r.peer, "json text");
        r.threads = 1;
        r.work = (double)n * 4.0; /* bytes of weights per call */
        r.scale = 1e-6;
        r.zenn = st[0];
        r.other = st[1];
        bench_add(run, &r);
    }
    remove(c.st_path);
    remove(c.json_path);
    zn_mlp_free(c.mlp);
}

int bench_suite_io(bench_run *run) {
    bench_section(run, "io: model files (safetensors, read into memory) against the same weights as JSON text");
    io_case(run, "784-128-10", 784, 128, 10);
    if (!run->opts.quick) io_case(run, "4096-1024-1000", 4096, 1024, 1000);
    return 0;
}
