/* zn_mlp files: safetensors with the parameters as F32 tensors, the scalers
 * as tensors "scaler.input.mul/add" (and output), and the architecture,
 * class names, input and target columns as JSON in the metadata key "zenn". */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/internal.h"
#include "io/io_checks.h"
#include "io/json.h"
#include "zenn/nn.h"
#include "zenn/safetensors.h"

#define MLP_FORMAT "zenn-mlp"
#define MLP_VERSION 1

static zn_status with_path(zn_status st, const char *path) { return zn_io_with_path(st, path); }

static zn_status check_finite(const char *path, const char *tensor, const float *values, int64_t n) {
    return zn_io_check_finite(path, tensor, values, n, 1);
}

static zn_status check_model_finite(const zn_mlp *m, const char *path) {
    const float *params = zn_model_params_const(m->model, NULL), *consts = zn_model_consts(m->model, NULL);
    zn_status s = ZN_OK;
    for (int i = 0; s == ZN_OK && i < zn_model_param_tensors(m->model); i++) {
        const char *name;
        int64_t rows, cols, offset;
        zn_model_param_info(m->model, i, &name, &rows, &cols, &offset);
        s = check_finite(path, name, params + offset, rows * cols);
    }
    for (int i = 0; s == ZN_OK && i < zn_model_const_tensors(m->model); i++) {
        const char *name;
        int64_t rows, cols, offset;
        zn_model_const_info(m->model, i, &name, &rows, &cols, &offset);
        s = check_finite(path, name, consts + offset, rows * cols);
    }
    const zn_scaler *sc[2] = {m->input_scaler, m->output_scaler};
    const char *names[2][2] = {{"scaler.input.mul", "scaler.input.add"}, {"scaler.output.mul", "scaler.output.add"}};
    for (int k = 0; k < 2 && s == ZN_OK; k++) {
        if (!sc[k]) continue;
        s = check_finite(path, names[k][0], sc[k]->mul, sc[k]->cols);
        if (s == ZN_OK) s = check_finite(path, names[k][1], sc[k]->add, sc[k]->cols);
    }
    return s;
}

static zn_status describe(const zn_mlp *m, char **json) {
    const zn_mlp_spec *s = &m->spec;
    zn_json_writer w;
    zn_jw_init(&w);
    zn_jw_begin_object(&w);
    zn_jw_key(&w, "format");
    zn_jw_string(&w, MLP_FORMAT);
    zn_jw_key(&w, "version");
    zn_jw_int(&w, MLP_VERSION);
    zn_jw_key(&w, "layers");
    zn_jw_begin_array(&w);
    for (int i = 0; i < s->n_layers; i++) zn_jw_int(&w, s->sizes[i]);
    zn_jw_end_array(&w);
    zn_jw_key(&w, "hidden_act");
    zn_jw_string(&w, zn_nact_name(s->hidden_act));
    zn_jw_key(&w, "hidden_steepness");
    zn_jw_double(&w, s->hidden_steepness);
    zn_jw_key(&w, "output_act");
    zn_jw_string(&w, zn_nact_name(s->output_act));
    zn_jw_key(&w, "output_steepness");
    zn_jw_double(&w, s->output_steepness);
    zn_jw_key(&w, "shortcut");
    zn_jw_bool(&w, s->shortcut);
    zn_jw_key(&w, "loss");
    zn_jw_string(&w, zn_loss_name(s->loss));
    zn_jw_key(&w, "dropout");
    zn_jw_double(&w, s->dropout);
    zn_jw_key(&w, "connection_rate");
    zn_jw_double(&w, s->connection_rate);
    zn_jw_key(&w, "fann_derivatives");
    zn_jw_bool(&w, s->fann_derivatives);
    zn_jw_key(&w, "classes");
    zn_jw_begin_array(&w);
    for (int64_t k = 0; k < m->n_classes; k++) zn_jw_string(&w, m->class_names[k]);
    zn_jw_end_array(&w);
    zn_jw_key(&w, "inputs");
    zn_jw_begin_array(&w);
    for (int64_t k = 0; m->input_names && k < s->sizes[0]; k++) zn_jw_string(&w, m->input_names[k]);
    zn_jw_end_array(&w);
    zn_jw_key(&w, "targets");
    zn_jw_begin_array(&w);
    for (int64_t k = 0; k < m->n_targets; k++) zn_jw_string(&w, m->target_names[k]);
    zn_jw_end_array(&w);
    zn_jw_key(&w, "input_scaling");
    if (m->input_scaler)
        zn_jw_string(&w, m->input_scaler->kind == ZN_SCALE_RANGE ? "range" : "standard");
    else
        zn_jw_null(&w);
    zn_jw_key(&w, "output_scaling");
    if (m->output_scaler)
        zn_jw_string(&w, m->output_scaler->kind == ZN_SCALE_RANGE ? "range" : "standard");
    else
        zn_jw_null(&w);
    zn_jw_end_object(&w);
    size_t len;
    return zn_jw_finish(&w, json, &len);
}

zn_status zn_mlp_save(const zn_mlp *m, const char *path) {
    if (!m || !path) return zn_error(ZN_ERR_INVALID_ARG, "zn_mlp_save: NULL argument");
    zn_status s = check_model_finite(m, path);
    if (s != ZN_OK) return s;
    char *json = NULL;
    s = describe(m, &json);
    if (s != ZN_OK) return with_path(s, path);
    zn_st_writer *w = NULL;
    s = zn_st_writer_create(&w);
    if (s == ZN_OK) s = zn_st_writer_set_metadata(w, "zenn", json);
    const float *params = zn_model_params_const(m->model, NULL);
    for (int i = 0; s == ZN_OK && i < zn_model_param_tensors(m->model); i++) {
        const char *name;
        int64_t rows, cols, offset;
        zn_model_param_info(m->model, i, &name, &rows, &cols, &offset);
        int64_t shape[2] = {rows, cols};
        s = zn_st_writer_add(w, name, ZN_F32, cols == 1 ? 1 : 2, shape, params + offset);
    }
    const float *consts = zn_model_consts(m->model, NULL);
    for (int i = 0; s == ZN_OK && i < zn_model_const_tensors(m->model); i++) {
        const char *name;
        int64_t rows, cols, offset;
        zn_model_const_info(m->model, i, &name, &rows, &cols, &offset);
        int64_t shape[2] = {rows, cols};
        s = zn_st_writer_add(w, name, ZN_F32, cols == 1 ? 1 : 2, shape, consts + offset);
    }
    const zn_scaler *sc[2] = {m->input_scaler, m->output_scaler};
    const char *names[2][2] = {{"scaler.input.mul", "scaler.input.add"}, {"scaler.output.mul", "scaler.output.add"}};
    for (int k = 0; k < 2 && s == ZN_OK; k++) {
        if (!sc[k]) continue;
        s = zn_st_writer_add(w, names[k][0], ZN_F32, 1, &sc[k]->cols, sc[k]->mul);
        if (s == ZN_OK) s = zn_st_writer_add(w, names[k][1], ZN_F32, 1, &sc[k]->cols, sc[k]->add);
    }
    if (s == ZN_OK) s = zn_st_writer_save(w, path);
    zn_st_writer_free(w);
    zn_free(json);
    return s;
}

/* ---- loading ---------------------------------------------------------------------- */

static zn_status want(const char *path, const zn_json *v, const char *key, zn_json_type type, const zn_json **out) {
    *out = zn_json_get(v, key);
    if (!*out || (*out)->type != type)
        return zn_error(ZN_ERR_FORMAT, "%s: metadata 'zenn': '%s' is missing or not %s", path, key,
                        zn_json_type_name(type));
    return ZN_OK;
}

static zn_status act_field(const char *path, const zn_json *root, const char *key, zn_nact *out) {
    const zn_json *v;
    zn_status s = want(path, root, key, ZN_JSON_STRING, &v);
    if (s != ZN_OK) return s;
    int a = zn_nact_from_name(v->str);
    if (a < 0) return zn_error(ZN_ERR_FORMAT, "%s: metadata 'zenn': unknown %s '%s'", path, key, v->str);
    *out = (zn_nact)a;
    return ZN_OK;
}

static zn_status float_field(const char *path, const zn_json *root, const char *key, float *out) {
    const zn_json *v;
    zn_status s = want(path, root, key, ZN_JSON_NUMBER, &v);
    if (s == ZN_OK && !isfinite((float)v->number))
        s = zn_error(ZN_ERR_FORMAT, "%s: metadata 'zenn': %s is out of range", path, key);
    if (s == ZN_OK) *out = (float)v->number;
    return s;
}

/* Strings of a JSON array into a NULL-free name list. */
static zn_status string_list(const char *path, const zn_json *root, const char *key, char ***out, int64_t *n) {
    const zn_json *v;
    zn_status s = want(path, root, key, ZN_JSON_ARRAY, &v);
    *out = NULL;
    *n = 0;
    if (s != ZN_OK || v->count == 0) return s;
    char **names = zn_calloc(v->count, sizeof *names);
    if (!names) return ZN_ERR_OUT_OF_MEMORY;
    for (size_t i = 0; i < v->count; i++) {
        if (v->items[i].type != ZN_JSON_STRING || strlen(v->items[i].str) != v->items[i].len) {
            for (size_t j = 0; j < i; j++) zn_free(names[j]);
            zn_free(names);
            return zn_error(ZN_ERR_FORMAT, "%s: metadata 'zenn': %s[%zu] is not a plain string", path, key, i);
        }
        names[i] = zn_alloc(v->items[i].len + 1);
        if (!names[i]) {
            for (size_t j = 0; j < i; j++) zn_free(names[j]);
            zn_free(names);
            return ZN_ERR_OUT_OF_MEMORY;
        }
        memcpy(names[i], v->items[i].str, v->items[i].len + 1);
    }
    *out = names;
    *n = (int64_t)v->count;
    return ZN_OK;
}

static void free_list(char **names, int64_t n) {
    for (int64_t i = 0; names && i < n; i++) zn_free(names[i]);
    zn_free(names);
}

static zn_status parse_spec(const char *path, const zn_json *root, zn_mlp_spec *spec) {
    const zn_json *v;
    zn_status s = want(path, root, "format", ZN_JSON_STRING, &v);
    if (s != ZN_OK) return s;
    if (strcmp(v->str, MLP_FORMAT) != 0)
        return zn_error(ZN_ERR_FORMAT, "%s: a '%s' model, not a zenn MLP", path, v->str);
    int64_t version = 0;
    if ((s = want(path, root, "version", ZN_JSON_NUMBER, &v)) != ZN_OK) return s;
    if (!zn_json_int(v, &version) || version != MLP_VERSION)
        return zn_error(ZN_ERR_FORMAT, "%s: model format version %g; this zenn reads version %d", path, v->number,
                        MLP_VERSION);
    *spec = zn_mlp_spec_default();
    if ((s = want(path, root, "layers", ZN_JSON_ARRAY, &v)) != ZN_OK) return s;
    if (v->count < 2 || v->count > ZN_MLP_MAX_LAYERS)
        return zn_error(ZN_ERR_FORMAT, "%s: metadata 'zenn': %zu layers (2 to %d allowed)", path, v->count,
                        ZN_MLP_MAX_LAYERS);
    spec->n_layers = (int)v->count;
    for (size_t i = 0; i < v->count; i++)
        if (!zn_json_int(&v->items[i], &spec->sizes[i]) || spec->sizes[i] < 1)
            return zn_error(ZN_ERR_FORMAT, "%s: metadata 'zenn': layer %zu is not a positive integer", path, i);
    if ((s = act_field(path, root, "hidden_act", &spec->hidden_act)) != ZN_OK ||
        (s = act_field(path, root, "output_act", &spec->output_act)) != ZN_OK ||
        (s = float_field(path, root, "hidden_steepness", &spec->hidden_steepness)) != ZN_OK ||
        (s = float_field(path, root, "output_steepness", &spec->output_steepness)) != ZN_OK ||
        (s = float_field(path, root, "dropout", &spec->dropout)) != ZN_OK ||
        (s = float_field(path, root, "connection_rate", &spec->connection_rate)) != ZN_OK)
        return s;
    if (!(spec->dropout >= 0.0f && spec->dropout < 1.0f))
        return zn_error(ZN_ERR_FORMAT, "%s: metadata 'zenn': dropout %g is not in [0, 1)", path, (double)spec->dropout);
    if (!(spec->connection_rate >= 0.0f && spec->connection_rate <= 1.0f))
        return zn_error(ZN_ERR_FORMAT, "%s: metadata 'zenn': connection_rate %g is not in [0, 1]", path,
                        (double)spec->connection_rate);
    if ((s = want(path, root, "shortcut", ZN_JSON_BOOL, &v)) != ZN_OK) return s;
    spec->shortcut = v->boolean;
    if ((s = want(path, root, "fann_derivatives", ZN_JSON_BOOL, &v)) != ZN_OK) return s;
    spec->fann_derivatives = v->boolean;
    if ((s = want(path, root, "loss", ZN_JSON_STRING, &v)) != ZN_OK) return s;
    int loss = zn_loss_from_name(v->str);
    if (loss < 0) return zn_error(ZN_ERR_FORMAT, "%s: metadata 'zenn': unknown loss '%s'", path, v->str);
    spec->loss = (zn_loss_kind)loss;
    if (spec->loss == ZN_LOSS_XENT && spec->sizes[spec->n_layers - 1] < 2)
        return zn_error(ZN_ERR_FORMAT,
                        "%s: metadata 'zenn': loss 'xent' with %lld output (cross-entropy needs two or more)", path,
                        (long long)spec->sizes[spec->n_layers - 1]);
    return ZN_OK;
}

/* The layer sizes against the file's bias tensors, before a model of that
 * size is allocated: a metadata layer of 10^8 units is caught here. */
static zn_status check_layers(const char *path, const zn_st_file *f, const zn_mlp_spec *spec) {
    for (int i = 1; i < spec->n_layers; i++) {
        char name[32];
        snprintf(name, sizeof name, "layer%d.bias", i);
        zn_st_info info;
        if (zn_st_find(f, name, &info) != ZN_OK)
            return zn_error(ZN_ERR_FORMAT, "%s: tensor '%s' is missing (the metadata has %d layers)", path, name,
                            spec->n_layers);
        if (info.ndim != 1 || info.shape[0] != spec->sizes[i])
            return zn_error(ZN_ERR_FORMAT,
                            "%s: metadata 'zenn': layer %d has %lld units, but tensor '%s' has shape [%lld%s]", path, i,
                            (long long)spec->sizes[i], name, (long long)(info.ndim ? info.shape[0] : 0),
                            info.ndim > 1 ? ", ..." : "");
        /* The weights too, so that wide layers cannot ask for more than the file holds. */
        int64_t inputs = spec->sizes[i - 1];
        for (int j = 0; spec->shortcut && j < i - 1; j++) inputs += spec->sizes[j];
        snprintf(name, sizeof name, "layer%d.weight", i);
        if (zn_st_find(f, name, &info) != ZN_OK)
            return zn_error(ZN_ERR_FORMAT, "%s: tensor '%s' is missing (the metadata has %d layers)", path, name,
                            spec->n_layers);
        int ok = spec->sizes[i] == 1 ? info.ndim == 1 && info.shape[0] == inputs
                                     : info.ndim == 2 && info.shape[0] == inputs && info.shape[1] == spec->sizes[i];
        if (!ok)
            return zn_error(ZN_ERR_FORMAT,
                            "%s: metadata 'zenn': layer %d takes %lld inputs to %lld units, but tensor "
                            "'%s' has another shape",
                            path, i, (long long)inputs, (long long)spec->sizes[i], name);
    }
    return ZN_OK;
}

/* A scaler stored as two tensors, when the metadata says there is one. */
static zn_status load_scaler(const char *path, const zn_st_file *f, const zn_json *root, const char *key,
                             const char *mul_name, const char *add_name, int64_t cols, zn_scaler **out) {
    *out = NULL;
    const zn_json *v = zn_json_get(root, key);
    if (!v || v->type == ZN_JSON_NULL) return ZN_OK;
    if (v->type != ZN_JSON_STRING || (strcmp(v->str, "standard") && strcmp(v->str, "range")))
        return zn_error(ZN_ERR_FORMAT, "%s: metadata 'zenn': %s must be null, \"standard\" or \"range\"", path, key);
    zn_scaler *sc = zn_calloc(1, sizeof *sc);
    if (!sc) return ZN_ERR_OUT_OF_MEMORY;
    sc->kind = strcmp(v->str, "range") ? ZN_SCALE_STANDARD : ZN_SCALE_RANGE;
    sc->cols = cols;
    sc->mul = zn_alloc((size_t)cols * sizeof(float));
    sc->add = zn_alloc((size_t)cols * sizeof(float));
    zn_status s = sc->mul && sc->add ? ZN_OK : ZN_ERR_OUT_OF_MEMORY;
    if (s == ZN_OK) s = zn_st_read_f32(f, mul_name, sc->mul, cols);
    if (s == ZN_OK) s = zn_st_read_f32(f, add_name, sc->add, cols);
    for (int64_t j = 0; s == ZN_OK && j < cols; j++)
        if (!isfinite(sc->mul[j]) || sc->mul[j] == 0.0f || !isfinite(sc->add[j]))
            s = zn_error(ZN_ERR_FORMAT, "%s: %s: column %lld is not finite and invertible", path, mul_name,
                         (long long)j);
    if (s != ZN_OK) {
        zn_scaler_free(sc);
        return s == ZN_ERR_INVALID_ARG || s == ZN_ERR_SHAPE ? with_path(ZN_ERR_FORMAT, path) : s;
    }
    *out = sc;
    return ZN_OK;
}

/* Parameters (consts = 0) or constants (consts = 1) from the file. */
static zn_status load_tensors(const char *path, const zn_st_file *f, zn_model *model, int consts) {
    float *params = consts ? zn_model_consts(model, NULL) : zn_model_params(model, NULL);
    int n = consts ? zn_model_const_tensors(model) : zn_model_param_tensors(model);
    for (int i = 0; i < n; i++) {
        const char *name;
        int64_t rows, cols, offset;
        if (consts)
            zn_model_const_info(model, i, &name, &rows, &cols, &offset);
        else
            zn_model_param_info(model, i, &name, &rows, &cols, &offset);
        zn_st_info info;
        if (zn_st_find(f, name, &info) != ZN_OK)
            return zn_error(ZN_ERR_FORMAT, "%s: tensor '%s' is missing", path, name);
        int shape_ok = cols == 1 ? (info.ndim == 1 && info.shape[0] == rows)
                                 : (info.ndim == 2 && info.shape[0] == rows && info.shape[1] == cols);
        if (!shape_ok)
            return zn_error(ZN_ERR_FORMAT, "%s: tensor '%s' has the wrong shape for the layers in the metadata", path,
                            name);
        zn_status s = zn_st_read_f32(f, name, params + offset, rows * cols);
        if (s != ZN_OK) {
            char msg[512];
            snprintf(msg, sizeof msg, "%s", zn_last_error());
            return zn_error(ZN_ERR_FORMAT, "%s: tensor '%s': %s", path, name, msg);
        }
        s = zn_io_check_finite(path, name, params + offset, rows * cols, 0);
        if (s != ZN_OK) return s;
    }
    return ZN_OK;
}

zn_status zn_mlp_load(const char *path, zn_mlp **out) {
    if (!path || !out) return zn_error(ZN_ERR_INVALID_ARG, "zn_mlp_load: NULL argument");
    *out = NULL;
    zn_st_file *f = NULL;
    zn_status s = zn_st_open(path, &f);
    if (s != ZN_OK) return s;
    const char *meta = zn_st_metadata(f, "zenn");
    zn_json_doc *doc = NULL;
    zn_mlp *m = NULL;
    zn_scaler *in_sc = NULL, *out_sc = NULL;
    char **classes = NULL, **targets = NULL, **inputs = NULL;
    int64_t n_classes = 0, n_targets = 0, n_inputs = 0;
    zn_mlp_spec spec;
    if (!meta) s = zn_error(ZN_ERR_FORMAT, "%s: a safetensors file, but not a zenn model (no 'zenn' metadata)", path);
    if (s == ZN_OK) s = zn_json_parse(meta, strlen(meta), path, &doc);
    const zn_json *root = doc ? zn_json_root(doc) : NULL;
    if (s == ZN_OK && root->type != ZN_JSON_OBJECT)
        s = zn_error(ZN_ERR_FORMAT, "%s: metadata 'zenn' is not a JSON object", path);
    if (s == ZN_OK) s = parse_spec(path, root, &spec);
    if (s == ZN_OK) s = string_list(path, root, "classes", &classes, &n_classes);
    if (s == ZN_OK) s = string_list(path, root, "targets", &targets, &n_targets);
    if (s == ZN_OK && zn_json_get(root, "inputs")) /* files before issue 16 have none */
        s = string_list(path, root, "inputs", &inputs, &n_inputs);
    if (s == ZN_OK && n_inputs && n_inputs != spec.sizes[0])
        s = zn_error(ZN_ERR_FORMAT, "%s: metadata 'zenn': %lld input names for %lld inputs", path, (long long)n_inputs,
                     (long long)spec.sizes[0]);
    if (s == ZN_OK) s = check_layers(path, f, &spec);
    if (s == ZN_OK && n_classes && n_classes != spec.sizes[spec.n_layers - 1])
        s = zn_error(ZN_ERR_FORMAT, "%s: %lld class names for %lld outputs", path, (long long)n_classes,
                     (long long)spec.sizes[spec.n_layers - 1]);
    if (s == ZN_OK)
        s = load_scaler(path, f, root, "input_scaling", "scaler.input.mul", "scaler.input.add", spec.sizes[0], &in_sc);
    if (s == ZN_OK)
        s = load_scaler(path, f, root, "output_scaling", "scaler.output.mul", "scaler.output.add",
                        spec.sizes[spec.n_layers - 1], &out_sc);
    if (s == ZN_OK) {
        s = zn_mlp_wrap(&spec, 0, in_sc, out_sc, n_classes, classes, &m);
        if (s == ZN_ERR_OUT_OF_MEMORY)
            s = zn_error(s, "%s: out of memory for a model of these layers", path);
        else if (s != ZN_OK)
            s = with_path(ZN_ERR_FORMAT, path);
    }
    if (s == ZN_OK && n_targets) s = zn_mlp_set_targets(m, targets, n_targets);
    if (s == ZN_OK && n_inputs) s = zn_mlp_set_inputs(m, inputs, n_inputs);
    if (s == ZN_OK) s = load_tensors(path, f, m->model, 0);
    if (s == ZN_OK) s = load_tensors(path, f, m->model, 1);
    if (s != ZN_OK)
        zn_mlp_free(m);
    else
        *out = m;
    zn_scaler_free(in_sc);
    zn_scaler_free(out_sc);
    free_list(classes, n_classes);
    free_list(targets, n_targets);
    free_list(inputs, n_inputs);
    zn_json_free(doc);
    zn_st_close(f);
    return s;
}
