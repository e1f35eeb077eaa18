/* zn_model files: a graph of N-D ops saved and loaded gives the same
 * outputs bit for bit; weights load by name with missing, extra and
 * misshaped keys refused (the model left as it was); a tampered graph, an
 * unknown op, a forward reference or an MLP file fail with a message; a NaN
 * is never written. */
#define _POSIX_C_SOURCE 200809L
#include <unistd.h>

#include "zn_test.h"

/* x [6 (seq), 3] -> dense 4 -> tanh -> [6, 2, 2] -> mean over time -> softmax. */
static zn_model *make_model(uint64_t seed, int64_t units, int with_extra) {
    zn_graph *g = NULL;
    zn_graph_create(&g);
    zn_node *x = zn_input_seq(g, "x", 6, 3);
    zn_node *h = zn_activation(g, zn_dense(g, x, units, "fc"), ZN_NACT_TANH, 1.0f);
    zn_node *r = zn_reshape(g, h, 3, (const int64_t[]){6, 2, units / 2});
    zn_node *y = zn_softmax_axis(g, zn_reduce_mean(g, r, 0), -1);
    if (with_extra) y = zn_mul(g, y, zn_param_nd(g, "gain", 1, (const int64_t[]){units / 2}, ZN_INIT_CONSTANT, 2));
    zn_node *t = zn_input_nd(g, "t", ZN_F32, 2, (const int64_t[]){2, units / 2}, -1);
    zn_node *loss = zn_mse(g, y, t);
    zn_model *m = NULL;
    ZT_OK(zn_model_compile(g, &y, 1, loss, seed, &m));
    zn_graph_free(g);
    return m;
}

static void run(const zn_model *m, float *y) {
    zn_ws *ws = NULL;
    ZT_OK(zn_ws_create(m, NULL, &ws));
    float x[6 * 3];
    for (int i = 0; i < 18; i++) x[i] = 0.2f * (float)(i % 5) - 0.4f;
    const void *in[2] = {x, NULL};
    zn_feed f = {1, 4, in};
    ZT_OK(zn_model_run(m, ws, &f, &y));
    zn_ws_free(ws);
}

static void temp_path(char *path, size_t size, const char *tag) {
    snprintf(path, size, "/tmp/zn_model_%s_XXXXXX", tag);
    int fd = mkstemp(path);
    if (fd >= 0) close(fd);
}

static void test_round_trip(void) {
    zn_model *m = make_model(7, 4, 0), *back = NULL;
    char path[64];
    temp_path(path, sizeof path, "rt");
    ZT_OK(zn_model_save(m, path));
    ZT_OK(zn_model_load(path, &back));
    float a[4], b[4];
    run(m, a);
    if (back) run(back, b);
    ZT_CHECK(back && memcmp(a, b, sizeof a) == 0);
    ZT_CHECK(back && zn_model_node_count(back) == zn_model_node_count(m) && zn_model_has_loss(back));
    int64_t dims[ZN_MAX_DIMS];
    ZT_CHECK(back && zn_model_input_shape(back, 0, dims) == 2 && dims[0] == 6 && dims[1] == 3);
    zn_model_free(back);
    zn_model_free(m);
    unlink(path);
}

static void test_load_weights(void) {
    zn_model *src = make_model(7, 4, 0), *dst = make_model(99, 4, 0), *small = make_model(1, 2, 0);
    zn_model *extra = make_model(1, 4, 1);
    char path[64], small_path[64], extra_path[64];
    temp_path(path, sizeof path, "w");
    temp_path(small_path, sizeof small_path, "ws");
    temp_path(extra_path, sizeof extra_path, "we");
    ZT_OK(zn_model_save(src, path));
    ZT_OK(zn_model_save(small, small_path));
    ZT_OK(zn_model_save(extra, extra_path));
    float a[4], b[4], before[4];
    run(dst, before);
    ZT_ERR(zn_model_load_weights(dst, small_path, NULL), ZN_ERR_SHAPE);
    ZT_CHECK(strstr(zn_last_error(), "'fc.weight'") != NULL);
    ZT_ERR(zn_model_load_weights(extra, path, NULL), ZN_ERR_FORMAT);
    ZT_CHECK(strstr(zn_last_error(), "'gain' is missing") != NULL);
    ZT_ERR(zn_model_load_weights(dst, extra_path, NULL), ZN_ERR_FORMAT);
    ZT_CHECK(strstr(zn_last_error(), "'gain'") && strstr(zn_last_error(), "extra"));
    run(dst, b);
    ZT_CHECK(memcmp(before, b, sizeof b) == 0); /* left as it was */
    ZT_OK(zn_model_load_weights(dst, path, NULL));
    run(src, a);
    run(dst, b);
    ZT_CHECK(memcmp(a, b, sizeof a) == 0);
    /* a state dict of one layer, keys without the layer's name, into the 'fc.' tensors */
    zn_st_writer *w = NULL;
    char layer_path[64];
    temp_path(layer_path, sizeof layer_path, "wl");
    int64_t off_w = 0, off_b = 0, rows, cols;
    const char *name;
    zn_model_param_info(src, 0, &name, &rows, &cols, &off_w);
    zn_model_param_info(src, 1, &name, &rows, &cols, &off_b);
    const float *p = zn_model_params_const(src, NULL);
    ZT_OK(zn_st_writer_create(&w));
    ZT_OK(zn_st_writer_add(w, "weight", ZN_F32, 2, (const int64_t[]){3, 4}, p + off_w));
    ZT_OK(zn_st_writer_add(w, "bias", ZN_F32, 2, (const int64_t[]){4, 1}, p + off_b));
    ZT_OK(zn_st_writer_save(w, layer_path));
    zn_st_writer_free(w);
    zn_model *fresh = make_model(5, 4, 1);
    ZT_OK(zn_model_load_weights(fresh, layer_path, "fc."));
    int64_t fo = 0;
    zn_model_param_info(fresh, 0, &name, &rows, &cols, &fo);
    ZT_CHECK(memcmp(zn_model_params_const(fresh, NULL) + fo, p + off_w, 12 * sizeof(float)) == 0);
    ZT_ERR(zn_model_load_weights(fresh, layer_path, "gain"), ZN_ERR_FORMAT); /* 'gain' is not in the file */
    zn_model_free(fresh);
    unlink(layer_path);
    zn_model_free(src);
    zn_model_free(dst);
    zn_model_free(small);
    zn_model_free(extra);
    unlink(path);
    unlink(small_path);
    unlink(extra_path);
}

/* JSON text as it appears inside the header's metadata string: quotes escaped. */
static void escaped(const char *s, char *out) {
    for (; *s; s++) {
        if (*s == '"') *out++ = '\\';
        *out++ = *s;
    }
    *out = '\0';
}

/* The file's bytes with the first `from_json` in the metadata replaced by
 * `to_json` (same length, so the header size stays right). */
static zn_status load_tampered(const char *path, const char *from_json, const char *to_json) {
    char from[128], to[128];
    escaped(from_json, from);
    escaped(to_json, to);
    FILE *f = fopen(path, "rb");
    if (!f) return ZN_ERR_IO;
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    char *at = NULL;
    for (size_t i = 8; i + strlen(from) <= n && !at; i++)
        if (!memcmp(buf + i, from, strlen(from))) at = buf + i;
    if (!at || strlen(from) != strlen(to)) return ZN_ERR_INTERNAL;
    memcpy(at, to, strlen(to));
    zn_model *m = NULL;
    zn_status s = zn_model_load_memory(buf, n, "tampered", &m);
    zn_model_free(m);
    return s;
}

static void test_bad_files(void) {
    zn_model *m = make_model(7, 4, 0);
    char path[64];
    temp_path(path, sizeof path, "bad");
    ZT_OK(zn_model_save(m, path));
    /* the dense layer's output described with another width */
    ZT_ERR(load_tampered(path, "\"dims\":[6,4]", "\"dims\":[6,5]"), ZN_ERR_FORMAT);
    ZT_CHECK(strstr(zn_last_error(), "node") != NULL);
    ZT_ERR(load_tampered(path, "\"op\":\"act\"", "\"op\":\"axt\""), ZN_ERR_FORMAT);
    ZT_CHECK_MSG(strstr(zn_last_error(), "unknown op 'axt'") != NULL, "%s", zn_last_error());
    ZT_ERR(load_tampered(path, "\"in\":[0,1,2]", "\"in\":[0,9,2]"), ZN_ERR_FORMAT);
    ZT_ERR(load_tampered(path, "\"format\":\"zenn-graph\"", "\"format\":\"zenn-graxh\""), ZN_ERR_FORMAT);
    /* a parameter claiming a shape its tensor does not have: refused before any allocation */
    ZT_ERR(load_tampered(path, "\"dims\":[3,4]", "\"dims\":[3,9]"), ZN_ERR_FORMAT);
    /* NaN weights are never written, and the file on disk stays as it was */
    int64_t n = 0;
    zn_model_params(m, &n)[0] = NAN;
    ZT_ERR(zn_model_save(m, path), ZN_ERR_INVALID_ARG);
    zn_model *back = NULL;
    ZT_OK(zn_model_load(path, &back));
    zn_model_free(back);
    zn_model_free(m);
    unlink(path);
}

/* Every layer of the sequence stack through a file: ids -> embedding ->
 * layer norm -> conv1d -> batch norm (running statistics are constants) ->
 * RMS norm -> max pool; trained one step first so the statistics moved. */
static void test_layers_round_trip(void) {
    zn_graph *g = NULL;
    zn_graph_create(&g);
    zn_node *ids = zn_input_ids(g, "ids", 8);
    zn_node *h = zn_embedding(g, ids, 11, 6, "emb");
    h = zn_layer_norm(g, h, "ln", NULL);
    h = zn_conv1d(g, h, 5, 3, ZN_PAD_CAUSAL, "conv");
    h = zn_batch_norm(g, h, "bn", NULL);
    h = zn_rms_norm(g, h, "rms", NULL);
    zn_node *y = zn_max_pool1d(g, h, 2, 2, 0, 0, 0);
    zn_node *t = zn_input_nd(g, "t", ZN_F32, 2, (const int64_t[]){4, 5}, 0);
    zn_model *m = NULL, *back = NULL;
    ZT_OK(zn_model_compile(g, &y, 1, zn_mse(g, y, t), 3, &m));
    zn_graph_free(g);
    int32_t idv[2 * 8];
    float tv[2 * 20] = {0}, loss = 0;
    for (int i = 0; i < 16; i++) idv[i] = (i * 7) % 11;
    const void *in[2] = {idv, tv};
    zn_ws_opts o = zn_ws_opts_default();
    o.mode = ZN_WS_TRAIN;
    o.max_batch = 2;
    zn_ws *tw = NULL;
    ZT_OK(zn_ws_create(m, &o, &tw));
    zn_feed f = {2, 0, in};
    ZT_OK(zn_model_run_backward(m, tw, &f, &loss)); /* a training pass moves the running statistics */
    zn_ws_free(tw);
    char path[64];
    temp_path(path, sizeof path, "layers");
    ZT_OK(zn_model_save(m, path));
    ZT_OK(zn_model_load(path, &back));
    float a[40], b[40];
    for (int k = 0; k < 2 && back; k++) {
        const zn_model *mm = k ? back : m;
        zn_ws *ws = NULL;
        o.mode = ZN_WS_INFER;
        ZT_OK(zn_ws_create(mm, &o, &ws));
        zn_feed fi = {2, 6, in}; /* a shorter sequence too */
        ZT_OK(zn_model_run(mm, ws, &fi, (float *const[]){k ? b : a}));
        zn_ws_free(ws);
    }
    ZT_CHECK(back && memcmp(a, b, 2 * 3 * 5 * sizeof(float)) == 0);
    int64_t nc = 0;
    const float *c1 = zn_model_consts(m, &nc), *c2 = back ? zn_model_consts(back, NULL) : NULL;
    ZT_CHECK(nc > 0 && c2 && memcmp(c1, c2, (size_t)nc * sizeof(float)) == 0);
    zn_model_free(back);
    zn_model_free(m);
    unlink(path);
}

int main(void) {
    ZT_RUN(test_round_trip);
    ZT_RUN(test_load_weights);
    ZT_RUN(test_bad_files);
    ZT_RUN(test_layers_round_trip);
    return zt_finish();
}
