/* safetensors: round trips of every dtype, 0-d and empty tensors, metadata
 * with escapes and unicode, byte-identical and aligned output, every class
 * of malformed file with its message, conversions to float from unaligned
 * bytes, and interoperability with Python (struct + json, numpy when
 * importable) in both directions. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zn_test.h"

static uint64_t get_le64(const unsigned char *b) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | b[i];
    return v;
}

/* A file made by hand: the size of `header`, the header, data_len bytes i*7. */
static unsigned char *make_file(const char *header, size_t data_len, size_t *len) {
    size_t n = strlen(header);
    *len = 8 + n + data_len;
    unsigned char *b = malloc(*len);
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)((uint64_t)n >> (8 * i));
    memcpy(b + 8, header, n);
    for (size_t i = 0; i < data_len; i++) b[8 + n + i] = (unsigned char)(i * 7);
    return b;
}

static zn_status parse_header(const char *header, size_t data_len, zn_st_file **f) {
    size_t len;
    unsigned char *b = make_file(header, data_len, &len);
    zn_status s = zn_st_parse(b, len, "m.safetensors", f);
    zn_st_close(*f); /* the bytes go away now */
    *f = NULL;
    free(b);
    return s;
}

static int message_has(const char *fragment) { return strstr(zn_last_error(), fragment) != NULL; }

static char tmpdir[64];

static void path_in_tmp(char *out, size_t cap, const char *name) { snprintf(out, cap, "%s/%s", tmpdir, name); }

/* ---- round trips ------------------------------------------------------------ */

static void test_round_trip_dtypes(void) {
    zn_st_writer *w = NULL;
    ZT_OK(zn_st_writer_create(&w));
    unsigned char src[ZN_DTYPE_COUNT][48];
    const int64_t shape[2] = {2, 3};
    for (int d = 0; d < ZN_DTYPE_COUNT; d++) {
        for (int i = 0; i < 48; i++) src[d][i] = (unsigned char)(d * 31 + i * 13 + 1);
        if (d == ZN_BOOL)
            for (int i = 0; i < 48; i++) src[d][i] &= 1;
        char name[32];
        snprintf(name, sizeof name, "t.%s", zn_dtype_name((zn_dtype)d));
        ZT_OK(zn_st_writer_add(w, name, (zn_dtype)d, 2, shape, src[d]));
    }
    float scalar = 42.5f;
    ZT_OK(zn_st_writer_add(w, "scalar", ZN_F32, 0, NULL, &scalar));
    const int64_t empty[3] = {3, 0, 5}, empty1[1] = {0};
    ZT_OK(zn_st_writer_add(w, "empty", ZN_F16, 3, empty, NULL));
    ZT_OK(zn_st_writer_add(w, "empty1", ZN_I64, 1, empty1, NULL));
    char path[128];
    path_in_tmp(path, sizeof path, "dtypes.safetensors");
    ZT_OK(zn_st_writer_save(w, path));

    zn_st_file *f = NULL;
    ZT_OK(zn_st_open(path, &f));
    ZT_CHECK(zn_st_count(f) == ZN_DTYPE_COUNT + 3);
    for (int d = 0; d < ZN_DTYPE_COUNT && f; d++) {
        char name[32];
        snprintf(name, sizeof name, "t.%s", zn_dtype_name((zn_dtype)d));
        zn_st_info t;
        ZT_OK(zn_st_find(f, name, &t));
        size_t bytes = 6 * zn_dtype_size((zn_dtype)d);
        ZT_CHECK_MSG(t.dtype == (zn_dtype)d && t.ndim == 2 && t.shape[0] == 2 && t.shape[1] == 3 && t.numel == 6 &&
                         t.nbytes == bytes && memcmp(t.data, src[d], bytes) == 0 && strcmp(t.name, name) == 0,
                     "dtype %s", name);
        /* zenn's own files keep each tensor aligned to its element size. */
        ZT_CHECK_MSG(((uintptr_t)t.data % zn_dtype_size((zn_dtype)d)) == 0, "%s unaligned", name);
    }
    zn_st_info t;
    ZT_OK(zn_st_find(f, "scalar", &t));
    ZT_CHECK(t.ndim == 0 && t.shape == NULL && t.numel == 1 && t.nbytes == 4 && memcmp(t.data, &scalar, 4) == 0);
    ZT_OK(zn_st_find(f, "empty", &t));
    ZT_CHECK(t.ndim == 3 && t.shape[1] == 0 && t.numel == 0 && t.nbytes == 0);
    ZT_OK(zn_st_find(f, "empty1", &t));
    ZT_CHECK(t.ndim == 1 && t.numel == 0 && t.nbytes == 0 && t.dtype == ZN_I64);
    /* Data order: largest element size first; offsets increase. */
    const unsigned char *prev = NULL;
    size_t prev_size = 8;
    for (int64_t i = 0; i < zn_st_count(f); i++) {
        ZT_OK(zn_st_tensor(f, i, &t));
        ZT_CHECK(!prev || (const unsigned char *)t.data >= prev);
        ZT_CHECK(zn_dtype_size(t.dtype) <= prev_size);
        prev = t.data;
        prev_size = zn_dtype_size(t.dtype);
    }
    ZT_ERR(zn_st_tensor(f, zn_st_count(f), &t), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_st_tensor(f, -1, &t), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_st_find(f, "nope", &t), ZN_ERR_INVALID_ARG);
    ZT_CHECK(message_has("'nope'") && message_has("dtypes.safetensors"));
    ZT_CHECK(zn_st_metadata(f, "x") == NULL && zn_st_metadata_count(f) == 0);
    zn_st_close(f);

    /* The header is padded so the data starts 8-byte aligned. */
    void *bytes = NULL;
    size_t len = 0;
    ZT_OK(zn_st_writer_serialize(w, &bytes, &len));
    if (bytes) {
        uint64_t n = get_le64(bytes);
        ZT_CHECK(n % 8 == 0 && n + 8 <= len);
        ZT_CHECK(((const char *)bytes)[8 + n - 1] == ' ' || ((const char *)bytes)[8 + n - 1] == '}');
        zn_st_file *g = NULL;
        ZT_OK(zn_st_parse(bytes, len, "mem", &g));
        ZT_CHECK(zn_st_count(g) == ZN_DTYPE_COUNT + 3);
        zn_st_close(g);
    }
    zn_free(bytes);
    zn_st_writer_free(w);
    zn_st_writer_free(NULL);
    zn_st_close(NULL);
    unlink(path);
}

static zn_st_writer *sample_writer(int reverse, const float *a, const uint16_t *h) {
    zn_st_writer *w = NULL;
    ZT_OK(zn_st_writer_create(&w));
    const int64_t sa[2] = {2, 2}, sh[1] = {3};
    if (reverse) {
        ZT_OK(zn_st_writer_set_metadata(w, "\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87",
                                        "a\"b\\c\n\t\x01 \xe2\x82\xac \xf0\x9f\x98\x80"));
        ZT_OK(zn_st_writer_set_metadata(w, "format", "old"));
        ZT_OK(zn_st_writer_add(w, "b.half", ZN_F16, 1, sh, h));
        ZT_OK(zn_st_writer_add(w, "a.weight", ZN_F32, 2, sa, a));
        ZT_OK(zn_st_writer_set_metadata(w, "format", "pt"));
    } else {
        ZT_OK(zn_st_writer_add(w, "a.weight", ZN_F32, 2, sa, a));
        ZT_OK(zn_st_writer_add(w, "b.half", ZN_F16, 1, sh, h));
        ZT_OK(zn_st_writer_set_metadata(w, "format", "pt"));
        ZT_OK(zn_st_writer_set_metadata(w, "\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87",
                                        "a\"b\\c\n\t\x01 \xe2\x82\xac \xf0\x9f\x98\x80"));
    }
    return w;
}

static void test_deterministic_and_metadata(void) {
    const float a[4] = {1.0f, -2.5f, 3.25f, 1e-3f};
    const uint16_t h[3] = {0x3C00, 0xC000, 0x7BFF};
    zn_st_writer *w1 = sample_writer(0, a, h), *w2 = sample_writer(1, a, h);
    char p1[128], p2[128];
    path_in_tmp(p1, sizeof p1, "one.safetensors");
    path_in_tmp(p2, sizeof p2, "two.safetensors");
    ZT_OK(zn_st_writer_save(w1, p1));
    ZT_OK(zn_st_writer_save(w1, p1)); /* over an existing file */
    ZT_OK(zn_st_writer_save(w2, p2));
    void *b1 = NULL, *b2 = NULL;
    size_t l1 = 0, l2 = 0;
    ZT_OK(zn_st_writer_serialize(w1, &b1, &l1));
    ZT_OK(zn_st_writer_serialize(w2, &b2, &l2));
    ZT_CHECK(b1 && b2 && l1 == l2 && memcmp(b1, b2, l1) == 0);
    FILE *f1 = fopen(p1, "rb"), *f2 = fopen(p2, "rb");
    ZT_CHECK(f1 && f2);
    if (f1 && f2 && b1) {
        unsigned char *c1 = malloc(l1 + 1), *c2 = malloc(l1 + 1);
        size_t r1 = fread(c1, 1, l1 + 1, f1), r2 = fread(c2, 1, l1 + 1, f2);
        ZT_CHECK(r1 == l1 && r2 == l1 && memcmp(c1, b1, l1) == 0 && memcmp(c2, b1, l1) == 0);
        free(c1);
        free(c2);
    }
    if (f1) fclose(f1);
    if (f2) fclose(f2);
    /* The header text: metadata first with sorted keys, then tensors. */
    if (b1) {
        const char *hdr = (const char *)b1 + 8;
        ZT_CHECK(strncmp(hdr, "{\"__metadata__\":{\"format\":\"pt\",\"\xd0\xba", 33) == 0);
        ZT_CHECK(strstr(hdr, "\"a.weight\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}") != NULL);
        ZT_CHECK(strstr(hdr, "\"b.half\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[16,22]}") != NULL);
        ZT_CHECK(strstr(hdr, "a\\\"b\\\\c\\n\\t\\u0001 ") != NULL);
    }
    zn_st_file *f = NULL;
    ZT_OK(zn_st_open(p2, &f));
    ZT_CHECK(zn_st_metadata_count(f) == 2);
    ZT_CHECK(zn_st_metadata(f, "format") && strcmp(zn_st_metadata(f, "format"), "pt") == 0);
    const char *v = zn_st_metadata(f, "\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87");
    ZT_CHECK(v && strcmp(v, "a\"b\\c\n\t\x01 \xe2\x82\xac \xf0\x9f\x98\x80") == 0);
    const char *k0, *v0;
    ZT_OK(zn_st_metadata_at(f, 0, &k0, &v0));
    ZT_CHECK(strcmp(k0, "format") == 0 && strcmp(v0, "pt") == 0);
    ZT_ERR(zn_st_metadata_at(f, 2, &k0, &v0), ZN_ERR_INVALID_ARG);
    float got[4];
    ZT_OK(zn_st_read_f32(f, "a.weight", got, 4));
    ZT_CHECK(memcmp(got, a, sizeof a) == 0);
    ZT_OK(zn_st_read_f32(f, "b.half", got, 3));
    ZT_CHECK(got[0] == 1.0f && got[1] == -2.0f && got[2] == 65504.0f);
    zn_st_close(f);
    zn_free(b1);
    zn_free(b2);
    zn_st_writer_free(w1);
    zn_st_writer_free(w2);
    unlink(p1);
    unlink(p2);
}

/* ---- conversions from unaligned bytes ------------------------------------------ */

static void test_read_f32_unaligned(void) {
    /* Spaces make 8 + header = 1 (mod 8): the data is unaligned for every type. */
    char hdr[512] = "{\"h\":{\"dtype\":\"F16\",\"shape\":[8],\"data_offsets\":[0,16]},"
                    "\"f\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[16,24]},"
                    "\"b\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[24,30]},"
                    "\"d\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[30,38]},"
                    "\"i\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[38,42]}}";
    while ((8 + strlen(hdr)) % 8 != 1) strcat(hdr, " ");
    size_t n = strlen(hdr), len;
    unsigned char *b = make_file(hdr, 42, &len);
    unsigned char *d = b + 8 + n;
    const uint16_t halves[8] = {0x3C00, 0xC000, 0x7BFF, 0x0001, 0x03FF, 0x7C00, 0xFC00, 0x8000};
    for (int i = 0; i < 8; i++) d[2 * i] = (unsigned char)halves[i], d[2 * i + 1] = (unsigned char)(halves[i] >> 8);
    const float fs[2] = {3.5f, -1e-20f};
    memcpy(d + 16, fs, 8);
    const uint16_t bfs[3] = {0x3F80, 0xC040, 0x7FC0}; /* 1, -3, NaN */
    for (int i = 0; i < 3; i++) d[24 + 2 * i] = (unsigned char)bfs[i], d[25 + 2 * i] = (unsigned char)(bfs[i] >> 8);
    const double dd = 0.1;
    memcpy(d + 30, &dd, 8);
    zn_st_file *f = NULL;
    ZT_OK(zn_st_parse(b, len, "odd.safetensors", &f));
    zn_st_info t;
    ZT_OK(zn_st_find(f, "f", &t));
    ZT_CHECK(((uintptr_t)t.data - (uintptr_t)b) % 8 == 1);
    float out[8];
    ZT_OK(zn_st_read_f32(f, "h", out, 8));
    ZT_CHECK(out[0] == 1.0f && out[1] == -2.0f && out[2] == 65504.0f && out[3] == 0x1p-24f);
    ZT_CHECK(out[4] == 1023 * 0x1p-24f && isinf(out[5]) && out[5] > 0 && isinf(out[6]) && out[6] < 0);
    ZT_CHECK(out[7] == 0.0f && signbit(out[7]));
    ZT_OK(zn_st_read_f32(f, "f", out, 2));
    ZT_CHECK(out[0] == 3.5f && out[1] == -1e-20f);
    ZT_OK(zn_st_read_f32(f, "b", out, 3));
    ZT_CHECK(out[0] == 1.0f && out[1] == -3.0f && isnan(out[2]));
    ZT_OK(zn_st_read_f32(f, "d", out, 1));
    ZT_CHECK(out[0] == 0.1f);
    ZT_ERR(zn_st_read_f32(f, "i", out, 1), ZN_ERR_UNSUPPORTED);
    ZT_CHECK(message_has("I32"));
    ZT_ERR(zn_st_read_f32(f, "f", out, 3), ZN_ERR_SHAPE);
    ZT_CHECK(message_has("'f' has 2 elements"));
    ZT_ERR(zn_st_read_f32(f, "zz", out, 1), ZN_ERR_INVALID_ARG);
    zn_st_close(f);
    free(b);
}

/* ---- malformed files ------------------------------------------------------------ */

#define T(name, dtype, shape, b, e)                                                                                    \
    "\"" name "\":{\"dtype\":\"" dtype "\",\"shape\":" shape ",\"data_offsets\":[" #b "," #e "]}"

static void test_malformed_headers(void) {
    static const struct {
        const char *header;
        size_t data_len;
        zn_status status;
        const char *fragment;
    } cases[] = {
        {"{\"a\":}", 0, ZN_ERR_FORMAT, "m.safetensors: header: invalid JSON at line 1, column 6"},
        {"{\"a\":1", 0, ZN_ERR_FORMAT, "invalid JSON"},
        {"{} x", 0, ZN_ERR_FORMAT, "after the value"},
        {"[1]", 0, ZN_ERR_FORMAT, "does not start with '{'"},
        {" {}", 0, ZN_ERR_FORMAT, "does not start with '{'"},
        {"\"str\"", 0, ZN_ERR_FORMAT, "does not start with '{'"},
        {"", 0, ZN_ERR_FORMAT, "does not start with '{'"},
        {"{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4, ZN_ERR_FORMAT, "tensor 'a': missing \"dtype\""},
        {"{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4, ZN_ERR_FORMAT, "tensor 'a': missing \"shape\""},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4, ZN_ERR_FORMAT, "tensor 'a': missing \"data_offsets\""},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":1}}", 4, ZN_ERR_FORMAT,
         "tensor 'a': unknown field \"x\""},
        {"{\"a\":[1]}", 0, ZN_ERR_FORMAT, "tensor 'a': expected an object"},
        {"{\"a\":{\"dtype\":5,\"shape\":[1],\"data_offsets\":[0,4]}}", 4, ZN_ERR_FORMAT, "\"dtype\" must be a string"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":3,\"data_offsets\":[0,4]}}", 4, ZN_ERR_FORMAT,
         "\"shape\" must be an array"},
        {"{" T("a", "F33", "[1]", 0, 4) "}", 4, ZN_ERR_FORMAT, "tensor 'a': unknown dtype \"F33\""},
        {"{" T("a", "f32", "[1]", 0, 4) "}", 4, ZN_ERR_FORMAT, "unknown dtype \"f32\""},
        {"{" T("a", "U16", "[2]", 0, 4) "}", 4, ZN_ERR_UNSUPPORTED, "dtype U16 is valid safetensors but zenn"},
        {"{" T("a", "F32", "[-1]", 0, 4) "}", 4, ZN_ERR_FORMAT, "shape[0] must be a non-negative integer, got -1"},
        {"{" T("a", "F32", "[1.5]", 0, 4) "}", 4, ZN_ERR_FORMAT, "shape[0] must be a non-negative integer, got 1.5"},
        {"{" T("a", "F32", "[1e0]", 0, 4) "}", 4, ZN_ERR_FORMAT, "shape[0] must be a non-negative integer, got 1"},
        {"{" T("a", "F32", "[1,\"2\"]", 0, 4) "}", 4, ZN_ERR_FORMAT,
         "shape[1] must be a non-negative integer, got \"2\""},
        {"{" T("a", "F32", "[null]", 0, 4) "}", 4, ZN_ERR_FORMAT, "got null"},
        {"{" T("a", "F32", "[4294967296,4294967296]", 0, 4) "}", 4, ZN_ERR_FORMAT,
         "shape [4294967296, 4294967296] has more elements than fit in 64 bits"},
        {"{" T("a", "F32", "[4611686018427387904]", 0, 4) "}", 4, ZN_ERR_FORMAT,
         "needs more bytes than fit in 64 bits"},
        {"{" T("a", "F32", "[99999999999999999999]", 0, 4) "}", 4, ZN_ERR_FORMAT, "shape[0] = 1e+20 is too large"},
        {"{" T("a", "F32", "[1]", -4, 0) "}", 4, ZN_ERR_FORMAT,
         "data_offsets[0] must be a non-negative integer, got -4"},
        {"{" T("a", "F32", "[1]", 8, 4) "}", 8, ZN_ERR_FORMAT, "data_offsets [8, 4] end before they begin"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", 8, ZN_ERR_FORMAT,
         "must be [begin, end], got 3"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", 8, ZN_ERR_FORMAT,
         "must be [begin, end], got 1"},
        {"{" T("fc1.weight", "F32", "[5,6]", 0, 100) "}", 100, ZN_ERR_FORMAT,
         "m.safetensors: tensor 'fc1.weight': data_offsets [0, 100] hold 100 bytes but shape [5, 6] of F32 needs 120"},
        {"{" T("a", "F32", "[2]", 0, 8) "}", 4, ZN_ERR_FORMAT,
         "tensor 'a': data_offsets [0, 8] run past the end of the data buffer (4 bytes)"},
        {"{" T("a", "F32", "[2]", 0, 8) "," T("b", "F32", "[2]", 4, 12) "}", 12, ZN_ERR_FORMAT,
         "tensor 'b' [4, 12] overlaps tensor 'a' [0, 8]"},
        {"{" T("a", "F32", "[2]", 0, 8) "," T("b", "F32", "[2]", 0, 8) "}", 8, ZN_ERR_FORMAT, "overlaps"},
        {"{" T("a", "F32", "[1]", 0, 4) "," T("b", "F32", "[1]", 8, 12) "}", 12, ZN_ERR_FORMAT,
         "bytes [4, 8) of the data buffer belong to no tensor (a hole before 'b')"},
        {"{" T("a", "F32", "[1]", 4, 8) "}", 8, ZN_ERR_FORMAT, "bytes [0, 4) of the data buffer belong to no tensor"},
        {"{" T("a", "F32", "[1]", 0, 4) "}", 8, ZN_ERR_FORMAT,
         "4 bytes after the last tensor's data belong to no tensor"},
        {"{}", 1, ZN_ERR_FORMAT, "1 bytes after the last tensor"},
        {"{" T("a", "F32", "[1]", 0, 4) "," T("a", "F32", "[1]", 4, 8) "}", 8, ZN_ERR_FORMAT, "duplicate key \"a\""},
        {"{\"__metadata__\":{\"k\":1}}", 0, ZN_ERR_FORMAT,
         "\"__metadata__\": the value of \"k\" must be a string, got a number"},
        {"{\"__metadata__\":\"x\"}", 0, ZN_ERR_FORMAT, "\"__metadata__\" must be an object of strings, got a string"},
        {"{\"__metadata__\":{\"k\":{}}}", 0, ZN_ERR_FORMAT, "must be a string, got an object"},
        {"{\"__metadata__\":{\"k\":\"a\\u0000b\"}}", 0, ZN_ERR_UNSUPPORTED, "NUL"},
        {"{\"a\\u0000b\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}}", 4, ZN_ERR_UNSUPPORTED, "NUL"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}}\xff", 4, ZN_ERR_FORMAT, "invalid JSON"},
        {"{\"\xff\":{}}", 0, ZN_ERR_FORMAT, "invalid UTF-8"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        zn_st_file *f = (zn_st_file *)&f;
        size_t len;
        unsigned char *b = make_file(cases[i].header, cases[i].data_len, &len);
        zn_clear_error();
        zn_status s = zn_st_parse(b, len, "m.safetensors", &f);
        ZT_CHECK_MSG(s == cases[i].status && f == NULL, "case %zu (%s): %s, %s", i, cases[i].header, zn_status_str(s),
                     zn_last_error());
        ZT_CHECK_MSG(message_has(cases[i].fragment) && message_has("m.safetensors"),
                     "case %zu (%s): message '%s' lacks '%s'", i, cases[i].header, zn_last_error(), cases[i].fragment);
        free(b);
    }
}

static void test_malformed_sizes(void) {
    zn_st_file *f = NULL;
    unsigned char b[32] = {0};
    ZT_ERR(zn_st_parse(b, 0, "m.safetensors", &f), ZN_ERR_FORMAT);
    ZT_CHECK(message_has("0 bytes is too short"));
    ZT_ERR(zn_st_parse(b, 7, "m.safetensors", &f), ZN_ERR_FORMAT);
    ZT_CHECK(message_has("m.safetensors: 7 bytes is too short"));
    /* Header size larger than the file (a cut header). */
    size_t len;
    unsigned char *full = make_file("{\"__metadata__\":{\"a\":\"b\"}}", 0, &len);
    ZT_ERR(zn_st_parse(full, len - 1, "m.safetensors", &f), ZN_ERR_FORMAT);
    ZT_CHECK(message_has("header size 26 runs past the end of the file (25 bytes follow the size)"));
    ZT_OK(zn_st_parse(full, len, "m.safetensors", &f));
    zn_st_close(f);
    free(full);
    /* Above the 100 MB limit, and absurd. */
    b[0] = 0x01, b[1] = 0xE1, b[2] = 0xF5, b[3] = 0x05; /* 100000001 */
    ZT_ERR(zn_st_parse(b, sizeof b, "m.safetensors", &f), ZN_ERR_FORMAT);
    ZT_CHECK(message_has("header size 100000001 is more than the limit of 100000000 bytes"));
    memset(b, 0xFF, 8);
    ZT_ERR(zn_st_parse(b, sizeof b, "m.safetensors", &f), ZN_ERR_FORMAT);
    ZT_CHECK(message_has("18446744073709551615"));
    /* A data buffer cut short. */
    full = make_file("{" T("a", "F32", "[4]", 0, 16) "}", 16, &len);
    ZT_ERR(zn_st_parse(full, len - 3, "m.safetensors", &f), ZN_ERR_FORMAT);
    ZT_CHECK(message_has("run past the end of the data buffer (13 bytes)"));
    ZT_OK(zn_st_parse(full, len, "m.safetensors", &f));
    zn_st_close(f);
    free(full);
    /* Several empty tensors at one offset are fine; an empty file of tensors too. */
    ZT_OK(parse_header("{" T("e1", "F32", "[0]", 4, 4) "," T("a", "F32", "[1]", 0, 4) "," T(
                           "e2", "I8", "[2,0]", 4, 4) "," T("e0", "BOOL", "[0]", 0, 0) "}",
                       4, &f));
    ZT_OK(parse_header("{}", 0, &f));
    ZT_OK(parse_header("{}      ", 0, &f));
    ZT_OK(parse_header("{\"__metadata__\":{}}", 0, &f));
    ZT_ERR(zn_st_parse(NULL, 3, "x", &f), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_st_parse(b, 8, "x", NULL), ZN_ERR_INVALID_ARG);
}

static void test_files(void) {
    zn_st_file *f = NULL;
    ZT_ERR(zn_st_open("/nonexistent-dir/x.safetensors", &f), ZN_ERR_IO);
    ZT_CHECK(f == NULL && message_has("/nonexistent-dir/x.safetensors"));
    char path[128];
    path_in_tmp(path, sizeof path, "empty.safetensors");
    FILE *e = fopen(path, "wb");
    if (e) fclose(e);
    ZT_ERR(zn_st_open(path, &f), ZN_ERR_FORMAT);
    ZT_CHECK(message_has("empty.safetensors: 0 bytes is too short"));
    unlink(path);
    ZT_ERR(zn_st_open(tmpdir, &f), ZN_ERR_IO); /* a directory */
}

/* A file truncated after it was opened: the open file holds its own copy
 * (a mapping would die of SIGBUS reading past the new end). */
static void test_truncated_while_open(void) {
    enum { N = 1 << 18 };
    float *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y);
    for (int i = 0; i < N; i++) x[i] = (float)i;
    const int64_t shape[1] = {N};
    zn_st_writer *w = NULL;
    ZT_OK(zn_st_writer_create(&w));
    ZT_OK(zn_st_writer_add(w, "x", ZN_F32, 1, shape, x));
    char path[128];
    path_in_tmp(path, sizeof path, "trunc.safetensors");
    ZT_OK(zn_st_writer_save(w, path));
    zn_st_writer_free(w);
    zn_st_file *f = NULL;
    ZT_OK(zn_st_open(path, &f));
    ZT_CHECK(truncate(path, 4096) == 0);
    if (f) {
        ZT_OK(zn_st_read_f32(f, "x", y, N));
        ZT_CHECK(memcmp(x, y, N * sizeof *x) == 0);
    }
    zn_st_close(f);
    unlink(path);
    free(x);
    free(y);
}

/* finite_only refuses NaN and infinity in every float dtype, naming the tensor. */
static void test_finite_only(void) {
    const float f32[3] = {1, NAN, 2};
    const double f64[2] = {0, -INFINITY};
    const uint16_t f16[2] = {0x3C00, 0x7C00}, bf16[2] = {0x3F80, 0x7FC0}, ok16[2] = {0x7BFF, 0xFBFF};
    const int32_t ints[2] = {0x7FFFFFFF, -1};
    const int64_t s3[1] = {3}, s2[1] = {2};
    char path[128];
    path_in_tmp(path, sizeof path, "nan.safetensors");
    struct {
        const char *name;
        zn_dtype dtype;
        const void *data;
        const int64_t *shape;
        int bad;
    } cases[] = {{"w32", ZN_F32, f32, s3, 1},   {"w64", ZN_F64, f64, s2, 1},    {"w16", ZN_F16, f16, s2, 1},
                 {"wbf", ZN_BF16, bf16, s2, 1}, {"max16", ZN_F16, ok16, s2, 0}, {"i32", ZN_I32, ints, s2, 0}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        zn_st_writer *w = NULL;
        ZT_OK(zn_st_writer_create(&w));
        ZT_OK(zn_st_writer_add(w, cases[k].name, cases[k].dtype, 1, cases[k].shape, cases[k].data));
        ZT_OK(zn_st_writer_save(w, path)); /* off by default: any value may be stored */
        ZT_OK(zn_st_writer_set_finite_only(w, 1));
        if (cases[k].bad) {
            unlink(path);
            ZT_ERR(zn_st_writer_save(w, path), ZN_ERR_INVALID_ARG);
            ZT_CHECK(message_has(cases[k].name) && message_has("not finite"));
            ZT_CHECK(access(path, F_OK) != 0);
            void *bytes = NULL;
            size_t len;
            ZT_ERR(zn_st_writer_serialize(w, &bytes, &len), ZN_ERR_INVALID_ARG);
        } else {
            ZT_OK(zn_st_writer_save(w, path));
        }
        zn_st_writer_free(w);
    }
    ZT_ERR(zn_st_writer_set_finite_only(NULL, 1), ZN_ERR_INVALID_ARG);
    unlink(path);
}

static void test_writer_errors(void) {
    zn_st_writer *w = NULL;
    ZT_OK(zn_st_writer_create(&w));
    float x[4] = {0};
    const int64_t s1[1] = {4}, neg[1] = {-1}, huge[2] = {INT64_MAX, 2};
    ZT_ERR(zn_st_writer_add(w, "__metadata__", ZN_F32, 1, s1, x), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_st_writer_add(w, "bad\xff", ZN_F32, 1, s1, x), ZN_ERR_INVALID_ARG);
    ZT_CHECK(message_has("UTF-8"));
    ZT_ERR(zn_st_writer_add(w, "a", (zn_dtype)99, 1, s1, x), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_st_writer_add(w, "a", ZN_F32, 1, neg, x), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_st_writer_add(w, "a", ZN_F32, 2, huge, x), ZN_ERR_OVERFLOW);
    ZT_ERR(zn_st_writer_add(w, "a", ZN_F32, 1, s1, NULL), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_st_writer_add(w, "a", ZN_F32, 65, s1, x), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_st_writer_add(w, "a", ZN_F32, 1, NULL, x), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_st_writer_add(NULL, "a", ZN_F32, 1, s1, x), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_st_writer_set_metadata(w, "k", "\xc0\x80"), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_st_writer_set_metadata(w, NULL, "v"), ZN_ERR_INVALID_ARG);
    ZT_OK(zn_st_writer_add(w, "", ZN_F32, 1, s1, x)); /* an empty name is valid safetensors */
    ZT_OK(zn_st_writer_add(w, "dup", ZN_F32, 1, s1, x));
    ZT_OK(zn_st_writer_add(w, "dup", ZN_I8, 1, s1, x));
    char path[128];
    path_in_tmp(path, sizeof path, "dup.safetensors");
    ZT_ERR(zn_st_writer_save(w, path), ZN_ERR_INVALID_ARG);
    ZT_CHECK(message_has("tensor 'dup' was added twice"));
    ZT_CHECK(access(path, F_OK) != 0);
    zn_st_writer_free(w);

    ZT_OK(zn_st_writer_create(&w));
    ZT_OK(zn_st_writer_add(w, "", ZN_F32, 1, s1, x));
    ZT_ERR(zn_st_writer_save(w, "/nonexistent-dir/x.safetensors"), ZN_ERR_IO);
    ZT_CHECK(message_has("/nonexistent-dir/x.safetensors"));
    /* An empty writer gives a valid file with no tensors. */
    zn_st_writer *none = NULL;
    ZT_OK(zn_st_writer_create(&none));
    void *b = NULL;
    size_t len = 0;
    ZT_OK(zn_st_writer_serialize(none, &b, &len));
    ZT_CHECK(len == 16 && b && memcmp((char *)b + 8, "{}      ", 8) == 0);
    zn_st_file *f = NULL;
    ZT_OK(zn_st_parse(b, len, "none", &f));
    ZT_CHECK(zn_st_count(f) == 0);
    zn_st_close(f);
    zn_free(b);
    zn_st_writer_free(none);
    /* A tensor named "" is found by "". */
    ZT_OK(zn_st_writer_serialize(w, &b, &len));
    ZT_OK(zn_st_parse(b, len, "mem", &f));
    zn_st_info t;
    ZT_OK(zn_st_find(f, "", &t));
    zn_st_close(f);
    zn_free(b);
    zn_st_writer_free(w);
}

/* ---- Python ------------------------------------------------------------------------ */

static int have_python(void) { return system("python3 -c 'import struct, json' >/dev/null 2>&1") == 0; }

static int run_python(const char *script, const char *arg) {
    char spath[128], cmd[512];
    path_in_tmp(spath, sizeof spath, "check.py");
    FILE *f = fopen(spath, "w");
    if (!f) return -1;
    fputs(script, f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "python3 %s %s", spath, arg);
    int rc = system(cmd);
    unlink(spath);
    return rc;
}

/* Reads a zenn file with nothing but struct and json (and numpy if present). */
static const char *const PY_READ =
    "import json, struct, sys\n"
    "raw = open(sys.argv[1], 'rb').read()\n"
    "n, = struct.unpack('<Q', raw[:8])\n"
    "assert (8 + n) % 8 == 0, 'header not padded to 8'\n"
    "hdr = json.loads(raw[8:8 + n].decode('utf-8'))\n"
    "data = raw[8 + n:]\n"
    "meta = hdr.pop('__metadata__')\n"
    "assert meta == {'format': 'pt', 'note': 'h\\u00e9llo \"q\" \\n \\U0001F600'}, meta\n"
    "def values(name):\n"
    "    t = hdr[name]; b, e = t['data_offsets']; buf = data[b:e]\n"
    "    dt = t['dtype']; cnt = 1\n"
    "    for d in t['shape']: cnt *= d\n"
    "    if dt == 'BF16':\n"
    "        hs = struct.unpack('<%dH' % cnt, buf)\n"
    "        return [struct.unpack('<f', struct.pack('<I', h << 16))[0] for h in hs]\n"
    "    code = {'F32': 'f', 'F16': 'e', 'F64': 'd', 'I8': 'b', 'U8': 'B', 'I16': 'h', 'I32': 'i', 'I64': 'q', 'BOOL': "
    "'?'}[dt]\n"
    "    assert len(buf) == cnt * struct.calcsize(code), name\n"
    "    return list(struct.unpack('<%d%s' % (cnt, code), buf))\n"
    "want = {'w': ('F32', [2, 3], [1.5, -2.0, 3.25, 0.0, 1e-3, -7.0]),\n"
    "        'h': ('F16', [4], [0.5, -1.0, 65504.0, 2.0 ** -24]),\n"
    "        'bf': ('BF16', [3], [1.0, -3.0, 0.15625]),\n"
    "        'i': ('I32', [2], [-5, 2147483647]),\n"
    "        'q': ('I8', [3], [-128, 0, 127]),\n"
    "        's': ('F64', [], [0.1])}\n"
    "assert sorted(hdr) == sorted(want), sorted(hdr)\n"
    "cover = sorted(tuple(t['data_offsets']) for t in hdr.values())\n"
    "assert cover[0][0] == 0 and cover[-1][1] == len(data), cover\n"
    "for (b0, e0), (b1, e1) in zip(cover, cover[1:]): assert e0 == b1, cover\n"
    "for name, (dt, shape, vals) in want.items():\n"
    "    t = hdr[name]\n"
    "    assert t['dtype'] == dt and t['shape'] == shape, (name, t)\n"
    "    got = values(name)\n"
    "    if dt == 'F32': vals = [struct.unpack('<f', struct.pack('<f', v))[0] for v in vals]\n"
    "    assert got == vals, (name, got, vals)\n"
    "try:\n"
    "    import numpy as np\n"
    "except ImportError:\n"
    "    np = None\n"
    "if np is not None:\n"
    "    t = hdr['w']; b, e = t['data_offsets']\n"
    "    a = np.frombuffer(data[b:e], dtype='<f4').reshape(t['shape'])\n"
    "    assert np.array_equal(a, np.array([[1.5, -2, 3.25], [0, 1e-3, -7]], dtype=np.float32))\n"
    "    t = hdr['h']; b, e = t['data_offsets']\n"
    "    assert np.frombuffer(data[b:e], dtype='<f2').tolist() == [0.5, -1.0, 65504.0, 2.0 ** -24]\n"
    "print('python read the zenn file' + (' (with numpy)' if np is not None else ''))\n";

static void test_python_reads_zenn(void) {
    if (!have_python()) {
        fprintf(stderr, "(python3 not found: skipped)\n");
        return;
    }
    const float w[6] = {1.5f, -2.0f, 3.25f, 0.0f, 1e-3f, -7.0f};
    const uint16_t h[4] = {0x3800, 0xBC00, 0x7BFF, 0x0001};
    const uint16_t bf[3] = {0x3F80, 0xC040, 0x3E20};
    const int32_t i[2] = {-5, 2147483647};
    const int8_t q[3] = {-128, 0, 127};
    const double s = 0.1;
    const int64_t sw[2] = {2, 3}, sh[1] = {4}, sb[1] = {3}, si[1] = {2};
    zn_st_writer *wr = NULL;
    ZT_OK(zn_st_writer_create(&wr));
    ZT_OK(zn_st_writer_add(wr, "w", ZN_F32, 2, sw, w));
    ZT_OK(zn_st_writer_add(wr, "h", ZN_F16, 1, sh, h));
    ZT_OK(zn_st_writer_add(wr, "bf", ZN_BF16, 1, sb, bf));
    ZT_OK(zn_st_writer_add(wr, "i", ZN_I32, 1, si, i));
    ZT_OK(zn_st_writer_add(wr, "q", ZN_I8, 1, sb, q));
    ZT_OK(zn_st_writer_add(wr, "s", ZN_F64, 0, NULL, &s));
    ZT_OK(zn_st_writer_set_metadata(wr, "format", "pt"));
    ZT_OK(zn_st_writer_set_metadata(wr, "note", "h\xc3\xa9llo \"q\" \n \xf0\x9f\x98\x80"));
    char path[128];
    path_in_tmp(path, sizeof path, "zenn.safetensors");
    ZT_OK(zn_st_writer_save(wr, path));
    zn_st_writer_free(wr);
    ZT_CHECK_MSG(run_python(PY_READ, path) == 0, "python could not read the file zenn wrote");
    unlink(path);
}

/* Writes a file by hand the way other tools do: no sorting, json.dumps'
 * \u escapes, and a header whose length leaves the data unaligned. */
static const char *const PY_WRITE =
    "import json, struct, sys\n"
    "tensors = [('w', 'F32', [2, 2], struct.pack('<4f', 1.5, -2.0, 3.25, 1e-3)),\n"
    "           ('h', 'F16', [3], struct.pack('<3e', 0.5, -1.0, 65504.0)),\n"
    "           ('b', 'BF16', [2], struct.pack('<2H', 0x3F80, 0xC040)),\n"
    "           ('i', 'I32', [3], struct.pack('<3i', 1, -2, 3))]\n"
    "hdr, off = {'__metadata__': {'format': 'pt', 'note': 'h\\u00e9llo \\U0001F600'}}, 0\n"
    "for name, dt, shape, b in tensors:\n"
    "    hdr[name] = {'dtype': dt, 'shape': shape, 'data_offsets': [off, off + len(b)]}\n"
    "    off += len(b)\n"
    "text = json.dumps(hdr).encode('utf-8')\n"
    "while (8 + len(text)) % 8 != 3: text += b' '\n"
    "with open(sys.argv[1], 'wb') as f:\n"
    "    f.write(struct.pack('<Q', len(text)) + text + b''.join(t[3] for t in tensors))\n";

static void test_zenn_reads_python(void) {
    if (!have_python()) {
        fprintf(stderr, "(python3 not found: skipped)\n");
        return;
    }
    char path[128];
    path_in_tmp(path, sizeof path, "python.safetensors");
    ZT_CHECK_MSG(run_python(PY_WRITE, path) == 0, "python could not write the file");
    zn_st_file *f = NULL;
    ZT_OK(zn_st_open(path, &f));
    if (!f) return;
    ZT_CHECK(zn_st_count(f) == 4);
    zn_st_info t;
    ZT_OK(zn_st_find(f, "w", &t));
    ZT_CHECK(t.dtype == ZN_F32 && t.ndim == 2 && t.shape[0] == 2 && t.shape[1] == 2);
    ZT_CHECK((uintptr_t)t.data % 8 == 3); /* the mapping is page aligned; the data is not */
    float v[4];
    ZT_OK(zn_st_read_f32(f, "w", v, 4));
    ZT_CHECK(v[0] == 1.5f && v[1] == -2.0f && v[2] == 3.25f && v[3] == 1e-3f);
    ZT_OK(zn_st_read_f32(f, "h", v, 3));
    ZT_CHECK(v[0] == 0.5f && v[1] == -1.0f && v[2] == 65504.0f);
    ZT_OK(zn_st_read_f32(f, "b", v, 2));
    ZT_CHECK(v[0] == 1.0f && v[1] == -3.0f);
    ZT_OK(zn_st_find(f, "i", &t));
    int32_t iv[3];
    ZT_CHECK(t.dtype == ZN_I32 && t.nbytes == 12);
    memcpy(iv, t.data, sizeof iv);
    ZT_CHECK(iv[0] == 1 && iv[1] == -2 && iv[2] == 3);
    const char *note = zn_st_metadata(f, "note");
    ZT_CHECK(note && strcmp(note, "h\xc3\xa9llo \xf0\x9f\x98\x80") == 0);
    ZT_CHECK(zn_st_metadata(f, "format") && strcmp(zn_st_metadata(f, "format"), "pt") == 0);
    /* Tensors come in data order: w, h, b, i. */
    ZT_OK(zn_st_tensor(f, 1, &t));
    ZT_CHECK(strcmp(t.name, "h") == 0);
    zn_st_close(f);
    unlink(path);
}

int main(void) {
    snprintf(tmpdir, sizeof tmpdir, "/tmp/zn_test_st_XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 2;
    }
    ZT_RUN(test_round_trip_dtypes);
    ZT_RUN(test_deterministic_and_metadata);
    ZT_RUN(test_read_f32_unaligned);
    ZT_RUN(test_malformed_headers);
    ZT_RUN(test_malformed_sizes);
    ZT_RUN(test_files);
    ZT_RUN(test_writer_errors);
    ZT_RUN(test_truncated_while_open);
    ZT_RUN(test_finite_only);
    ZT_RUN(test_python_reads_zenn);
    ZT_RUN(test_zenn_reads_python);
    rmdir(tmpdir);
    return zt_finish();
}
