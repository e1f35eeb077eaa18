/* Data files of either format: FANN text or CSV, told apart by the first line. */
#include <string.h>

#include "base/file.h"
#include "data/data_internal.h"

static int is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

zn_data_format zn_dataset_guess_format(const char *text, size_t len) {
    if (!text) return ZN_DATA_CSV;
    const char *p = text, *end = text + len;
    if (len >= 3 && (unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB && (unsigned char)p[2] == 0xBF) p += 3;
    while (p < end && (is_blank(*p) || *p == '\n')) p++; /* blank lines, then the line's indent */
    const char *line_end = p;
    while (line_end < end && *line_end != '\n' && *line_end != '\r') line_end++;
    int words = 0, tab = 0;
    for (const char *q = p; q < line_end; q++) {
        if (*q == ',' || *q == ';') return ZN_DATA_CSV;
        tab |= *q == '\t';
        if (!is_blank(*q) && (q == p || is_blank(q[-1]))) words++;
    }
    if (p == line_end) return ZN_DATA_CSV; /* empty: the CSV reader says so */
    /* A first word made of number characters ("4", "-4", "4.5", "1e3"). */
    int number_like = 0;
    for (const char *q = p; q < line_end && !is_blank(*q); q++) {
        char c = *q;
        number_like = (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
        if (!number_like) break;
    }
    if (number_like && *p != 'e' && *p != 'E') return ZN_DATA_FANN;
    return words >= 2 && !tab ? ZN_DATA_FANN : ZN_DATA_CSV;
}

zn_status zn_dataset_load(const char *path, const zn_csv_opts *opts, zn_dataset **out) {
    if (!path || !out) return zn_error(ZN_ERR_INVALID_ARG, "zn_dataset_load: NULL argument");
    *out = NULL;
    zn_csv_opts o = opts ? *opts : zn_csv_opts_default();
    char *text;
    size_t len;
    zn_status s = zn_file_read(path, o.load.max_bytes > 0 ? o.load.max_bytes : ZN_DEFAULT_MAX_FILE_BYTES, &text, &len);
    if (s != ZN_OK) return s;
    if (zn_dataset_guess_format(text, len) == ZN_DATA_CSV) {
        s = zn_dataset_parse_csv(text, len, path, &o, out);
    } else if (o.targets && o.n_targets > 0) {
        s = zn_error(ZN_ERR_INVALID_ARG,
                     "%s: FANN data has no column names, so target column '%s' cannot be chosen (its header says "
                     "which values are outputs)",
                     path, o.targets[0] ? o.targets[0] : "(null)");
    } else {
        s = zn_dataset_parse_fann(text, len, path, &o.load, out);
    }
    zn_free(text);
    return s;
}
