/* The .net reader's cursor: tokens, numbers and messages. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "base/number.h"
#include "fann/fann_net_scan.h"
#include "fann/fnet_internal.h"

_Static_assert(sizeof(zn_fnet_kind) == sizeof(int) && sizeof(zn_algo) == sizeof(int) &&
                   sizeof(zn_fnet_errfn) == sizeof(int) && sizeof(zn_stop) == sizeof(int),
               "enum fields are read and written as int");

#define P(key, kind, max)                                                                                              \
    { #key, kind, offsetof(zn_fnet, key), max }
const zn_net_param zn_net_params[ZN_NET_N_PARAMS] = {
    P(learning_rate, ZN_NET_F32, 0),
    P(connection_rate, ZN_NET_F32, 0),
    {"network_type", ZN_NET_ENUM, offsetof(zn_fnet, kind), ZN_FNET_SHORTCUT},
    P(learning_momentum, ZN_NET_F32, 0),
    P(training_algorithm, ZN_NET_ENUM, ZN_ALGO_SARPROP),
    P(train_error_function, ZN_NET_ENUM, ZN_FNET_ERRFN_TANH),
    P(train_stop_function, ZN_NET_ENUM, ZN_STOP_BIT),
    P(cascade_output_change_fraction, ZN_NET_F32, 0),
    P(quickprop_decay, ZN_NET_F32, 0),
    P(quickprop_mu, ZN_NET_F32, 0),
    P(rprop_increase_factor, ZN_NET_F32, 0),
    P(rprop_decrease_factor, ZN_NET_F32, 0),
    P(rprop_delta_min, ZN_NET_F32, 0),
    P(rprop_delta_max, ZN_NET_F32, 0),
    P(rprop_delta_zero, ZN_NET_F32, 0),
    P(cascade_output_stagnation_epochs, ZN_NET_U32, 0),
    P(cascade_candidate_change_fraction, ZN_NET_F32, 0),
    P(cascade_candidate_stagnation_epochs, ZN_NET_U32, 0),
    P(cascade_max_out_epochs, ZN_NET_U32, 0),
    P(cascade_min_out_epochs, ZN_NET_U32, 0),
    P(cascade_max_cand_epochs, ZN_NET_U32, 0),
    P(cascade_min_cand_epochs, ZN_NET_U32, 0),
    P(cascade_num_candidate_groups, ZN_NET_U32, 0),
    P(bit_fail_limit, ZN_NET_SCALED, 0),
    P(cascade_candidate_limit, ZN_NET_SCALED, 0),
    P(cascade_weight_multiplier, ZN_NET_SCALED, 0),
};
#undef P

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

/* A number token ends where FANN's formats put a separator. */
static int ends_token(char c) { return is_space(c) || c == ',' || c == '(' || c == ')'; }

zn_status zn_net_fail(zn_net_scan *s, int fann_errno, const char *field, const char *fmt, ...) {
    char detail[192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    if (s->fann_errno == ZN_FANN_E_NO_ERROR) s->fann_errno = fann_errno;
    return zn_error(ZN_ERR_FORMAT, "%s:%ld: field '%s': %s", s->name, s->line, field, detail);
}

void zn_net_skip_space(zn_net_scan *s) {
    while (s->p < s->end && is_space(*s->p)) {
        if (*s->p == '\n') s->line++;
        s->p++;
    }
}

int zn_net_accept(zn_net_scan *s, const char *literal) {
    zn_net_skip_space(s);
    size_t n = strlen(literal);
    if ((size_t)(s->end - s->p) < n || memcmp(s->p, literal, n) != 0) return 0;
    s->p += n;
    return 1;
}

/* What is at the cursor, quoted for a message. */
static void found(const zn_net_scan *s, char *out, size_t cap) {
    if (s->p >= s->end) {
        snprintf(out, cap, "the end of the file");
        return;
    }
    size_t j = 0;
    out[j++] = '\'';
    for (const char *q = s->p; q < s->end && j + 5 < cap && *q != '\n'; q++)
        out[j++] = (*q >= 32 && *q < 127) ? *q : '?';
    if (j + 5 >= cap) out[j++] = '.', out[j++] = '.', out[j++] = '.';
    out[j++] = '\'';
    out[j] = '\0';
}

zn_status zn_net_expect(zn_net_scan *s, const char *literal, const char *field, int fann_errno) {
    if (zn_net_accept(s, literal)) return ZN_OK;
    char f[48];
    found(s, f, sizeof f);
    return zn_net_fail(s, fann_errno, field, "expected '%s', found %s", literal, f);
}

/* The token at the cursor (after whitespace); its length may be 0. */
static const char *token(zn_net_scan *s, size_t *len) {
    zn_net_skip_space(s);
    const char *t = s->p;
    while (s->p < s->end && !ends_token(*s->p)) s->p++;
    *len = (size_t)(s->p - t);
    return t;
}

static zn_status not_a_number(zn_net_scan *s, const char *t, size_t len, const char *field, int fann_errno,
                              const char *what) {
    s->p = t;
    char f[48];
    found(s, f, sizeof f);
    (void)len;
    return zn_net_fail(s, fann_errno, field, "expected %s, found %s", what, f);
}

zn_status zn_net_uint(zn_net_scan *s, const char *field, int fann_errno, uint32_t *out) {
    size_t len;
    const char *t = token(s, &len);
    int64_t v;
    if (len > 0 && t[0] == '-' && len > 1 && t[1] >= '0' && t[1] <= '9')
        return zn_net_fail(s, fann_errno, field, "%.*s is negative", (int)(len < 24 ? len : 24), t);
    if (!zn_parse_count(t, len, &v)) return not_a_number(s, t, len, field, fann_errno, "a number");
    if (v > (int64_t)UINT32_MAX) return zn_net_fail(s, fann_errno, field, "%lld is too large", (long long)v);
    *out = (uint32_t)v;
    return ZN_OK;
}

/* A fixed-point file's integer: FANN writes some with %u, so values up to
 * 2^32 - 1 are accepted and wrap to negative as fixedfann's %d read does. */
static int parse_fixed(const char *t, size_t len, int32_t *out) {
    int neg = len > 0 && t[0] == '-';
    int64_t v;
    if (!zn_parse_count(t + neg, len - (size_t)neg, &v) || v > (int64_t)UINT32_MAX) return 0;
    if (neg) {
        if (v > (int64_t)1 << 31) return 0;
        v = -v;
    }
    *out = (int32_t)(uint32_t)(v & 0xffffffff);
    return 1;
}

zn_status zn_net_float(zn_net_scan *s, const char *field, int fann_errno, int scaled, float *out) {
    size_t len;
    const char *t = token(s, &len);
    if (scaled && s->fixed) {
        int32_t iv;
        if (!parse_fixed(t, len, &iv)) return not_a_number(s, t, len, field, fann_errno, "an integer");
        *out = (float)iv / s->multiplier;
        return ZN_OK;
    }
    float v; /* the caller has entered the C locale for the whole parse */
    if (!zn_parse_float(t, len, &v)) return not_a_number(s, t, len, field, fann_errno, "a number");
    if (!isfinite(v)) return zn_net_fail(s, fann_errno, field, "%.*s is not finite", (int)(len < 24 ? len : 24), t);
    *out = v;
    return ZN_OK;
}

static zn_status key(zn_net_scan *s, const char *name) {
    char lit[64];
    snprintf(lit, sizeof lit, "%s=", name);
    if (zn_net_accept(s, lit)) return ZN_OK;
    char f[48];
    found(s, f, sizeof f);
    return zn_net_fail(s, ZN_FANN_E_CANT_READ_CONFIG, name, "missing: expected '%s', found %s", lit, f);
}

/* A key's value runs to the end of its line: "0,7" is not 0 followed by junk. */
static zn_status whole_value(zn_net_scan *s, const char *start, const char *name, zn_status st) {
    if (st != ZN_OK || s->p >= s->end || is_space(*s->p)) return st;
    return not_a_number(s, start, 0, name, ZN_FANN_E_CANT_READ_CONFIG, "a number");
}

zn_status zn_net_key_uint(zn_net_scan *s, const char *name, uint32_t *out) {
    zn_status st = key(s, name);
    if (st != ZN_OK) return st;
    const char *start = s->p;
    return whole_value(s, start, name, zn_net_uint(s, name, ZN_FANN_E_CANT_READ_CONFIG, out));
}

zn_status zn_net_key_float(zn_net_scan *s, const char *name, int scaled, float *out) {
    zn_status st = key(s, name);
    if (st != ZN_OK) return st;
    const char *start = s->p;
    return whole_value(s, start, name, zn_net_float(s, name, ZN_FANN_E_CANT_READ_CONFIG, scaled, out));
}
