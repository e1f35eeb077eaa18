/* Helpers shared by the sub-commands: errors, option values, data files. */
#ifndef ZN_CLI_UTIL_H
#define ZN_CLI_UTIL_H

#include <stdio.h>

#include "zenn/zenn.h"

/* Prints "zenn: error: ..." as one line on stderr; returns the exit status 1. */
int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same with the library's message for a failed call. */
int cli_fail(zn_status s);

/* Option values: print the error and return 0 when the text is not valid. */
int cli_int(const char *opt, const char *text, long long lo, long long hi, long long *out);
int cli_float(const char *opt, const char *text, double lo, double hi, double *out);
/* "784,128,10" into sizes; returns the count or 0 after an error. */
int cli_int_list(const char *opt, const char *text, int64_t *out, int max);

/* The next argument as the value of `opt`, or an error when there is none. */
const char *cli_value(int argc, char **argv, int *i);

typedef struct cli_data_opts {
    const char *const *targets;
    int n_targets;
    int allow_nan;
    zn_target_kind kind;
    int64_t max_memory; /* bytes the loaded data may hold; 0: no limit */
    int labels_only;    /* class targets as per-row indexes, no one-hot matrix */
} cli_data_opts;

/* Loads a FANN data file or a CSV with a header, as zn_dataset_load
 * guesses from the first line; targets on FANN data are an error. */
zn_status cli_load_data(const char *path, const cli_data_opts *o, zn_dataset **out);
int cli_is_fann_file(const char *path);

int cli_stderr_is_tty(void);

#endif
