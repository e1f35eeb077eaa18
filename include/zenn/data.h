/* Datasets in memory, and the files they come from: FANN's training-data
 * text format (.data/.train/.test) both ways, and CSV with a header.
 *
 * Every loader checks every count and number against the file and reports
 * the first problem as a status with a message naming the file, the line and
 * the field ("digits.csv:12: field 3 ('pixel_2'): 'abc' is not a number").
 * NaN and Inf values are rejected unless the options allow them. Numbers are
 * read in the C locale whatever the process's locale is. */
#ifndef ZENN_DATA_H
#define ZENN_DATA_H

#include "zenn/base.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum zn_target_kind {
    ZN_TARGET_AUTO = 0,   /* decide from the column (see zn_csv_opts.kind) */
    ZN_TARGET_REGRESSION, /* numeric targets, used as they are */
    ZN_TARGET_CLASSES,    /* one target column of labels, one-hot encoded */
} zn_target_kind;

/* Rows of inputs and outputs, both row-major float matrices. Names are
 * optional (NULL when the file had none). For classification data loaded
 * from a CSV, the class column is one-hot encoded: n_out == n_classes and
 * class_names[j] is the label of output j; `labels` holds each row's class
 * index too, and with zn_csv_opts.labels_only it is the only copy (y NULL,
 * 4 bytes a row instead of 4 * n_classes). */
typedef struct zn_dataset {
    int64_t rows;
    int64_t n_in, n_out;
    float *x;           /* rows * n_in */
    float *y;           /* rows * n_out, or NULL when only labels are kept */
    char **in_names;    /* n_in names or NULL */
    char **out_names;   /* n_out names or NULL */
    int64_t n_classes;  /* 0 for regression */
    char **class_names; /* n_classes labels or NULL */
    int32_t *labels;    /* rows class indexes in [0, n_classes), or NULL */
    /* What a CSV loader made of the target: ZN_TARGET_REGRESSION or
     * ZN_TARGET_CLASSES (ZN_TARGET_AUTO for data that did not say), and why,
     * in words for a user ("labels that are not numbers"). */
    zn_target_kind target_kind;
    char target_reason[128];
} zn_dataset;

/* A dataset of the given size with zeroed values and no names. */
ZN_API zn_status zn_dataset_create(int64_t rows, int64_t n_in, int64_t n_out, zn_dataset **out);
ZN_API void zn_dataset_free(zn_dataset *d); /* NULL is a no-op */
ZN_API zn_status zn_dataset_copy(const zn_dataset *d, zn_dataset **out);

/* Rows [begin, end) as a new dataset (names and classes copied). */
ZN_API zn_status zn_dataset_slice(const zn_dataset *d, int64_t begin, int64_t end, zn_dataset **out);

/* Shuffles rows in place (Fisher-Yates with the given generator). */
ZN_API zn_status zn_dataset_shuffle(zn_dataset *d, zn_rng *rng);

/* The first round(rows * fraction) rows, and the rest. fraction in [0, 1]. */
ZN_API zn_status zn_dataset_split(const zn_dataset *d, double fraction, zn_dataset **first, zn_dataset **second);

/* Rows [begin, end) of a class dataset's targets as one-hot floats into out
 * ((end - begin) * n_classes), from `labels`: for callers that keep only the
 * indexes (labels_only) and want one batch of one-hot targets. */
ZN_API zn_status zn_dataset_onehot(const zn_dataset *d, int64_t begin, int64_t end, float *out);

/* Reorders a classification dataset's one-hot columns to follow `names`
 * (the classes a model was trained on). A label of d that is not among
 * `names` is an error naming it; classes of `names` absent from d are fine.
 * A one-column numeric dataset (a small test file whose few integer labels
 * read as regression) becomes classes by value: target 3 is class "3". */
ZN_API zn_status zn_dataset_align_classes(zn_dataset *d, char *const *names, int64_t n_names);

typedef struct zn_load_opts {
    int allow_nan;     /* accept nan/inf values (and empty CSV fields, as NaN) */
    int64_t max_bytes; /* refuse larger files; 0: 4 GiB */
    /* Refuse (ZN_ERR_BUDGET, naming what takes the room) data that would
     * hold more bytes than this: the dataset's x, y and labels, and a CSV
     * reader's buffers while it reads. 0: no limit. */
    int64_t max_memory;
} zn_load_opts;

/* The bytes a dataset of this shape holds (x, y unless labels_only for
 * classes, labels for classes); -1 for negative sizes. */
ZN_API int64_t zn_dataset_estimate_bytes(int64_t rows, int64_t n_in, int64_t n_out, int64_t n_classes, int labels_only);

ZN_API zn_load_opts zn_load_opts_default(void);

/* FANN text format: "rows n_in n_out", then per row a line of n_in inputs
 * and a line of n_out outputs (whitespace-separated; any line breaks). */
ZN_API zn_status zn_dataset_load_fann(const char *path, const zn_load_opts *opts, zn_dataset **out);
/* The same from memory; `name` is used in messages. */
ZN_API zn_status zn_dataset_parse_fann(const char *text, size_t len, const char *name, const zn_load_opts *opts,
                                       zn_dataset **out);
/* Writes FANN text (atomically: a temporary file, fsync, rename). Values are
 * written with enough digits to read back exactly. */
ZN_API zn_status zn_dataset_save_fann(const zn_dataset *d, const char *path);

/* ZN_TARGET_AUTO decides as a person would, and says why in target_reason:
 *  - one target column whose cells are mostly not numbers: class labels;
 *  - numbers with a few cells that are not (a stray "n/a", "inf", "1e400" or
 *    empty cell): an error naming the row and column of the first one;
 *  - integers with at most ZN_AUTO_MAX_INT_CLASSES distinct values, each seen
 *    ZN_AUTO_ROWS_PER_CLASS times on average (or at most two values): classes
 *    (digits' 0..9, FANN's 0/1 labels);
 *  - anything else, and several target columns: regression (the diabetes
 *    set's 214 distinct integers in 442 rows). */
#define ZN_AUTO_MAX_INT_CLASSES 20
#define ZN_AUTO_ROWS_PER_CLASS 5

typedef struct zn_csv_opts {
    zn_load_opts load;
    char delimiter;             /* 0: guess from the header (',', ';', tab) */
    const char *const *targets; /* target column names; NULL: the last column */
    int n_targets;
    zn_target_kind kind;
    int labels_only; /* classes: keep only d->labels, leave d->y NULL */
} zn_csv_opts;

ZN_API zn_csv_opts zn_csv_opts_default(void);

/* CSV with a header row. Input columns must be numeric; target columns are
 * numeric (regression) or labels (classification, one-hot). Quoted fields
 * ("a,b", "say ""hi""") are understood; empty lines are skipped; LF, CRLF
 * and CR line ends and a UTF-8 byte order mark are accepted. Column names
 * must be distinct, names and labels valid UTF-8. An empty field is an error
 * (NaN when allow_nan). Messages name the file, the line, and the column by
 * number and name: "d.csv:12: field 3 ('pixel_2'): 'abc' is not a number". */
ZN_API zn_status zn_dataset_load_csv(const char *path, const zn_csv_opts *opts, zn_dataset **out);
ZN_API zn_status zn_dataset_parse_csv(const char *text, size_t len, const char *name, const zn_csv_opts *opts,
                                      zn_dataset **out);

/* ---- either format -------------------------------------------------------- */

typedef enum zn_data_format {
    ZN_DATA_CSV = 0,
    ZN_DATA_FANN,
} zn_data_format;

/* Which loader a file's text is for, from its first line that is not blank
 * (after a UTF-8 byte order mark): a line with ',' or ';' is CSV; one whose
 * first word is made of number characters ("4", "-4", "4.5", "1e3") is a
 * FANN header, as is one of several space-separated words ("four 2 1");
 * anything else (a tab-separated header "1st<TAB>y") is CSV. A malformed FANN header is thus reported by the FANN
 * reader, which says what is wrong with it. */
ZN_API zn_data_format zn_dataset_guess_format(const char *text, size_t len);

/* Loads FANN data or a CSV as zn_dataset_guess_format says. CSV options
 * that need column names (targets) are an error for FANN data; opts->load
 * applies to both. */
ZN_API zn_status zn_dataset_load(const char *path, const zn_csv_opts *opts, zn_dataset **out);

/* ---- scaling --------------------------------------------------------------- */

typedef enum zn_scale_kind {
    ZN_SCALE_NONE = 0,
    ZN_SCALE_RANGE,    /* map each column's [min, max] to [lo, hi] (FANN's scaling) */
    ZN_SCALE_STANDARD, /* subtract the mean, divide by the standard deviation */
} zn_scale_kind;

/* A per-column affine map v' = v * mul[j] + add[j], fitted on data and saved
 * with a model. A constant column maps to the middle of the range (or 0). */
typedef struct zn_scaler {
    zn_scale_kind kind;
    int64_t cols;
    float lo, hi; /* the target range of ZN_SCALE_RANGE */
    float *mul, *add;
} zn_scaler;

ZN_API zn_status zn_scaler_fit(zn_scale_kind kind, float lo, float hi, const float *x, int64_t rows, int64_t cols,
                               zn_scaler **out);
ZN_API void zn_scaler_free(zn_scaler *s);
ZN_API zn_status zn_scaler_apply(const zn_scaler *s, float *x, int64_t rows);   /* in place */
ZN_API zn_status zn_scaler_inverse(const zn_scaler *s, float *x, int64_t rows); /* in place */

#ifdef __cplusplus
}
#endif
#endif /* ZENN_DATA_H */
