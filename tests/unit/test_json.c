/* The internal JSON parser and emitter: valid documents, every class of
 * malformed text with its message, integer limits, UTF-8 and surrogates,
 * round trips through the emitter, and locale independence. */
#include <locale.h>

#include "io/json.h"
#include "zn_test.h"

static zn_json_doc *parse(const char *text) {
    zn_json_doc *d = NULL;
    ZT_OK(zn_json_parse(text, strlen(text), "t.json", &d));
    return d;
}

static void test_values(void) {
    zn_json_doc *d =
        parse(" {\"a\": [1, -2, 3.5, 1e3, true, false, null, \"s\", {}, []],\n \"b\": {\"c\": \"d\"}} \r\n\t");
    const zn_json *r = zn_json_root(d);
    ZT_CHECK(r && r->type == ZN_JSON_OBJECT && r->count == 2);
    const zn_json *a = zn_json_get(r, "a");
    ZT_CHECK(a && a->type == ZN_JSON_ARRAY && a->count == 10);
    if (a && a->count == 10) {
        int64_t v;
        ZT_CHECK(zn_json_int(&a->items[0], &v) && v == 1);
        ZT_CHECK(zn_json_int(&a->items[1], &v) && v == -2);
        ZT_CHECK(!zn_json_int(&a->items[2], &v) && a->items[2].number == 3.5);
        ZT_CHECK(!a->items[3].is_int && a->items[3].number == 1000.0);
        ZT_CHECK(a->items[4].type == ZN_JSON_BOOL && a->items[4].boolean == 1);
        ZT_CHECK(a->items[5].type == ZN_JSON_BOOL && a->items[5].boolean == 0);
        ZT_CHECK(a->items[6].type == ZN_JSON_NULL);
        ZT_CHECK(a->items[7].type == ZN_JSON_STRING && strcmp(a->items[7].str, "s") == 0);
        ZT_CHECK(a->items[8].type == ZN_JSON_OBJECT && a->items[8].count == 0);
        ZT_CHECK(a->items[9].type == ZN_JSON_ARRAY && a->items[9].count == 0);
    }
    const zn_json *c = zn_json_get(zn_json_get(r, "b"), "c");
    ZT_CHECK(c && strcmp(c->str, "d") == 0);
    ZT_CHECK(zn_json_get(r, "zz") == NULL && zn_json_get(a, "a") == NULL && zn_json_get(NULL, "a") == NULL);
    /* Keys stay in document order; lookups work on many keys. */
    ZT_CHECK(strcmp(r->keys[0].str, "a") == 0 && strcmp(r->keys[1].str, "b") == 0);
    zn_json_free(d);
    zn_json_free(NULL);

    char big[8192];
    size_t n = 0;
    big[n++] = '{';
    for (int i = 0; i < 500; i++)
        n += (size_t)snprintf(big + n, sizeof big - n, "%s\"k%d\":%d", i ? "," : "", 499 - i, i);
    big[n++] = '}';
    big[n] = '\0';
    d = parse(big);
    int good = 1;
    for (int i = 0; i < 500; i++) {
        char k[16];
        snprintf(k, sizeof k, "k%d", i);
        int64_t v;
        good &= zn_json_int(zn_json_get(zn_json_root(d), k), &v) && v == 499 - i;
    }
    ZT_CHECK(good);
    zn_json_free(d);

    d = parse("[9223372036854775807, -9223372036854775808, 9223372036854775808, -0, 0, 1E+2, 0.5e-1]");
    r = zn_json_root(d);
    int64_t v;
    ZT_CHECK(zn_json_int(&r->items[0], &v) && v == INT64_MAX);
    ZT_CHECK(zn_json_int(&r->items[1], &v) && v == INT64_MIN);
    ZT_CHECK(!r->items[2].is_int && r->items[2].number == 9223372036854775808.0);
    ZT_CHECK(zn_json_int(&r->items[3], &v) && v == 0);
    ZT_CHECK(r->items[5].number == 100.0 && !r->items[5].is_int);
    ZT_CHECK(r->items[6].number == 0.05);
    zn_json_free(d);

    d = parse("\"x\"");
    ZT_CHECK(zn_json_root(d)->type == ZN_JSON_STRING);
    zn_json_free(d);
}

static void test_strings(void) {
    zn_json_doc *d = parse("[\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\", \"\\u00e9\\u20AC\\ud83d\\ude00\", \"a\\u0000b\", "
                           "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\", \"\x7f\"]");
    const zn_json *r = zn_json_root(d);
    ZT_CHECK(r && r->count == 5);
    if (r && r->count == 5) {
        ZT_CHECK(strcmp(r->items[0].str, "\" \\ / \b \f \n \r \t") == 0);
        ZT_CHECK(strcmp(r->items[1].str, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80") == 0);
        ZT_CHECK(r->items[2].len == 3 && memcmp(r->items[2].str, "a\0b", 3) == 0);
        ZT_CHECK(strcmp(r->items[3].str, r->items[1].str) == 0);
        ZT_CHECK(strcmp(r->items[4].str, "\x7f") == 0);
    }
    zn_json_free(d);
    ZT_CHECK(zn_utf8_valid("\xf4\x8f\xbf\xbf", 4) && !zn_utf8_valid("\xf4\x90\x80\x80", 4));
    ZT_CHECK(!zn_utf8_valid("\xed\xa0\x80", 3) && !zn_utf8_valid("\xc0\x80", 2) && !zn_utf8_valid("\xe0\x80\x80", 3));
    ZT_CHECK(!zn_utf8_valid("\xe2\x82", 2) && !zn_utf8_valid("\x80", 1) && !zn_utf8_valid("\xff", 1));
}

static void test_malformed(void) {
    static const struct {
        const char *text, *fragment;
    } cases[] = {
        {"", "end of text"},
        {"   ", "end of text"},
        {"{", "expected a string key"},
        {"[1,]", "unexpected ']'"},
        {"[1 2]", "expected ',' or ']'"},
        {"{\"a\":1,}", "expected a string key"},
        {"{\"a\" 1}", "expected ':'"},
        {"{a:1}", "expected a string key"},
        {"{\"a\":1 \"b\":2}", "expected ',' or '}'"},
        {"01", "leading zeros"},
        {"-01", "leading zeros"},
        {"1.", "after '.'"},
        {".5", "unexpected '.'"},
        {"-", "expected a digit"},
        {"1e", "exponent"},
        {"1e+", "exponent"},
        {"+1", "unexpected '+'"},
        {"0x10", "after the value"},
        {"1e400", "out of range"},
        {"NaN", "unexpected 'N'"},
        {"Infinity", "unexpected 'I'"},
        {"tru", "invalid literal"},
        {"nul", "invalid literal"},
        {"truex", "after the value"},
        {"'a'", "unexpected '''"},
        {"\"abc", "unterminated string"},
        {"\"abc\\\"", "unterminated string"},
        {"\"\\x\"", "invalid escape"},
        {"\"\\u12\"", "four hex digits"},
        {"\"\\u12g4\"", "four hex digits"},
        {"\"\\uD800\"", "high surrogate"},
        {"\"\\uD800\\u0041\"", "high surrogate"},
        {"\"\\uD800\\uD800\"", "high surrogate"},
        {"\"\\uDC00\"", "low surrogate"},
        {"\"a\tb\"", "control character 0x09"},
        {"\"a\nb\"", "control character 0x0a"},
        {"\"\xc0\x80\"", "invalid UTF-8"},
        {"\"\xed\xa0\x80\"", "invalid UTF-8"},
        {"\"\xf4\x90\x80\x80\"", "invalid UTF-8"},
        {"\"\xff\"", "invalid UTF-8"},
        {"\"\xe2\x82\"", "invalid UTF-8"},
        {"\xef\xbb\xbf{}", "unexpected 0xef"},
        {"{\"a\":1,\"b\":2,\"a\":3}", "duplicate key \"a\""},
        {"{\"x\":{\"k\":1,\"k\":1}}", "duplicate key \"k\""},
        {"1 2", "after the value"},
        {"{} x", "after the value"},
        {"[] \f", "after the value"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        zn_json_doc *d = (zn_json_doc *)&d; /* must be reset to NULL */
        ZT_ERR(zn_json_parse(cases[i].text, strlen(cases[i].text), "t.json", &d), ZN_ERR_FORMAT);
        ZT_CHECK(d == NULL);
        const char *m = zn_last_error();
        ZT_CHECK_MSG(strstr(m, "t.json: invalid JSON at line 1") && strstr(m, cases[i].fragment),
                     "case %zu (%s): message '%s' lacks '%s'", i, cases[i].text, m, cases[i].fragment);
    }
    /* Line and column point at the problem. */
    zn_json_doc *d = NULL;
    ZT_ERR(zn_json_parse("{\n  \"a\": 1,\n  \"b\": x}", 21, "t.json", &d), ZN_ERR_FORMAT);
    ZT_CHECK_MSG(strstr(zn_last_error(), "line 3, column 8"), "%s", zn_last_error());
    /* Embedded NUL outside a string, and a length that cuts the text. */
    ZT_ERR(zn_json_parse("[1]\0", 4, "t.json", &d), ZN_ERR_FORMAT);
    ZT_ERR(zn_json_parse("[1, 2]", 4, "t.json", &d), ZN_ERR_FORMAT);
    ZT_ERR(zn_json_parse(NULL, 3, "t.json", &d), ZN_ERR_INVALID_ARG);
}

static void test_depth(void) {
    char text[2 * ZN_JSON_MAX_DEPTH + 8];
    for (int depth = ZN_JSON_MAX_DEPTH; depth <= ZN_JSON_MAX_DEPTH + 1; depth++) {
        size_t n = 0;
        for (int i = 0; i < depth; i++) text[n++] = '[';
        for (int i = 0; i < depth; i++) text[n++] = ']';
        zn_json_doc *d = NULL;
        zn_status s = zn_json_parse(text, n, "deep", &d);
        if (depth <= ZN_JSON_MAX_DEPTH) {
            ZT_CHECK(s == ZN_OK);
        } else {
            ZT_CHECK(s == ZN_ERR_FORMAT && strstr(zn_last_error(), "nested deeper than 64"));
        }
        zn_json_free(d);
    }
}

static void test_budget(void) {
    /* 2 bytes of text per value, ~100 bytes of DOM: the budget stops it. */
    size_t n = 200001;
    char *text = malloc(n + 2);
    text[0] = '[';
    for (size_t i = 1; i < n; i += 2) text[i] = '0', text[i + 1] = ',';
    text[n - 1] = ']';
    zn_json_doc *d = NULL;
    ZT_ERR(zn_json_parse_budget(text, n, "big.json", (size_t)1 << 20, &d), ZN_ERR_BUDGET);
    ZT_CHECK(d == NULL && strstr(zn_last_error(), "big.json: the JSON needs more than 1048576 bytes"));
    ZT_OK(zn_json_parse_budget(text, n, "big.json", (size_t)1 << 26, &d));
    ZT_CHECK(d && zn_json_root(d)->count == 100000);
    zn_json_free(d);
    free(text);
}

static char *emit_sample(void) {
    zn_json_writer w;
    zn_jw_init(&w);
    zn_jw_begin_object(&w);
    zn_jw_key(&w, "name");
    zn_jw_string(&w, "q\"b\\s/\b\f\n\r\t\x01\x1f\x7f caf\xc3\xa9 \xf0\x9f\x98\x80");
    zn_jw_key(&w, "nums");
    zn_jw_begin_array(&w);
    zn_jw_int(&w, INT64_MIN);
    zn_jw_int(&w, 0);
    zn_jw_double(&w, 0.1);
    zn_jw_double(&w, -0.0);
    zn_jw_double(&w, 1e-300);
    zn_jw_double(&w, 3.141592653589793);
    zn_jw_double(&w, 1e21);
    zn_jw_end_array(&w);
    zn_jw_key(&w, "flags");
    zn_jw_begin_array(&w);
    zn_jw_bool(&w, 1);
    zn_jw_bool(&w, 0);
    zn_jw_null(&w);
    zn_jw_begin_object(&w);
    zn_jw_end_object(&w);
    zn_jw_end_array(&w);
    zn_jw_key(&w, "nul");
    zn_jw_string_len(&w, "a\0b", 3);
    zn_jw_end_object(&w);
    char *text = NULL;
    size_t len = 0;
    ZT_OK(zn_jw_finish(&w, &text, &len));
    ZT_CHECK(text && strlen(text) == len);
    return text;
}

static void test_emit_round_trip(void) {
    char *text = emit_sample();
    if (!text) return;
    ZT_CHECK(strstr(text, "\\u0001\\u001f") && strstr(text, "\\\"") && strstr(text, "\\b\\f\\n\\r\\t"));
    ZT_CHECK(strstr(text, "[-9223372036854775808,0,0.1,-0,1e-300,3.141592653589793,1e+21]"));
    zn_json_doc *d = parse(text);
    const zn_json *r = zn_json_root(d);
    const zn_json *name = zn_json_get(r, "name"), *nums = zn_json_get(r, "nums"), *nul = zn_json_get(r, "nul");
    ZT_CHECK(name && strcmp(name->str, "q\"b\\s/\b\f\n\r\t\x01\x1f\x7f caf\xc3\xa9 \xf0\x9f\x98\x80") == 0);
    ZT_CHECK(nums && nums->count == 7 && nums->items[2].number == 0.1 && nums->items[4].number == 1e-300 &&
             nums->items[5].number == 3.141592653589793);
    ZT_CHECK(nul && nul->len == 3 && memcmp(nul->str, "a\0b", 3) == 0);
    ZT_CHECK(zn_json_get(r, "flags") && zn_json_get(r, "flags")->count == 4);
    zn_json_free(d);
    zn_free(text);
}

static void test_emit_errors(void) {
    zn_json_writer w;
    char *text = NULL;
    size_t len = 0;
    zn_jw_init(&w);
    zn_jw_begin_array(&w);
    zn_jw_double(&w, NAN);
    zn_jw_end_array(&w);
    ZT_ERR(zn_jw_finish(&w, &text, &len), ZN_ERR_INVALID_ARG);
    ZT_CHECK(strstr(zn_last_error(), "NaN"));
    zn_jw_init(&w);
    zn_jw_key(&w, "k");
    ZT_ERR(zn_jw_finish(&w, &text, &len), ZN_ERR_INVALID_ARG);
    zn_jw_init(&w);
    zn_jw_begin_object(&w);
    zn_jw_int(&w, 1); /* a value with no key */
    ZT_ERR(zn_jw_finish(&w, &text, &len), ZN_ERR_INVALID_ARG);
    zn_jw_init(&w);
    zn_jw_begin_object(&w);
    zn_jw_end_array(&w);
    ZT_ERR(zn_jw_finish(&w, &text, &len), ZN_ERR_INVALID_ARG);
    zn_jw_init(&w);
    zn_jw_begin_array(&w);
    ZT_ERR(zn_jw_finish(&w, &text, &len), ZN_ERR_INVALID_ARG);
    zn_jw_init(&w);
    zn_jw_string(&w, "\xc0\x80");
    ZT_ERR(zn_jw_finish(&w, &text, &len), ZN_ERR_INVALID_ARG);
    ZT_CHECK(strstr(zn_last_error(), "UTF-8"));
    zn_jw_init(&w);
    for (int i = 0; i < ZN_JSON_MAX_DEPTH + 1; i++) zn_jw_begin_array(&w);
    ZT_ERR(zn_jw_finish(&w, &text, &len), ZN_ERR_INVALID_ARG);
    ZT_CHECK(text == NULL);
    /* An empty writer gives an empty text. */
    zn_jw_init(&w);
    ZT_OK(zn_jw_finish(&w, &text, &len));
    ZT_CHECK(text && len == 0 && text[0] == '\0');
    zn_free(text);
}

static void test_locale(void) {
    /* A decimal-comma locale, when the machine has one, must not change JSON. */
    const char *names[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "ru_RU.UTF-8"};
    const char *got = NULL;
    for (size_t i = 0; i < 4 && !got; i++) got = setlocale(LC_NUMERIC, names[i]);
    zn_json_doc *d = parse("[1.5, 2e-1]");
    ZT_CHECK(zn_json_root(d)->items[0].number == 1.5 && zn_json_root(d)->items[1].number == 0.2);
    zn_json_free(d);
    zn_json_writer w;
    zn_jw_init(&w);
    zn_jw_double(&w, 0.5);
    char *text = NULL;
    size_t len = 0;
    ZT_OK(zn_jw_finish(&w, &text, &len));
    ZT_CHECK(text && strcmp(text, "0.5") == 0);
    zn_free(text);
    setlocale(LC_NUMERIC, "C");
    if (!got) fprintf(stderr, "(no decimal-comma locale installed; checked in C only)\n");
}

int main(void) {
    ZT_RUN(test_values);
    ZT_RUN(test_strings);
    ZT_RUN(test_malformed);
    ZT_RUN(test_depth);
    ZT_RUN(test_budget);
    ZT_RUN(test_emit_round_trip);
    ZT_RUN(test_emit_errors);
    ZT_RUN(test_locale);
    return zt_finish();
}
