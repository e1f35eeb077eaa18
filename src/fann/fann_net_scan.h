/* A cursor over FANN .net text, shared by the reader's parts. It reads what
 * fscanf would in fann_create_from_file (keys in a fixed order, whitespace
 * free between tokens) but checks every token and reports file, line and
 * field. It never reads outside [p, end). */
#ifndef ZN_FANN_NET_SCAN_H
#define ZN_FANN_NET_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "base/internal.h"

/* FANN's fann_errno_enum values (fann_error.h) that reading can set. */
enum {
    ZN_FANN_E_NO_ERROR = 0,
    ZN_FANN_E_CANT_OPEN_CONFIG_R = 1,
    ZN_FANN_E_WRONG_CONFIG_VERSION = 3,
    ZN_FANN_E_CANT_READ_CONFIG = 4,
    ZN_FANN_E_CANT_READ_NEURON = 5,
    ZN_FANN_E_CANT_READ_CONNECTIONS = 6,
    ZN_FANN_E_WRONG_NUM_CONNECTIONS = 7,
    ZN_FANN_E_CANT_ALLOCATE_MEM = 11,
};

typedef struct zn_net_scan {
    const char *p, *end;
    const char *name; /* for messages */
    long line;
    int fann_errno; /* what FANN would report for the first error */
    int fixed;      /* FANN_FIX_*: weights are integers scaled by 2^decimal_point */
    float multiplier;
} zn_net_scan;

/* Sets the error (ZN_ERR_FORMAT unless status says otherwise) as
 * "name:line: field 'field': detail" and remembers fann_errno. */
zn_status zn_net_fail(zn_net_scan *s, int fann_errno, const char *field, const char *fmt, ...) ZN_PRINTF(4, 5);

void zn_net_skip_space(zn_net_scan *s);
/* After whitespace: `literal` exactly (e.g. "num_layers="); 0 if not there. */
int zn_net_accept(zn_net_scan *s, const char *literal);
/* After whitespace: `literal`, else an error naming field. */
zn_status zn_net_expect(zn_net_scan *s, const char *literal, const char *field, int fann_errno);
/* After whitespace: a non-negative integer <= UINT32_MAX. */
zn_status zn_net_uint(zn_net_scan *s, const char *field, int fann_errno, uint32_t *out);
/* After whitespace: a finite float, or in a fixed-point file (when
 * `scaled`) an integer divided by the multiplier, as fixedfann reads it. */
zn_status zn_net_float(zn_net_scan *s, const char *field, int fann_errno, int scaled, float *out);
/* "key=" and an unsigned value / a float value. */
zn_status zn_net_key_uint(zn_net_scan *s, const char *key, uint32_t *out);
zn_status zn_net_key_float(zn_net_scan *s, const char *key, int scaled, float *out);

/* The training parameters a .net file holds, in FANN's order, with where
 * they live in zn_fnet; shared by the reader and the writer. */
typedef enum zn_net_param_kind {
    ZN_NET_F32,    /* float written with %f */
    ZN_NET_SCALED, /* float written with %.20e, or as an integer in a fixed-point file */
    ZN_NET_U32,    /* uint32_t */
    ZN_NET_ENUM,   /* an enum field, 0..max */
} zn_net_param_kind;

typedef struct zn_net_param {
    const char *key;
    zn_net_param_kind kind;
    size_t offset;
    unsigned max; /* ZN_NET_ENUM only */
} zn_net_param;

enum { ZN_NET_N_PARAMS = 26 };
extern const zn_net_param zn_net_params[ZN_NET_N_PARAMS];

/* FANN 2.2's activations are 0..17; later FANNs add 18 and 19 (linear piece
 * rect and leaky), which zenn also runs. */
enum { ZN_NET_MAX_ACT = 19 };

#endif
