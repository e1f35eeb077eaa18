/* zn_model files: safetensors with every parameter and constant as an F32
 * tensor under its name, and the graph as JSON in the metadata key "zenn"
 * (format "zenn-graph"): each node's op, inputs, shape and attributes. A
 * load rebuilds the graph node by node through each op's own builder
 * (zn_graph_add_node), so a file can describe only what the builders
 * accept; then it compiles and copies the tensors in by name.
 *
 * zn_model_load_weights copies tensors by name into an existing model (a
 * converted PyTorch state dict): a missing or extra key, or a shape that
 * differs, is an error naming the key. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/internal.h"
#include "io/io_checks.h"
#include "io/json.h"
#include "zenn/graph.h"
#include "zenn/safetensors.h"

#define GRAPH_FORMAT "zenn-graph"
#define GRAPH_VERSION 1
#define MAX_NODES (1 << 20)
#define JSON_BUDGET ((size_t)256 << 20)

/* ---- the stored tensors ----------------------------------------------------------- */

typedef struct stored {
    const char *name;
    int nd;
    int64_t dims[ZN_MAX_DIMS];
    float *data;
    int64_t count;
} stored;

/* Parameter or constant i (i counts parameters first). */
static int stored_at(zn_model *m, int i, stored *out) {
    const int np = zn_model_param_tensors(m);
    int64_t rows, cols, offset;
    if (i < np) {
        zn_model_param_info(m, i, &out->name, &rows, &cols, &offset);
        out->nd = zn_model_param_shape(m, i, out->dims);
        out->data = zn_model_params(m, NULL) + offset;
    } else if (i - np < zn_model_const_tensors(m)) {
        zn_model_const_info(m, i - np, &out->name, &rows, &cols, &offset);
        out->nd = zn_model_const_shape(m, i - np, out->dims);
        out->data = zn_model_consts(m, NULL) + offset;
    } else {
        return 0;
    }
    out->count = rows * cols;
    return 1;
}

/* ---- saving --------------------------------------------------------------------------- */

static void write_int_array(zn_json_writer *w, const int64_t *v, int n) {
    zn_jw_begin_array(w);
    for (int i = 0; i < n; i++) zn_jw_int(w, v[i]);
    zn_jw_end_array(w);
}

static void write_attrs(zn_json_writer *w, const zn_op_attrs *a) {
    zn_jw_begin_object(w);
    const struct {
        const char *key;
        int64_t v;
    } ints[] = {{"kernel", a->kernel}, {"stride", a->stride}, {"dilation", a->dilation}, {"groups", a->groups},
                {"heads", a->heads},   {"axis", a->axis},     {"flags", a->flags},       {"act", a->act}};
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        zn_jw_key(w, ints[i].key);
        zn_jw_int(w, ints[i].v);
    }
    zn_jw_key(w, "pad");
    write_int_array(w, a->pad, 2);
    zn_jw_key(w, "size");
    write_int_array(w, a->size, 4);
    zn_jw_key(w, "f");
    zn_jw_begin_array(w);
    for (int i = 0; i < 4; i++) zn_jw_double(w, a->f[i]);
    zn_jw_end_array(w);
    zn_jw_end_object(w);
}

static zn_status describe(const zn_model *m, char **json) {
    zn_json_writer w;
    zn_jw_init(&w);
    zn_jw_begin_object(&w);
    zn_jw_key(&w, "format");
    zn_jw_string(&w, GRAPH_FORMAT);
    zn_jw_key(&w, "version");
    zn_jw_int(&w, GRAPH_VERSION);
    zn_jw_key(&w, "nodes");
    zn_jw_begin_array(&w);
    for (int i = 0; i < zn_model_node_count(m); i++) {
        zn_node_info n;
        zn_model_node_info(m, i, &n);
        zn_jw_begin_object(&w);
        zn_jw_key(&w, "op");
        zn_jw_string(&w, n.op);
        if (n.name) {
            zn_jw_key(&w, "name");
            zn_jw_string(&w, n.name);
        }
        zn_jw_key(&w, "in");
        zn_jw_begin_array(&w);
        for (int k = 0; k < n.n_in; k++) zn_jw_int(&w, n.in[k]);
        zn_jw_end_array(&w);
        zn_jw_key(&w, "batched");
        zn_jw_bool(&w, n.batched);
        zn_jw_key(&w, "dims");
        write_int_array(&w, n.dims, n.nd);
        zn_jw_key(&w, "seq_axis");
        zn_jw_int(&w, n.seq_axis);
        zn_jw_key(&w, "dtype");
        zn_jw_string(&w, zn_dtype_name(n.dtype));
        zn_jw_key(&w, "attrs");
        write_attrs(&w, &n.attrs);
        if (n.wants_grad) {
            zn_jw_key(&w, "wants_grad");
            zn_jw_bool(&w, 1);
        }
        if (n.n_in == 0 && !n.batched) {
            zn_jw_key(&w, "init");
            zn_jw_int(&w, n.init);
            zn_jw_key(&w, "init_scale");
            zn_jw_double(&w, n.init_scale);
        }
        zn_jw_end_object(&w);
    }
    zn_jw_end_array(&w);
    zn_jw_key(&w, "outputs");
    zn_jw_begin_array(&w);
    for (int k = 0; k < zn_model_output_count(m); k++) zn_jw_int(&w, zn_model_output_node(m, k));
    zn_jw_end_array(&w);
    zn_jw_key(&w, "loss");
    zn_jw_int(&w, zn_model_loss_node(m));
    zn_jw_end_object(&w);
    size_t len;
    return zn_jw_finish(&w, json, &len);
}

zn_status zn_model_save(const zn_model *model, const char *path) {
    if (!model || !path) return zn_error(ZN_ERR_INVALID_ARG, "zn_model_save: NULL argument");
    zn_model *m = (zn_model *)(uintptr_t)model; /* read only: the accessors are shared with loading */
    stored t;
    zn_status s = ZN_OK;
    for (int i = 0; s == ZN_OK && stored_at(m, i, &t); i++) s = zn_io_check_finite(path, t.name, t.data, t.count, 1);
    if (s != ZN_OK) return s;
    char *json = NULL;
    s = describe(model, &json);
    if (s != ZN_OK) return zn_io_with_path(s, path);
    zn_st_writer *w = NULL;
    s = zn_st_writer_create(&w);
    if (s == ZN_OK) s = zn_st_writer_set_metadata(w, "zenn", json);
    for (int i = 0; s == ZN_OK && stored_at(m, i, &t); i++)
        s = zn_st_writer_add(w, t.name, ZN_F32, t.nd, t.dims, t.data);
    if (s == ZN_OK) s = zn_st_writer_save(w, path);
    zn_st_writer_free(w);
    zn_free(json);
    return s;
}

/* ---- loading ------------------------------------------------------------------------ */

typedef struct reader {
    const char *path;
    int node; /* the node being read, for messages */
} reader;

static zn_status bad(const reader *r, const char *fmt, const char *what) {
    if (r->node >= 0)
        return zn_error(ZN_ERR_FORMAT, "%s: metadata 'zenn': node %d: %s %s", r->path, r->node, fmt, what);
    return zn_error(ZN_ERR_FORMAT, "%s: metadata 'zenn': %s %s", r->path, fmt, what);
}

static zn_status get(const reader *r, const zn_json *obj, const char *key, zn_json_type type, const zn_json **out) {
    *out = zn_json_get(obj, key);
    if (!*out || (*out)->type != type) return bad(r, key, "is missing or of the wrong type");
    return ZN_OK;
}

static zn_status get_int(const reader *r, const zn_json *obj, const char *key, int64_t lo, int64_t hi, int64_t *out) {
    const zn_json *v;
    zn_status s = get(r, obj, key, ZN_JSON_NUMBER, &v);
    if (s != ZN_OK) return s;
    if (!zn_json_int(v, out) || *out < lo || *out > hi) return bad(r, key, "is not an integer in range");
    return ZN_OK;
}

static zn_status get_ints(const reader *r, const zn_json *obj, const char *key, int64_t *out, int max, int *n) {
    const zn_json *v;
    zn_status s = get(r, obj, key, ZN_JSON_ARRAY, &v);
    if (s != ZN_OK) return s;
    if (v->count > (size_t)max) return bad(r, key, "has too many entries");
    for (size_t i = 0; i < v->count; i++)
        if (v->items[i].type != ZN_JSON_NUMBER || !zn_json_int(&v->items[i], &out[i]))
            return bad(r, key, "holds a value that is not an integer");
    if (n) *n = (int)v->count;
    return ZN_OK;
}

static zn_status read_attrs(const reader *r, const zn_json *obj, zn_op_attrs *a) {
    const zn_json *v;
    zn_status s = get(r, obj, "attrs", ZN_JSON_OBJECT, &v);
    const int64_t big = (int64_t)1 << 40;
    int64_t flags = 0, act = 0;
    if (s == ZN_OK) s = get_int(r, v, "kernel", -big, big, &a->kernel);
    if (s == ZN_OK) s = get_int(r, v, "stride", -big, big, &a->stride);
    if (s == ZN_OK) s = get_int(r, v, "dilation", -big, big, &a->dilation);
    if (s == ZN_OK) s = get_int(r, v, "groups", -big, big, &a->groups);
    if (s == ZN_OK) s = get_int(r, v, "heads", -big, big, &a->heads);
    if (s == ZN_OK) s = get_int(r, v, "axis", -big, big, &a->axis);
    if (s == ZN_OK) s = get_int(r, v, "flags", INT32_MIN, INT32_MAX, &flags);
    if (s == ZN_OK) s = get_int(r, v, "act", 0, ZN_NACT_COUNT - 1, &act);
    int n = 0;
    if (s == ZN_OK) s = get_ints(r, v, "pad", a->pad, 2, &n);
    if (s == ZN_OK && n != 2) s = bad(r, "pad", "needs 2 entries");
    if (s == ZN_OK) s = get_ints(r, v, "size", a->size, 4, &n);
    if (s == ZN_OK && n != 4) s = bad(r, "size", "needs 4 entries");
    const zn_json *f = NULL;
    if (s == ZN_OK) s = get(r, v, "f", ZN_JSON_ARRAY, &f);
    if (s == ZN_OK && f->count != 4) s = bad(r, "f", "needs 4 entries");
    for (int i = 0; s == ZN_OK && i < 4; i++) {
        if (f->items[i].type != ZN_JSON_NUMBER || !isfinite((float)f->items[i].number))
            return bad(r, "f", "holds a value that is not a finite float");
        a->f[i] = (float)f->items[i].number;
    }
    a->flags = (int)flags;
    a->act = (int)act;
    return s;
}

static zn_status read_dtype(const reader *r, const zn_json *obj, zn_dtype *out) {
    const zn_json *v;
    zn_status s = get(r, obj, "dtype", ZN_JSON_STRING, &v);
    if (s != ZN_OK) return s;
    for (int d = 0; d < ZN_DTYPE_COUNT; d++)
        if (!strcmp(v->str, zn_dtype_name((zn_dtype)d))) {
            *out = (zn_dtype)d;
            return ZN_OK;
        }
    return bad(r, "dtype", "is unknown");
}

/* One node of the description into info (names point into the document). */
static zn_status read_node(const reader *r, const zn_json *obj, int index, zn_node_info *info, int *in) {
    if (obj->type != ZN_JSON_OBJECT) return bad(r, "the entry", "is not an object");
    memset(info, 0, sizeof *info);
    const zn_json *v;
    zn_status s = get(r, obj, "op", ZN_JSON_STRING, &v);
    if (s != ZN_OK) return s;
    info->op = v->str;
    const zn_json *name = zn_json_get(obj, "name");
    if (name && (name->type != ZN_JSON_STRING || strlen(name->str) != name->len))
        return bad(r, "name", "is not a plain string");
    info->name = name ? name->str : NULL;
    int64_t ins[16];
    int n_in = 0;
    s = get_ints(r, obj, "in", ins, 16, &n_in);
    for (int k = 0; s == ZN_OK && k < n_in; k++) {
        if (ins[k] < 0 || ins[k] >= index) return bad(r, "in", "names a node that does not come before it");
        in[k] = (int)ins[k];
    }
    info->n_in = n_in;
    const zn_json *batched = NULL;
    if (s == ZN_OK) s = get(r, obj, "batched", ZN_JSON_BOOL, &batched);
    if (s == ZN_OK) info->batched = batched->boolean;
    if (s == ZN_OK) s = get_ints(r, obj, "dims", info->dims, ZN_MAX_DIMS, &info->nd);
    int64_t seq = -1, init = 0;
    if (s == ZN_OK) s = get_int(r, obj, "seq_axis", -1, ZN_MAX_DIMS - 1, &seq);
    info->seq_axis = (int)seq;
    if (s == ZN_OK) s = read_dtype(r, obj, &info->dtype);
    if (s == ZN_OK) s = read_attrs(r, obj, &info->attrs);
    const zn_json *wg = zn_json_get(obj, "wants_grad");
    if (s == ZN_OK && wg && wg->type != ZN_JSON_BOOL) s = bad(r, "wants_grad", "is not a boolean");
    if (s == ZN_OK && wg) info->wants_grad = wg->boolean;
    if (s == ZN_OK && zn_json_get(obj, "init")) {
        s = get_int(r, obj, "init", 0, ZN_INIT_SPARSE_MASK, &init);
        const zn_json *sc = NULL;
        if (s == ZN_OK) s = get(r, obj, "init_scale", ZN_JSON_NUMBER, &sc);
        if (s == ZN_OK && !isfinite((float)sc->number)) s = bad(r, "init_scale", "is not a finite float");
        if (s == ZN_OK) info->init_scale = (float)sc->number;
    }
    info->init = (zn_init)init;
    return s;
}

/* A stored tensor must be in the file with the shape described, before
 * anything is allocated for it: a small file cannot make a load allocate
 * (and initialise) gigabytes. */
static zn_status check_stored(const reader *r, const zn_st_file *f, const zn_node_info *info) {
    zn_st_info t;
    if (!info->name || zn_st_find(f, info->name, &t) != ZN_OK)
        return bad(r, info->name ? info->name : "a stored tensor", "has no tensor in the file");
    int same = t.ndim == info->nd;
    for (int k = 0; same && k < info->nd; k++) same = t.shape[k] == info->dims[k];
    return same ? ZN_OK : bad(r, info->name, "has a tensor of another shape in the file");
}

/* Rebuilds the described graph; outputs and loss as node pointers. */
static zn_status rebuild(const reader *rd, const zn_json *root, const zn_st_file *f, zn_graph *g, zn_node ***nodes_out,
                         int *n_nodes) {
    const zn_json *nodes;
    zn_status s = get(rd, root, "nodes", ZN_JSON_ARRAY, &nodes);
    if (s != ZN_OK) return s;
    if (nodes->count == 0 || nodes->count > MAX_NODES) return bad(rd, "nodes", "must hold 1 to 2^20 nodes");
    zn_node **made = zn_calloc(nodes->count, sizeof *made);
    if (!made) return zn_error(ZN_ERR_OUT_OF_MEMORY, "%s: out of memory", rd->path);
    reader r = *rd;
    for (size_t i = 0; s == ZN_OK && i < nodes->count; i++) {
        r.node = (int)i;
        zn_node_info info;
        int in_idx[16];
        zn_node *in[16];
        s = read_node(&r, &nodes->items[i], (int)i, &info, in_idx);
        if (s != ZN_OK) break;
        info.in = in_idx;
        if (!strcmp(info.op, "param") || !strcmp(info.op, "const")) s = check_stored(&r, f, &info);
        if (s != ZN_OK) break;
        for (int k = 0; k < info.n_in; k++) in[k] = made[in_idx[k]];
        made[i] = zn_graph_add_node(g, &info, in);
        if (!made[i]) s = zn_io_with_path(ZN_ERR_FORMAT, rd->path); /* the message names the node */
    }
    if (s != ZN_OK) {
        zn_free(made);
        return s;
    }
    *nodes_out = made;
    *n_nodes = (int)nodes->count;
    return ZN_OK;
}

/* The tensors of the file into the model's stored tensors (consts after
 * parameters): every stored tensor present with its shape, finite, and no
 * tensor left over. */
static zn_status copy_tensors(const char *path, const zn_st_file *f, zn_model *m, const char *prefix) {
    stored t;
    int64_t used = 0;
    const size_t plen = prefix ? strlen(prefix) : 0;
    for (int i = 0; stored_at(m, i, &t); i++) {
        if (plen && strncmp(t.name, prefix, plen) != 0) continue; /* not under the prefix: left alone */
        const char *key = t.name + plen;
        zn_st_info info;
        if (zn_st_find(f, key, &info) != ZN_OK)
            return zn_error(ZN_ERR_FORMAT, "%s: tensor '%s' is missing (the model has '%s')", path, key, t.name);
        int same = info.ndim == t.nd;
        for (int k = 0; same && k < t.nd; k++) same = info.shape[k] == t.dims[k];
        if (!same) {
            char want[64] = "", got[64] = "";
            for (int k = 0; k < t.nd; k++)
                snprintf(want + strlen(want), sizeof want - strlen(want), "%s%lld", k ? ", " : "",
                         (long long)t.dims[k]);
            for (int k = 0; k < info.ndim && k < 8; k++)
                snprintf(got + strlen(got), sizeof got - strlen(got), "%s%lld", k ? ", " : "",
                         (long long)info.shape[k]);
            return zn_error(ZN_ERR_SHAPE, "%s: tensor '%s' is [%s]; the model's '%s' is [%s]", path, key, got, t.name,
                            want);
        }
        zn_status s = zn_st_read_f32(f, key, t.data, t.count);
        if (s != ZN_OK) return zn_io_with_path(s == ZN_ERR_UNSUPPORTED ? s : ZN_ERR_FORMAT, path);
        s = zn_io_check_finite(path, t.name, t.data, t.count, 0);
        if (s != ZN_OK) return s;
        used++;
    }
    if (used < zn_st_count(f))
        for (int64_t k = 0; k < zn_st_count(f); k++) {
            zn_st_info info;
            zn_st_tensor(f, k, &info);
            int known = 0;
            for (int i = 0; !known && stored_at(m, i, &t); i++)
                known = (!plen || !strncmp(t.name, prefix, plen)) && !strcmp(t.name + plen, info.name);
            if (!known)
                return zn_error(ZN_ERR_FORMAT, "%s: tensor '%s' is not one of the model's (an extra key)", path,
                                info.name);
        }
    return ZN_OK;
}

/* The model described by an open file (path: its name in messages). */
static zn_status load_from(zn_st_file *f, const char *path, zn_model **out) {
    zn_status s = ZN_OK;
    const char *meta = zn_st_metadata(f, "zenn");
    zn_json_doc *doc = NULL;
    zn_graph *g = NULL;
    zn_node **nodes = NULL, **outputs = NULL;
    zn_model *m = NULL;
    int n_nodes = 0;
    const reader r = {path, -1};
    if (!meta) s = zn_error(ZN_ERR_FORMAT, "%s: a safetensors file, but not a zenn model (no 'zenn' metadata)", path);
    if (s == ZN_OK) s = zn_json_parse_budget(meta, strlen(meta), path, JSON_BUDGET, &doc);
    const zn_json *root = doc ? zn_json_root(doc) : NULL, *v = NULL;
    if (s == ZN_OK && root->type != ZN_JSON_OBJECT) s = bad(&r, "the value", "is not a JSON object");
    if (s == ZN_OK) s = get(&r, root, "format", ZN_JSON_STRING, &v);
    if (s == ZN_OK && strcmp(v->str, GRAPH_FORMAT) != 0)
        s = zn_error(ZN_ERR_FORMAT, "%s: a zenn file of format '%s', not a graph model (%s)", path, v->str,
                     !strcmp(v->str, "zenn-mlp") ? "load it with zn_mlp_load" : "unknown format");
    int64_t version = 0;
    if (s == ZN_OK) s = get_int(&r, root, "version", 1, GRAPH_VERSION, &version);
    if (s == ZN_OK) s = zn_graph_create(&g);
    if (s == ZN_OK) s = rebuild(&r, root, f, g, &nodes, &n_nodes);
    int64_t outs[64], loss = -1;
    int n_out = 0;
    if (s == ZN_OK) s = get_ints(&r, root, "outputs", outs, 64, &n_out);
    if (s == ZN_OK) s = get_int(&r, root, "loss", -1, n_nodes - 1, &loss);
    for (int k = 0; s == ZN_OK && k < n_out; k++)
        if (outs[k] < 0 || outs[k] >= n_nodes) s = bad(&r, "outputs", "names a node that does not exist");
    if (s == ZN_OK && !(outputs = zn_calloc((size_t)n_out + 1, sizeof *outputs)))
        s = zn_error(ZN_ERR_OUT_OF_MEMORY, "%s: out of memory", path);
    for (int k = 0; s == ZN_OK && k < n_out; k++) outputs[k] = nodes[outs[k]];
    if (s == ZN_OK) {
        s = zn_model_compile(g, outputs, n_out, loss >= 0 ? nodes[loss] : NULL, 0, &m);
        if (s != ZN_OK && s != ZN_ERR_OUT_OF_MEMORY) s = zn_io_with_path(ZN_ERR_FORMAT, path);
    }
    if (s == ZN_OK) s = copy_tensors(path, f, m, NULL);
    if (s == ZN_OK)
        *out = m;
    else
        zn_model_free(m);
    zn_free(outputs);
    zn_free(nodes);
    zn_graph_free(g);
    zn_json_free(doc);
    return s;
}

zn_status zn_model_load(const char *path, zn_model **out) {
    if (!path || !out) return zn_error(ZN_ERR_INVALID_ARG, "zn_model_load: NULL argument");
    *out = NULL;
    zn_st_file *f = NULL;
    zn_status s = zn_st_open(path, &f);
    if (s == ZN_OK) s = load_from(f, path, out);
    zn_st_close(f);
    return s;
}

zn_status zn_model_load_memory(const void *bytes, size_t len, const char *name, zn_model **out) {
    if (!bytes || !out) return zn_error(ZN_ERR_INVALID_ARG, "zn_model_load_memory: NULL argument");
    *out = NULL;
    if (!name) name = "<memory>";
    zn_st_file *f = NULL;
    zn_status s = zn_st_parse(bytes, len, name, &f);
    if (s == ZN_OK) s = load_from(f, name, out);
    zn_st_close(f);
    return s;
}

zn_status zn_model_load_weights(zn_model *m, const char *path, const char *prefix) {
    if (!m || !path) return zn_error(ZN_ERR_INVALID_ARG, "zn_model_load_weights: NULL argument");
    zn_st_file *f = NULL;
    zn_status s = zn_st_open(path, &f);
    if (s != ZN_OK) return s;
    /* into a copy first: a file that fails halfway leaves the model as it was */
    int64_t np = 0, nc = 0;
    float *params = zn_model_params(m, &np), *consts = zn_model_consts(m, &nc);
    float *keep_p = zn_alloc((size_t)(np ? np : 1) * sizeof(float)),
          *keep_c = zn_alloc((size_t)(nc ? nc : 1) * sizeof(float));
    if (!keep_p || !keep_c) s = zn_error(ZN_ERR_OUT_OF_MEMORY, "%s: out of memory", path);
    if (s == ZN_OK) {
        memcpy(keep_p, params, (size_t)np * sizeof(float));
        memcpy(keep_c, consts, (size_t)nc * sizeof(float));
        s = copy_tensors(path, f, m, prefix);
        if (s != ZN_OK) {
            memcpy(params, keep_p, (size_t)np * sizeof(float));
            memcpy(consts, keep_c, (size_t)nc * sizeof(float));
        }
    }
    zn_free(keep_p);
    zn_free(keep_c);
    zn_st_close(f);
    return s;
}
