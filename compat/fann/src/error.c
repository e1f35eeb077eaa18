/* FANN's error reporting: codes, messages and error logs.
 *
 * The default log is per thread (libfann keeps one process-wide variable):
 * a thread that sets it with fann_set_error_log(NULL, f) changes where its
 * own later errors and objects log, and no other thread's. */
#include <stdlib.h>
#include <string.h>

#include "fann_compat.h"

#define ZF_ERRSTR_CAP (FANN_ERRSTR_MAX + 4096)

/* (FILE *)-1 means stderr, as in libfann. */
static _Thread_local FILE *zf_default_log = (FILE *)-1;
/* What fann_get_errstr returned last on this thread (libfann returns a
 * string it has already freed; this one stays valid until the next call). */
static _Thread_local char zf_returned_errstr[ZF_ERRSTR_CAP];
/* This thread's stream of seeds and shuffles. */
static _Thread_local zn_rng zf_rng;
static _Thread_local int zf_rng_ready;

FILE **fann_default_error_log_slot(void) { return &zf_default_log; }

static zn_rng *thread_rng(void) {
    if (!zf_rng_ready) {
        zn_rng_seed(&zf_rng, ZF_DEFAULT_SEED);
        zf_rng_ready = 1;
    }
    return &zf_rng;
}

uint64_t zf_next_seed(void) { return zn_rng_next(thread_rng()); }

uint64_t zf_rand_below(uint64_t n) { return zn_rng_below(thread_rng(), n); }

void zf_init_error(struct fann_error *errdat) {
    errdat->errno_f = FANN_E_NO_ERROR;
    errdat->error_log = zf_default_log;
    errdat->errstr = NULL;
}

/* FANN 2.2's message for each code; the arguments follow the format. */
static const char *message_format(enum fann_errno_enum code) {
    switch (code) {
    case FANN_E_NO_ERROR: return NULL;
    case FANN_E_CANT_OPEN_CONFIG_R: return "Unable to open configuration file \"%s\" for reading.\n";
    case FANN_E_CANT_OPEN_CONFIG_W: return "Unable to open configuration file \"%s\" for writing.\n";
    case FANN_E_WRONG_CONFIG_VERSION:
        return "Wrong version of configuration file, aborting read of configuration file \"%s\".\n";
    case FANN_E_CANT_READ_CONFIG: return "Error reading \"%s\" from configuration file \"%s\".\n";
    case FANN_E_CANT_READ_NEURON: return "Error reading neuron info from configuration file \"%s\".\n";
    case FANN_E_CANT_READ_CONNECTIONS: return "Error reading connections from configuration file \"%s\".\n";
    case FANN_E_WRONG_NUM_CONNECTIONS: return "ERROR connections_so_far=%d, total_connections=%d\n";
    case FANN_E_CANT_OPEN_TD_W: return "Unable to open train data file \"%s\" for writing.\n";
    /* libfann 2.2 says "writing" here too; kept so logs compare equal */
    case FANN_E_CANT_OPEN_TD_R: return "Unable to open train data file \"%s\" for writing.\n";
    case FANN_E_CANT_READ_TD: return "Error reading info from train data file \"%s\", line: %d.\n";
    case FANN_E_CANT_ALLOCATE_MEM: return "Unable to allocate memory.\n";
    case FANN_E_CANT_TRAIN_ACTIVATION: return "Unable to train with the selected activation function.\n";
    case FANN_E_CANT_USE_ACTIVATION: return "Unable to use the selected activation function.\n";
    case FANN_E_TRAIN_DATA_MISMATCH: return "Training data must be of equivalent structure.\n";
    case FANN_E_CANT_USE_TRAIN_ALG: return "Unable to use the selected training algorithm.\n";
    case FANN_E_TRAIN_DATA_SUBSET: return "Subset from %d of length %d not valid in training set of length %d.\n";
    case FANN_E_INDEX_OUT_OF_BOUND: return "Index %d is out of bound.\n";
    case FANN_E_SCALE_NOT_PRESENT: return "Scaling parameters not present.\n";
    case FANN_E_INPUT_NO_MATCH: return "The number of input neurons in the ann (%d) and data (%d) don't match\n";
    case FANN_E_OUTPUT_NO_MATCH: return "The number of output neurons in the ann (%d) and data (%d) don't match\n";
    }
    return "Unknown error.\n";
}

#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#endif
void zf_error(struct fann_error *errdat, enum fann_errno_enum code, ...) {
    if (errdat) errdat->errno_f = code;
    const char *fmt = message_format(code);
    if (!fmt) return;
    char text[ZF_ERRSTR_CAP];
    va_list ap;
    va_start(ap, code);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);

    FILE *log = zf_default_log;
    if (errdat) {
        size_t n = strlen(text) + 1;
        char *s = realloc(errdat->errstr, n); /* malloc'ed: programs may free it as with libfann */
        if (s) {
            memcpy(s, text, n);
            errdat->errstr = s;
        }
        log = errdat->error_log;
    }
    if (log == (FILE *)-1)
        fprintf(stderr, "FANN Error %d: %s", (int)code, text);
    else if (log)
        fprintf(log, "FANN Error %d: %s", (int)code, text);
}
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

void zf_engine_error(struct fann *ann, zn_status status, enum fann_errno_enum fallback) {
    zf_error((struct fann_error *)ann, status == ZN_ERR_OUT_OF_MEMORY ? FANN_E_CANT_ALLOCATE_MEM : fallback);
}

void fann_set_error_log(struct fann_error *errdat, FILE *log_file) {
    if (errdat)
        errdat->error_log = log_file;
    else
        zf_default_log = log_file;
}

enum fann_errno_enum fann_get_errno(struct fann_error *errdat) { return errdat ? errdat->errno_f : FANN_E_NO_ERROR; }

void fann_reset_errno(struct fann_error *errdat) {
    if (errdat) errdat->errno_f = FANN_E_NO_ERROR;
}

void fann_reset_errstr(struct fann_error *errdat) {
    if (!errdat) return;
    free(errdat->errstr);
    errdat->errstr = NULL;
}

char *fann_get_errstr(struct fann_error *errdat) {
    if (!errdat) return NULL;
    char *s = errdat->errstr;
    char *ret = NULL;
    if (s) {
        size_t n = strlen(s);
        if (n >= sizeof zf_returned_errstr) n = sizeof zf_returned_errstr - 1;
        memcpy(zf_returned_errstr, s, n);
        zf_returned_errstr[n] = '\0';
        ret = zf_returned_errstr;
    }
    fann_reset_errno(errdat);
    fann_reset_errstr(errdat);
    return ret;
}

void fann_print_error(struct fann_error *errdat) {
    if (errdat && errdat->errno_f != FANN_E_NO_ERROR && errdat->errstr)
        fprintf(stderr, "FANN Error %d: %s", (int)errdat->errno_f, errdat->errstr);
}
