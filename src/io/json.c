/* The strict JSON parser. Values are built on a scratch stack and copied
 * into the document's arena when their container closes, so the DOM is a
 * few compact arrays and the whole document is freed at once. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/internal.h"
#include "base/number.h"
#include "io/json.h"

struct zn_json_doc {
    zn_arena *arena;
    zn_json root;
};

typedef struct parser {
    const char *text;
    size_t len, pos;
    const char *name;
    zn_arena *arena;
    zn_json *stack; /* members of the containers being parsed */
    size_t top, cap;
    size_t budget; /* 0: none */
    zn_c_locale loc;
    int in_c_locale;
} parser;

static zn_status fail(parser *p, size_t at, const char *fmt, ...) ZN_PRINTF(3, 4);
static zn_status fail(parser *p, size_t at, const char *fmt, ...) {
    char reason[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    if (at > p->len) at = p->len;
    long long line = 1, col = 1;
    for (size_t i = 0; i < at; i++) {
        if (p->text[i] == '\n')
            line++, col = 1;
        else
            col++;
    }
    return zn_error(ZN_ERR_FORMAT, "%s: invalid JSON at line %lld, column %lld (byte %zu): %s", p->name, line, col, at,
                    reason);
}

/* A character for a message: itself when printable ASCII, else its hex. */
static void show_char(unsigned char c, char out[8]) {
    if (c >= 0x20 && c < 0x7f)
        snprintf(out, 8, "'%c'", c);
    else
        snprintf(out, 8, "0x%02x", c);
}

static zn_status push(parser *p, const zn_json *v) {
    if (p->top == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 64;
        if (p->budget && (zn_arena_reserved(p->arena) > p->budget ||
                          cap * sizeof *p->stack > p->budget - zn_arena_reserved(p->arena)))
            return zn_error(ZN_ERR_BUDGET, "%s: the JSON needs more than %zu bytes of memory to parse", p->name,
                            p->budget);
        zn_json *grown = zn_realloc(p->stack, cap * sizeof *grown);
        if (!grown) return zn_error(ZN_ERR_OUT_OF_MEMORY, "%s: out of memory parsing JSON", p->name);
        p->stack = grown;
        p->cap = cap;
    }
    p->stack[p->top++] = *v;
    return ZN_OK;
}

static void skip_ws(parser *p) {
    while (p->pos < p->len) {
        char c = p->text[p->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
        p->pos++;
    }
}

/* ---- UTF-8 ---------------------------------------------------------------- */

static size_t put_utf8(uint32_t cp, char *out) {
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* ---- strings --------------------------------------------------------------- */

/* Four hex digits at text[at..at+4) before `end`; -1 when not. */
static long hex4(const parser *p, size_t at, size_t end) {
    if (at + 4 > end) return -1;
    long v = 0;
    for (size_t i = at; i < at + 4; i++) {
        char c = p->text[i];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0) return -1;
        v = v * 16 + d;
    }
    return v;
}

static zn_status parse_string(parser *p, zn_json *out) {
    size_t start = p->pos, end = start + 1;
    /* Find the closing quote first: the decoded text is never longer than the raw. */
    while (end < p->len && p->text[end] != '"') end += p->text[end] == '\\' ? 2 : 1;
    if (end >= p->len) return fail(p, start, "unterminated string");
    char *dst;
    zn_status s = zn_arena_alloc(p->arena, end - start, 1, (void **)&dst);
    if (s != ZN_OK) return s;
    size_t n = 0, i = start + 1;
    while (i < end) {
        unsigned char c = (unsigned char)p->text[i];
        if (c < 0x20) return fail(p, i, "control character 0x%02x in a string (it must be escaped)", c);
        if (c >= 0x80) {
            size_t k = zn_utf8_seq((const unsigned char *)p->text + i, end - i);
            if (!k) return fail(p, i, "invalid UTF-8 in a string");
            memcpy(dst + n, p->text + i, k);
            n += k, i += k;
            continue;
        }
        if (c != '\\') {
            dst[n++] = (char)c;
            i++;
            continue;
        }
        char e = p->text[i + 1];
        switch (e) {
        case '"': dst[n++] = '"'; break;
        case '\\': dst[n++] = '\\'; break;
        case '/': dst[n++] = '/'; break;
        case 'b': dst[n++] = '\b'; break;
        case 'f': dst[n++] = '\f'; break;
        case 'n': dst[n++] = '\n'; break;
        case 'r': dst[n++] = '\r'; break;
        case 't': dst[n++] = '\t'; break;
        case 'u': {
            long u = hex4(p, i + 2, end);
            if (u < 0) return fail(p, i, "\\u must be followed by four hex digits");
            uint32_t cp = (uint32_t)u;
            if (cp >= 0xDC00 && cp <= 0xDFFF) return fail(p, i, "\\u%04lX is a low surrogate without a high one", u);
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                long lo = (i + 7 < end && p->text[i + 6] == '\\' && p->text[i + 7] == 'u') ? hex4(p, i + 8, end) : -1;
                if (lo < 0xDC00 || lo > 0xDFFF)
                    return fail(p, i, "\\u%04lX is a high surrogate not followed by a low one", u);
                cp = 0x10000 + ((cp - 0xD800) << 10) + ((uint32_t)lo - 0xDC00);
                i += 6;
            }
            n += put_utf8(cp, dst + n);
            i += 4; /* plus the 2 below */
            break;
        }
        default: {
            char ch[8];
            show_char((unsigned char)e, ch);
            return fail(p, i, "invalid escape \\ followed by %s", ch);
        }
        }
        i += 2;
    }
    dst[n] = '\0';
    memset(out, 0, sizeof *out);
    out->type = ZN_JSON_STRING;
    out->offset = start;
    out->str = dst;
    out->len = n;
    p->pos = end + 1;
    return ZN_OK;
}

/* ---- numbers and literals ------------------------------------------------------ */

static int is_digit(char c) { return c >= '0' && c <= '9'; }

static zn_status parse_number(parser *p, zn_json *out) {
    const char *t = p->text;
    size_t start = p->pos, i = start;
    int neg = 0, integral = 1;
    if (i < p->len && t[i] == '-') neg = 1, i++;
    if (i >= p->len || !is_digit(t[i])) return fail(p, i, "expected a digit");
    if (t[i] == '0' && i + 1 < p->len && is_digit(t[i + 1])) return fail(p, i, "leading zeros are not allowed");
    uint64_t mag = 0;
    int overflow = 0;
    while (i < p->len && is_digit(t[i])) {
        unsigned d = (unsigned)(t[i] - '0');
        if (mag > (UINT64_MAX - d) / 10)
            overflow = 1;
        else
            mag = mag * 10 + d;
        i++;
    }
    if (i < p->len && t[i] == '.') {
        integral = 0;
        if (++i >= p->len || !is_digit(t[i])) return fail(p, i, "expected a digit after '.'");
        while (i < p->len && is_digit(t[i])) i++;
    }
    if (i < p->len && (t[i] == 'e' || t[i] == 'E')) {
        integral = 0;
        i++;
        if (i < p->len && (t[i] == '+' || t[i] == '-')) i++;
        if (i >= p->len || !is_digit(t[i])) return fail(p, i, "expected a digit in the exponent");
        while (i < p->len && is_digit(t[i])) i++;
    }
    /* strtod needs a terminated copy, and the C locale when there is a '.'. */
    size_t n = i - start;
    char small[64], *buf = small;
    if (n >= sizeof small && !(buf = zn_alloc(n + 1)))
        return zn_error(ZN_ERR_OUT_OF_MEMORY, "%s: out of memory parsing JSON", p->name);
    memcpy(buf, t + start, n);
    buf[n] = '\0';
    if (!integral && !p->in_c_locale) {
        zn_c_locale_enter(&p->loc);
        p->in_c_locale = 1;
    }
    double v = strtod(buf, NULL);
    if (buf != small) zn_free(buf);
    if (!isfinite(v)) return fail(p, start, "number out of range");
    memset(out, 0, sizeof *out);
    out->type = ZN_JSON_NUMBER;
    out->offset = start;
    out->number = v;
    if (integral && !overflow && mag <= (neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX)) {
        out->is_int = 1;
        out->integer = neg ? (mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag) : (int64_t)mag;
    }
    p->pos = i;
    return ZN_OK;
}

static zn_status parse_literal(parser *p, zn_json *out) {
    static const struct {
        const char *word;
        zn_json_type type;
        int value;
    } lits[] = {{"true", ZN_JSON_BOOL, 1}, {"false", ZN_JSON_BOOL, 0}, {"null", ZN_JSON_NULL, 0}};
    for (size_t k = 0; k < sizeof lits / sizeof lits[0]; k++) {
        size_t n = strlen(lits[k].word);
        if (p->len - p->pos >= n && memcmp(p->text + p->pos, lits[k].word, n) == 0) {
            memset(out, 0, sizeof *out);
            out->type = lits[k].type;
            out->boolean = lits[k].value;
            out->offset = p->pos;
            p->pos += n;
            return ZN_OK;
        }
    }
    return fail(p, p->pos, "invalid literal (expected true, false or null)");
}

/* ---- containers ------------------------------------------------------------------ */

static zn_status parse_value(parser *p, int depth, zn_json *out);

static int key_cmp(const void *a, const void *b) {
    const zn_json *x = *(const zn_json *const *)a, *y = *(const zn_json *const *)b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->str, y->str, n);
    if (c) return c;
    return x->len < y->len ? -1 : x->len > y->len;
}

/* Moves the top `count` stack entries (objects: key, value, key, ...) into the arena. */
static zn_status close_container(parser *p, size_t base, int object, zn_json *out) {
    size_t entries = p->top - base, count = object ? entries / 2 : entries;
    zn_json *items = NULL, *keys = NULL;
    const zn_json **by_key = NULL;
    zn_status s = zn_arena_alloc(p->arena, count * sizeof *items, _Alignof(zn_json), (void **)&items);
    if (s == ZN_OK && object) s = zn_arena_alloc(p->arena, count * sizeof *keys, _Alignof(zn_json), (void **)&keys);
    if (s == ZN_OK && object)
        s = zn_arena_alloc(p->arena, count * sizeof *by_key, _Alignof(zn_json *), (void **)&by_key);
    if (s != ZN_OK) return s;
    for (size_t k = 0; k < count; k++) {
        if (object) {
            keys[k] = p->stack[base + 2 * k];
            items[k] = p->stack[base + 2 * k + 1];
            by_key[k] = &keys[k];
        } else {
            items[k] = p->stack[base + k];
        }
    }
    p->top = base;
    if (object && count > 1) {
        /* Sorting finds duplicates in n log n, however many keys a hostile file has. */
        qsort(by_key, count, sizeof *by_key, key_cmp);
        for (size_t k = 1; k < count; k++) {
            if (key_cmp(&by_key[k - 1], &by_key[k]) == 0) {
                const zn_json *dup = by_key[k]->offset > by_key[k - 1]->offset ? by_key[k] : by_key[k - 1];
                char shown[64];
                size_t n = dup->len < 40 ? dup->len : 40;
                for (size_t c = 0; c < n; c++)
                    shown[c] = (dup->str[c] >= 0x20 && dup->str[c] < 0x7f) ? dup->str[c] : '?';
                memcpy(shown + n, dup->len > n ? "..." : "", dup->len > n ? 4 : 1);
                return fail(p, dup->offset, "duplicate key \"%s\"", shown);
            }
        }
    }
    out->count = count;
    out->items = items;
    out->keys = keys;
    out->by_key = by_key;
    return ZN_OK;
}

static zn_status parse_container(parser *p, int depth, zn_json *out) {
    int object = p->text[p->pos] == '{';
    char close = object ? '}' : ']';
    memset(out, 0, sizeof *out);
    out->type = object ? ZN_JSON_OBJECT : ZN_JSON_ARRAY;
    out->offset = p->pos;
    if (depth >= ZN_JSON_MAX_DEPTH) return fail(p, p->pos, "nested deeper than %d levels", ZN_JSON_MAX_DEPTH);
    p->pos++;
    size_t base = p->top;
    skip_ws(p);
    if (p->pos < p->len && p->text[p->pos] == close) {
        p->pos++;
        return close_container(p, base, object, out);
    }
    for (;;) {
        zn_json v;
        zn_status s;
        skip_ws(p);
        if (object) {
            if (p->pos >= p->len || p->text[p->pos] != '"')
                return fail(p, p->pos, "expected a string key in an object");
            if ((s = parse_string(p, &v)) != ZN_OK || (s = push(p, &v)) != ZN_OK) return s;
            skip_ws(p);
            if (p->pos >= p->len || p->text[p->pos] != ':') return fail(p, p->pos, "expected ':' after an object key");
            p->pos++;
        }
        if ((s = parse_value(p, depth + 1, &v)) != ZN_OK || (s = push(p, &v)) != ZN_OK) return s;
        skip_ws(p);
        if (p->pos < p->len && p->text[p->pos] == ',') {
            p->pos++;
            continue;
        }
        if (p->pos < p->len && p->text[p->pos] == close) {
            p->pos++;
            return close_container(p, base, object, out);
        }
        return fail(p, p->pos, object ? "expected ',' or '}' in an object" : "expected ',' or ']' in an array");
    }
}

static zn_status parse_value(parser *p, int depth, zn_json *out) {
    skip_ws(p);
    if (p->pos >= p->len) return fail(p, p->pos, "unexpected end of text, expected a value");
    char c = p->text[p->pos];
    if (c == '{' || c == '[') return parse_container(p, depth, out);
    if (c == '"') return parse_string(p, out);
    if (c == '-' || is_digit(c)) return parse_number(p, out);
    if (c == 't' || c == 'f' || c == 'n') return parse_literal(p, out);
    char ch[8];
    show_char((unsigned char)c, ch);
    return fail(p, p->pos, "unexpected %s, expected a value", ch);
}

zn_status zn_json_parse(const char *text, size_t len, const char *name, zn_json_doc **out) {
    return zn_json_parse_budget(text, len, name, 0, out);
}

zn_status zn_json_parse_budget(const char *text, size_t len, const char *name, size_t budget, zn_json_doc **out) {
    if (!out || (!text && len)) return zn_error(ZN_ERR_INVALID_ARG, "zn_json_parse: NULL argument");
    *out = NULL;
    zn_json_doc *doc = zn_calloc(1, sizeof *doc);
    if (!doc) return ZN_ERR_OUT_OF_MEMORY;
    zn_status s = zn_arena_create(budget, &doc->arena);
    if (s != ZN_OK) {
        zn_free(doc);
        return s;
    }
    parser p = {
        .text = text ? text : "", .len = len, .name = name ? name : "<json>", .arena = doc->arena, .budget = budget};
    s = parse_value(&p, 0, &doc->root);
    if (s == ZN_OK) {
        skip_ws(&p);
        if (p.pos < p.len) s = fail(&p, p.pos, "unexpected text after the value");
    }
    if (s == ZN_ERR_BUDGET) /* also from the arena, whose message names no file */
        s = zn_error(ZN_ERR_BUDGET, "%s: the JSON needs more than %zu bytes of memory to parse", p.name, budget);
    if (p.in_c_locale) zn_c_locale_leave(&p.loc);
    zn_free(p.stack);
    if (s != ZN_OK) {
        zn_json_free(doc);
        return s;
    }
    *out = doc;
    return ZN_OK;
}

const zn_json *zn_json_root(const zn_json_doc *doc) { return doc ? &doc->root : NULL; }

void zn_json_free(zn_json_doc *doc) {
    if (!doc) return;
    zn_arena_free(doc->arena);
    zn_free(doc);
}

const zn_json *zn_json_get(const zn_json *v, const char *key) {
    if (!v || v->type != ZN_JSON_OBJECT || !key) return NULL;
    zn_json probe = {.type = ZN_JSON_STRING, .str = key, .len = strlen(key)};
    const zn_json *pp = &probe;
    size_t lo = 0, hi = v->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = key_cmp(&v->by_key[mid], &pp);
        if (c == 0) return &v->items[v->by_key[mid] - v->keys];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

int zn_json_int(const zn_json *v, int64_t *out) {
    if (!v || v->type != ZN_JSON_NUMBER || !v->is_int) return 0;
    *out = v->integer;
    return 1;
}

const char *zn_json_type_name(zn_json_type type) {
    switch (type) {
    case ZN_JSON_NULL: return "null";
    case ZN_JSON_BOOL: return "a boolean";
    case ZN_JSON_NUMBER: return "a number";
    case ZN_JSON_STRING: return "a string";
    case ZN_JSON_ARRAY: return "an array";
    case ZN_JSON_OBJECT: return "an object";
    }
    return "unknown";
}
