/* A strict JSON (RFC 8259) parser into a small read-only DOM, and an
 * emitter. Internal to the library: the safetensors header and the model's
 * architecture metadata both use it.
 *
 * Strict means: one value and then only whitespace; strings are valid UTF-8
 * with no raw control characters and no lone surrogates in \u escapes;
 * numbers follow the JSON grammar exactly (no leading zeros, no "1.", no
 * hex, no NaN); duplicate keys in one object and nesting deeper than
 * ZN_JSON_MAX_DEPTH are errors. */
#ifndef ZN_IO_JSON_H
#define ZN_IO_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "base/internal.h" /* zn_utf8_valid */
#include "zenn/base.h"

#define ZN_JSON_MAX_DEPTH 64

typedef enum zn_json_type {
    ZN_JSON_NULL = 0,
    ZN_JSON_BOOL,
    ZN_JSON_NUMBER,
    ZN_JSON_STRING,
    ZN_JSON_ARRAY,
    ZN_JSON_OBJECT,
} zn_json_type;

/* One value. Everything it points to lives in its document. */
typedef struct zn_json zn_json;
struct zn_json {
    zn_json_type type;
    size_t offset;                /* byte offset of the value in the parsed text, for messages */
    int boolean;                  /* BOOL */
    int is_int;                   /* NUMBER written without fraction or exponent that fits int64 */
    int64_t integer;              /* NUMBER with is_int */
    double number;                /* NUMBER (finite) */
    const char *str;              /* STRING: UTF-8, NUL-terminated; may also hold NULs (\u0000) */
    size_t len;                   /* STRING: bytes, without the terminator */
    size_t count;                 /* ARRAY elements or OBJECT members */
    const zn_json *items;         /* ARRAY elements, OBJECT values, in document order */
    const zn_json *keys;          /* OBJECT keys (STRING values), parallel to items */
    const zn_json *const *by_key; /* OBJECT keys sorted bytewise, for lookups */
};

typedef struct zn_json_doc zn_json_doc;

/* Parses text[0..len). Errors are ZN_ERR_FORMAT with a message
 * "NAME: invalid JSON at line L, column C (byte B): reason". */
zn_status zn_json_parse(const char *text, size_t len, const char *name, zn_json_doc **out);
/* The same, failing with ZN_ERR_BUDGET when the document would need more than
 * budget_bytes (> 0) of memory: a value can take 2 bytes of text but ~100 of
 * DOM, so untrusted text needs a cap that does not depend on its length. */
zn_status zn_json_parse_budget(const char *text, size_t len, const char *name, size_t budget_bytes, zn_json_doc **out);
const zn_json *zn_json_root(const zn_json_doc *doc);
void zn_json_free(zn_json_doc *doc); /* NULL is a no-op */

/* The member `key` of an object; NULL when v is not an object or has no such key. */
const zn_json *zn_json_get(const zn_json *v, const char *key);
/* The integer value, when v is a NUMBER with is_int; 0 otherwise. */
int zn_json_int(const zn_json *v, int64_t *out);
/* "null", "a boolean", "a number", "a string", "an array", "an object", for messages. */
const char *zn_json_type_name(zn_json_type type);

/* ---- emitter ---------------------------------------------------------------
 * Builds compact JSON text in a growing buffer. Commas are placed for you.
 * The first error (out of memory, a string that is not UTF-8, a NaN, a key
 * outside an object, unbalanced ends) sticks: later calls do nothing and
 * zn_jw_finish returns it. */
typedef struct zn_json_writer {
    char *buf;
    size_t len, cap;
    int depth;
    uint64_t is_object; /* bit d: the container at depth d is an object */
    uint64_t has_items; /* bit d: the container at depth d has a member already */
    int after_key;      /* a key was written; its value comes next */
    zn_status status;
    char error[96]; /* the first error's text, set again by zn_jw_finish */
} zn_json_writer;

void zn_jw_init(zn_json_writer *w);
void zn_jw_begin_object(zn_json_writer *w);
void zn_jw_end_object(zn_json_writer *w);
void zn_jw_begin_array(zn_json_writer *w);
void zn_jw_end_array(zn_json_writer *w);
void zn_jw_key(zn_json_writer *w, const char *key);
void zn_jw_string(zn_json_writer *w, const char *s);
void zn_jw_string_len(zn_json_writer *w, const char *s, size_t len);
void zn_jw_int(zn_json_writer *w, int64_t v);
void zn_jw_double(zn_json_writer *w, double v); /* shortest text that reads back the same */
void zn_jw_bool(zn_json_writer *w, int v);
void zn_jw_null(zn_json_writer *w);
/* Appends raw bytes (e.g. padding spaces) outside any value. */
void zn_jw_raw(zn_json_writer *w, const char *s, size_t len);
/* Hands over the NUL-terminated text (free with zn_free) or the first error;
 * the writer is empty afterwards either way. */
zn_status zn_jw_finish(zn_json_writer *w, char **text, size_t *len);
void zn_jw_discard(zn_json_writer *w);

#endif
