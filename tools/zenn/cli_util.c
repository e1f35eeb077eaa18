/* Helpers shared by the sub-commands. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_util.h"

int cli_error(const char *fmt, ...) {
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* One line, whatever the message holds. */
    for (char *p = msg; *p; p++)
        if (*p == '\n' || *p == '\r') *p = ' ';
    fprintf(stderr, "zenn: error: %s\n", msg);
    return 1;
}

int cli_fail(zn_status s) {
    const char *m = zn_last_error();
    return cli_error("%s", m && *m ? m : zn_status_str(s));
}

const char *cli_value(int argc, char **argv, int *i) {
    if (*i + 1 >= argc) {
        cli_error("%s expects a value", argv[*i]);
        return NULL;
    }
    return argv[++*i];
}

int cli_int(const char *opt, const char *text, long long lo, long long hi, long long *out) {
    char *end = NULL;
    errno = 0;
    long long v = text ? strtoll(text, &end, 10) : 0;
    if (!text || !*text || *end || errno || v < lo || v > hi) {
        cli_error("%s expects an integer in [%lld, %lld], got '%s'", opt, lo, hi, text ? text : "");
        return 0;
    }
    *out = v;
    return 1;
}

int cli_float(const char *opt, const char *text, double lo, double hi, double *out) {
    char *end = NULL;
    double v = text ? strtod(text, &end) : NAN;
    if (!text || !*text || *end || !(v >= lo && v <= hi)) {
        cli_error("%s expects a number in [%g, %g], got '%s'", opt, lo, hi, text ? text : "");
        return 0;
    }
    *out = v;
    return 1;
}

int cli_int_list(const char *opt, const char *text, int64_t *out, int max) {
    int n = 0;
    const char *p = text;
    while (p && *p) {
        char *end = NULL;
        errno = 0;
        long long v = strtoll(p, &end, 10);
        if (end == p || errno || v < 1 || v > (1LL << 24) || (*end && *end != ',') || n == max) {
            cli_error("%s expects up to %d positive sizes separated by commas, got '%s'", opt, max, text);
            return 0;
        }
        out[n++] = v;
        p = *end ? end + 1 : end;
        if (*end && !*p) {
            cli_error("%s: '%s' ends with a comma", opt, text);
            return 0;
        }
    }
    if (n == 0) cli_error("%s expects sizes like 784,128,10", opt);
    return n;
}

/* A well-formed FANN data file: three integers alone on the first line. zenn
 * run reads other files as rows; loaders use zn_dataset_load's own guess, so
 * a malformed FANN header is still reported as one. */
int cli_is_fann_file(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    char line[256];
    int fann = 0;
    if (fgets(line, sizeof line, f)) {
        long long a, b, c;
        char extra;
        fann = sscanf(line, "%lld %lld %lld %c", &a, &b, &c, &extra) == 3 && a >= 0 && b > 0 && c >= 0;
    }
    fclose(f);
    return fann;
}

zn_status cli_load_data(const char *path, const cli_data_opts *o, zn_dataset **out) {
    zn_csv_opts co = zn_csv_opts_default();
    co.load.allow_nan = o->allow_nan;
    co.load.max_memory = o->max_memory;
    co.labels_only = o->labels_only;
    co.targets = o->targets;
    co.n_targets = o->n_targets;
    co.kind = o->kind;
    return zn_dataset_load(path, &co, out);
}

int cli_stderr_is_tty(void) { return isatty(2); }
