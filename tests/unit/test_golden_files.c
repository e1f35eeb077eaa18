/* The PyTorch golden files of tests/golden/data (written by
 * tests/golden/gen_golden.py) are well formed, so a broken regeneration fails
 * here before any op test reads them: each opens with the safetensors reader,
 * has a JSON "config" object naming its "kind" and a "layout", every
 * "grad.X" and "grad_out[.X]" has its X with the same shape, every listed
 * input, parameter and output is present with its gradient, and every float
 * is finite. The checker itself is shown to reject broken files. */
#include <dirent.h>

#include "io/json.h"
#include "zn_test.h"

#ifndef ZN_GOLDEN_DIR
#error "ZN_GOLDEN_DIR: the golden data folder, set by CMakeLists.txt"
#endif

static int same_shape(const zn_st_info *a, const zn_st_info *b) {
    if (a->ndim != b->ndim) return 0;
    for (int i = 0; i < a->ndim; i++)
        if (a->shape[i] != b->shape[i]) return 0;
    return 1;
}

/* The tensor `base` exists with the shape of `t`; 0 and a reason otherwise. */
static int has_partner(const zn_st_file *f, const zn_st_info *t, const char *base, char *why, size_t cap) {
    zn_st_info p;
    if (zn_st_find(f, base, &p) != ZN_OK) {
        snprintf(why, cap, "'%s' has no '%s'", t->name, base);
        return 0;
    }
    if (!same_shape(t, &p)) {
        snprintf(why, cap, "'%s' and '%s' differ in shape", t->name, base);
        return 0;
    }
    return 1;
}

/* Every name of the JSON array in metadata `key` exists, with a tensor
 * `<prefix><name>` (prefix "grad." or "grad_out") beside it. */
static int check_listed(const zn_st_file *f, const char *key, const char *prefix, char *why, size_t cap) {
    const char *text = zn_st_metadata(f, key);
    if (!text) {
        snprintf(why, cap, "no \"%s\" metadata", key);
        return 0;
    }
    zn_json_doc *doc = NULL;
    if (zn_json_parse(text, strlen(text), key, &doc) != ZN_OK || zn_json_root(doc)->type != ZN_JSON_ARRAY) {
        zn_json_free(doc);
        snprintf(why, cap, "\"%s\" is not a JSON array", key);
        return 0;
    }
    const zn_json *arr = zn_json_root(doc);
    int ok = 1;
    for (size_t i = 0; ok && i < arr->count; i++) {
        const zn_json *name = &arr->items[i];
        zn_st_info t;
        char partner[256];
        if (name->type != ZN_JSON_STRING || zn_st_find(f, name->str, &t) != ZN_OK) {
            snprintf(why, cap, "\"%s\" lists a missing tensor", key);
            ok = 0;
        } else {
            /* grad_out of "output" is "grad_out"; of another output X, "grad_out.X". */
            if (strcmp(prefix, "grad_out") == 0)
                snprintf(partner, sizeof partner, strcmp(name->str, "output") == 0 ? "grad_out" : "grad_out.%s",
                         name->str);
            else
                snprintf(partner, sizeof partner, "%s%s", prefix, name->str);
            zn_st_info g;
            if (zn_st_find(f, partner, &g) != ZN_OK) {
                snprintf(why, cap, "'%s' has no '%s'", name->str, partner);
                ok = 0;
            }
        }
    }
    zn_json_free(doc);
    return ok;
}

/* 1 when the open file is a well-formed golden file; 0 with a reason. */
static int check_golden(const zn_st_file *f, char *why, size_t cap) {
    const char *config = zn_st_metadata(f, "config");
    if (!config) {
        snprintf(why, cap, "no \"config\" metadata");
        return 0;
    }
    zn_json_doc *doc = NULL;
    int ok = zn_json_parse(config, strlen(config), "config", &doc) == ZN_OK;
    const zn_json *kind = ok ? zn_json_get(zn_json_root(doc), "kind") : NULL;
    ok = kind && kind->type == ZN_JSON_STRING && kind->str[0] != '\0';
    zn_json_free(doc);
    if (!ok) {
        snprintf(why, cap, "\"config\" is not a JSON object with a \"kind\"");
        return 0;
    }
    if (!zn_st_metadata(f, "layout")) {
        snprintf(why, cap, "no \"layout\" metadata");
        return 0;
    }
    for (int64_t i = 0; i < zn_st_count(f); i++) {
        zn_st_info t;
        if (zn_st_tensor(f, i, &t) != ZN_OK) return snprintf(why, cap, "tensor %lld unreadable", (long long)i), 0;
        if (strncmp(t.name, "grad.", 5) == 0 && !has_partner(f, &t, t.name + 5, why, cap)) return 0;
        if (strcmp(t.name, "grad_out") == 0 && !has_partner(f, &t, "output", why, cap)) return 0;
        if (strncmp(t.name, "grad_out.", 9) == 0 && !has_partner(f, &t, t.name + 9, why, cap)) return 0;
        if (t.dtype == ZN_F32 || t.dtype == ZN_F64) {
            float *v = malloc((size_t)(t.numel ? t.numel : 1) * sizeof *v);
            int finite = v && zn_st_read_f32(f, t.name, v, t.numel) == ZN_OK;
            for (int64_t k = 0; finite && k < t.numel; k++) finite = isfinite(v[k]);
            free(v);
            if (!finite) return snprintf(why, cap, "'%s' holds a non-finite value", t.name), 0;
        }
    }
    return check_listed(f, "inputs", "grad.", why, cap) && check_listed(f, "params", "grad.", why, cap) &&
           check_listed(f, "outputs", "grad_out", why, cap);
}

static void test_committed_files(void) {
    DIR *dir = opendir(ZN_GOLDEN_DIR);
    ZT_CHECK_MSG(dir != NULL, "cannot open %s", ZN_GOLDEN_DIR);
    if (!dir) return;
    int files = 0;
    for (struct dirent *e; (e = readdir(dir)) != NULL;) {
        size_t n = strlen(e->d_name);
        if (n < 12 || strcmp(e->d_name + n - 12, ".safetensors") != 0) continue;
        char path[1024], why[512] = "";
        snprintf(path, sizeof path, "%s/%s", ZN_GOLDEN_DIR, e->d_name);
        zn_st_file *f = NULL;
        ZT_OK(zn_st_open(path, &f));
        if (!f) continue;
        files++;
        ZT_CHECK_MSG(check_golden(f, why, sizeof why), "%s: %s", e->d_name, why);
        zn_st_close(f);
    }
    closedir(dir);
    /* gen_golden.py writes 47 cases; fewer means files went missing. */
    ZT_CHECK_MSG(files >= 47, "%d golden files in %s, expected at least 47", files, ZN_GOLDEN_DIR);
}

/* ---- the checker rejects broken files ----------------------------------------- */

static const float zeros[16];

/* A small valid golden file, altered by `mode`; returns check_golden's verdict. */
static int verdict(int mode, char *why, size_t cap) {
    zn_st_writer *w = NULL;
    ZT_OK(zn_st_writer_create(&w));
    const int64_t s23[2] = {2, 3}, s32[2] = {3, 2}, s4[1] = {4};
    float bad[4] = {0, 0, 0, 0};
    bad[2] = (float)INFINITY;
    ZT_OK(zn_st_writer_add(w, "input", ZN_F32, 2, s23, zeros));
    ZT_OK(zn_st_writer_add(w, "grad.input", ZN_F32, 2, mode == 1 ? s32 : s23, zeros));
    ZT_OK(zn_st_writer_add(w, "weight", ZN_F32, 1, s4, mode == 4 ? bad : zeros));
    if (mode != 5) ZT_OK(zn_st_writer_add(w, "grad.weight", ZN_F32, 1, s4, zeros));
    ZT_OK(zn_st_writer_add(w, "output", ZN_F32, 2, s23, zeros));
    ZT_OK(zn_st_writer_add(w, "grad_out", ZN_F32, 2, mode == 6 ? s32 : s23, zeros));
    if (mode == 2) ZT_OK(zn_st_writer_add(w, "grad.bias", ZN_F32, 1, s4, zeros));
    if (mode != 3) ZT_OK(zn_st_writer_set_metadata(w, "config", mode == 7 ? "[1]" : "{\"kind\":\"conv1d\"}"));
    ZT_OK(zn_st_writer_set_metadata(w, "layout", "BTC"));
    ZT_OK(zn_st_writer_set_metadata(w, "inputs", "[\"input\"]"));
    ZT_OK(zn_st_writer_set_metadata(w, "params", "[\"weight\"]"));
    ZT_OK(zn_st_writer_set_metadata(w, "outputs", "[\"output\"]"));
    void *bytes = NULL;
    size_t len = 0;
    zn_st_file *f = NULL;
    ZT_OK(zn_st_writer_serialize(w, &bytes, &len));
    ZT_OK(zn_st_parse(bytes, len, "golden", &f));
    int ok = f ? check_golden(f, why, cap) : -1;
    zn_st_close(f);
    zn_free(bytes);
    zn_st_writer_free(w);
    return ok;
}

static void test_checker_rejects(void) {
    static const struct {
        int mode;
        const char *reason;
    } cases[] = {
        {1, "'grad.input' and 'input' differ in shape"},
        {2, "'grad.bias' has no 'bias'"},
        {3, "no \"config\" metadata"},
        {4, "'weight' holds a non-finite value"},
        {5, "'weight' has no 'grad.weight'"},
        {6, "'grad_out' and 'output' differ in shape"},
        {7, "\"config\" is not a JSON object with a \"kind\""},
    };
    char why[512] = "";
    ZT_CHECK_MSG(verdict(0, why, sizeof why) == 1, "the valid file was rejected: %s", why);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        why[0] = '\0';
        ZT_CHECK_MSG(verdict(cases[i].mode, why, sizeof why) == 0, "mode %d accepted", cases[i].mode);
        ZT_CHECK_MSG(strcmp(why, cases[i].reason) == 0, "mode %d: '%s', expected '%s'", cases[i].mode, why,
                     cases[i].reason);
    }
}

int main(void) {
    ZT_RUN(test_committed_files);
    ZT_RUN(test_checker_rejects);
    return zt_finish();
}
