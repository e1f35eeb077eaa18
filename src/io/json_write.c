/* The JSON emitter: compact output, commas placed from a bit per open
 * container, strings validated as UTF-8 and escaped, doubles written with
 * the fewest digits that read back to the same value. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/internal.h"
#include "base/number.h"
#include "io/json.h"

void zn_jw_init(zn_json_writer *w) { memset(w, 0, sizeof *w); }

void zn_jw_discard(zn_json_writer *w) {
    zn_free(w->buf);
    zn_jw_init(w);
}

static void set_error(zn_json_writer *w, zn_status s, const char *what) {
    if (w->status != ZN_OK) return;
    w->status = zn_error(s, "JSON writer: %s", what);
    snprintf(w->error, sizeof w->error, "JSON writer: %s", what);
}

static void append(zn_json_writer *w, const char *s, size_t n) {
    if (w->status != ZN_OK) return;
    if (n + 1 > w->cap - w->len) {
        size_t cap = w->cap ? w->cap : 256;
        while (n + 1 > cap - w->len) {
            if (cap > SIZE_MAX / 2) {
                set_error(w, ZN_ERR_OVERFLOW, "text too long");
                return;
            }
            cap *= 2;
        }
        char *grown = zn_realloc(w->buf, cap);
        if (!grown) {
            set_error(w, ZN_ERR_OUT_OF_MEMORY, "out of memory");
            return;
        }
        w->buf = grown;
        w->cap = cap;
    }
    memcpy(w->buf + w->len, s, n);
    w->len += n;
    w->buf[w->len] = '\0';
}

static uint64_t bit(int depth) { return (uint64_t)1 << (depth - 1); }

/* Commas and the key rule before any value; 0 when nothing may be written. */
static int begin_value(zn_json_writer *w) {
    if (w->status != ZN_OK) return 0;
    if (w->after_key) {
        w->after_key = 0;
        return 1;
    }
    if (w->depth > 0) {
        if (w->is_object & bit(w->depth)) {
            set_error(w, ZN_ERR_INVALID_ARG, "a value in an object needs a key first");
            return 0;
        }
        if (w->has_items & bit(w->depth)) append(w, ",", 1);
        w->has_items |= bit(w->depth);
    }
    return w->status == ZN_OK;
}

static void open_container(zn_json_writer *w, int object) {
    if (!begin_value(w)) return;
    if (w->depth >= ZN_JSON_MAX_DEPTH) {
        set_error(w, ZN_ERR_INVALID_ARG, "nested too deep");
        return;
    }
    w->depth++;
    if (object)
        w->is_object |= bit(w->depth);
    else
        w->is_object &= ~bit(w->depth);
    w->has_items &= ~bit(w->depth);
    append(w, object ? "{" : "[", 1);
}

static void close_container(zn_json_writer *w, int object) {
    if (w->status != ZN_OK) return;
    if (w->depth == 0 || w->after_key || !(w->is_object & bit(w->depth)) != !object) {
        set_error(w, ZN_ERR_INVALID_ARG, "unbalanced end of object or array");
        return;
    }
    w->depth--;
    append(w, object ? "}" : "]", 1);
}

void zn_jw_begin_object(zn_json_writer *w) { open_container(w, 1); }
void zn_jw_end_object(zn_json_writer *w) { close_container(w, 1); }
void zn_jw_begin_array(zn_json_writer *w) { open_container(w, 0); }
void zn_jw_end_array(zn_json_writer *w) { close_container(w, 0); }

static void put_string(zn_json_writer *w, const char *s, size_t len) {
    if (!s && len) {
        set_error(w, ZN_ERR_INVALID_ARG, "NULL string");
        return;
    }
    if (!zn_utf8_valid(s, len)) {
        set_error(w, ZN_ERR_INVALID_ARG, "a string is not valid UTF-8");
        return;
    }
    append(w, "\"", 1);
    size_t run = 0; /* bytes copied as they are, flushed before each escape */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;
        char hex[8];
        switch (c) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        default:
            if (c < 0x20) {
                snprintf(hex, sizeof hex, "\\u%04x", c);
                esc = hex;
            }
        }
        if (!esc) continue;
        append(w, s + run, i - run);
        append(w, esc, strlen(esc));
        run = i + 1;
    }
    append(w, s + run, len - run);
    append(w, "\"", 1);
}

void zn_jw_key(zn_json_writer *w, const char *key) {
    if (w->status != ZN_OK) return;
    if (!key) {
        set_error(w, ZN_ERR_INVALID_ARG, "NULL key");
        return;
    }
    if (w->depth == 0 || !(w->is_object & bit(w->depth)) || w->after_key) {
        set_error(w, ZN_ERR_INVALID_ARG, "a key outside an object or after another key");
        return;
    }
    if (w->has_items & bit(w->depth)) append(w, ",", 1);
    w->has_items |= bit(w->depth);
    put_string(w, key, strlen(key));
    append(w, ":", 1);
    w->after_key = 1;
}

void zn_jw_string_len(zn_json_writer *w, const char *s, size_t len) {
    if (begin_value(w)) put_string(w, s, len);
}

void zn_jw_string(zn_json_writer *w, const char *s) {
    if (!s) {
        set_error(w, ZN_ERR_INVALID_ARG, "NULL string");
        return;
    }
    zn_jw_string_len(w, s, strlen(s));
}

void zn_jw_int(zn_json_writer *w, int64_t v) {
    if (!begin_value(w)) return;
    char buf[24];
    int n = snprintf(buf, sizeof buf, "%lld", (long long)v);
    append(w, buf, (size_t)n);
}

void zn_jw_double(zn_json_writer *w, double v) {
    if (!isfinite(v)) {
        set_error(w, ZN_ERR_INVALID_ARG, "JSON has no NaN or infinity");
        return;
    }
    if (!begin_value(w)) return;
    char buf[40];
    int n = 0;
    zn_c_locale loc; /* printf and strtod follow LC_NUMERIC; JSON wants '.' */
    zn_c_locale_enter(&loc);
    for (int prec = 1; prec <= 17; prec++) {
        n = snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (strtod(buf, NULL) == v) break;
    }
    zn_c_locale_leave(&loc);
    append(w, buf, (size_t)n);
}

void zn_jw_bool(zn_json_writer *w, int v) {
    if (begin_value(w)) append(w, v ? "true" : "false", v ? 4 : 5);
}

void zn_jw_null(zn_json_writer *w) {
    if (begin_value(w)) append(w, "null", 4);
}

void zn_jw_raw(zn_json_writer *w, const char *s, size_t len) { append(w, s, len); }

zn_status zn_jw_finish(zn_json_writer *w, char **text, size_t *len) {
    if (w->status == ZN_OK && (w->depth != 0 || w->after_key))
        set_error(w, ZN_ERR_INVALID_ARG, "an object or array was left open");
    if (w->status == ZN_OK && !w->buf) append(w, "", 0);
    zn_status s = w->status;
    if (s != ZN_OK) zn_error(s, "%s", w->error); /* other calls may have set other text since */
    if (s == ZN_OK) {
        *text = w->buf;
        *len = w->len;
        w->buf = NULL;
    }
    zn_jw_discard(w);
    return s;
}
