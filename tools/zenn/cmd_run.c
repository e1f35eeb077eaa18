/* zenn run MODEL [INPUT|-] [--allow-nan]: outputs for each input row, as CSV.
 *
 * The first row is a header only when it names the model's columns: with a
 * model that stores its input names, when a field is one of the model's input
 * or target names (then every input must appear once, targets are ignored and
 * any other column is an error); with a model without names, when no field is
 * empty or reads as a number, however malformed ("nan", "1e400", "0x1"). Any
 * other first row is data: every field must then be a number, so nothing is
 * dropped in silence. A model that did not record its target columns had
 * one, the default: a header one column wider than the inputs has it (the
 * column that is not an input, or the last one for a model without names). */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_columns.h"
#include "cli_net.h"
#include "cli_opts.h"
#include "cli_rows.h"
#include "cli_util.h"

/* Reads all of a stream. */
static char *read_all(FILE *in, size_t *len) {
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    for (size_t got; buf && (got = fread(buf + n, 1, cap - n, in)) > 0;) {
        n += got;
        if (n == cap) {
            char *grown = cap < ((size_t)1 << 40) ? realloc(buf, cap * 2 + 1) : NULL;
            if (!grown) {
                free(buf);
                return NULL;
            }
            buf = grown;
            cap *= 2;
        }
    }
    if (buf) buf[n] = '\0';
    *len = n;
    return buf;
}

/* A CSV field, quoted when it holds a separator or a quote. */
static void print_field(const char *s) {
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, stdout);
        return;
    }
    putchar('"');
    for (; *s; s++) {
        if (*s == '"') putchar('"');
        putchar(*s);
    }
    putchar('"');
}

typedef struct run_model {
    int64_t n_in;
    char *const *inputs, *const *targets; /* names, or NULL */
    int64_t n_targets;
} run_model;

static int has_name(char *const *names, int64_t n, const char *s) {
    for (int64_t i = 0; names && i < n; i++)
        if (!strcmp(names[i], s)) return 1;
    return 0;
}

/* The header rule of the file comment. */
static int is_header(const cli_rows *rd, const run_model *m) {
    if (m->inputs) {
        for (size_t j = 0; j < rd->n; j++)
            if (has_name(m->inputs, m->n_in, rd->f[j].s) || has_name(m->targets, m->n_targets, rd->f[j].s)) return 1;
        return 0;
    }
    for (size_t j = 0; j < rd->n; j++)
        if (!rd->f[j].len || cli_looks_numeric(&rd->f[j])) return 0;
    return 1;
}

typedef struct floats {
    float *v;
    size_t n, cap;
} floats;

static int push_float(floats *a, float v) {
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 1024;
        float *g = realloc(a->v, cap * sizeof *g);
        if (!g) return 0;
        a->v = g;
        a->cap = cap;
    }
    a->v[a->n++] = v;
    return 1;
}

/* Maps the header's columns to the model's inputs; keeps the names for messages. */
static int read_header(const cli_rows *rd, const run_model *m, int64_t *idx, char ***names) {
    char **cols = calloc(rd->n, sizeof *cols);
    if (!cols) return cli_error("out of memory");
    for (size_t j = 0; j < rd->n; j++)
        if (!(cols[j] = strdup(rd->f[j].s))) {
            for (size_t k = 0; k < j; k++) free(cols[k]);
            free(cols);
            return cli_error("out of memory");
        }
    *names = cols;
    /* A model that did not record its targets had one, the default: with input
     * names, the one column that is not an input; without, the CSV's last column. */
    char *const *targets = m->targets;
    int64_t n_targets = m->n_targets;
    if (!targets && (int64_t)rd->n == m->n_in + 1) {
        size_t t = rd->n - 1;
        for (size_t j = 0; m->inputs && j < rd->n; j++)
            if (!has_name(m->inputs, m->n_in, cols[j])) {
                t = j;
                break;
            }
        targets = &cols[t];
        n_targets = 1;
    }
    return cli_match_columns(m->inputs, m->n_in, targets, n_targets, cols, (int64_t)rd->n, rd->name, idx);
}

static int read_table(const char *text, size_t len, const char *name, const run_model *m, int allow_nan, float **x,
                      int64_t *rows) {
    cli_rows rd;
    cli_rows_init(&rd, text, len, name);
    floats a = {0};
    int64_t *idx = malloc((size_t)m->n_in * sizeof *idx);
    char **cols = NULL;
    int64_t width = m->n_in, first_line = 0;
    int rc = idx ? 0 : cli_error("out of memory");
    int st = rc ? -1 : cli_rows_next(&rd);
    if (st == 1 && is_header(&rd, m)) {
        width = (int64_t)rd.n;
        rc = read_header(&rd, m, idx, &cols);
        st = rc ? -1 : cli_rows_next(&rd);
    } else if (st == 1) {
        first_line = rd.line;
        for (int64_t i = 0; i < m->n_in; i++) idx[i] = i;
    }
    int64_t r = 0;
    for (; st == 1 && !rc; st = cli_rows_next(&rd), r++) {
        if ((int64_t)rd.n != width) {
            rc = cli_error("%s:%lld: %zu fields, %s %lld", name, (long long)rd.line, rd.n,
                           cols ? "but the header has" : "but the model takes", (long long)width);
            break;
        }
        for (int64_t i = 0; i < m->n_in && !rc; i++) {
            const cli_field *f = &rd.f[idx[i]];
            float v = 0;
            const char *why = cli_parse_number(f, allow_nan, &v);
            if (why && !f->len)
                rc = cli_error("%s:%lld: field %lld%s%s%s is empty (--allow-nan reads it as NaN)", name,
                               (long long)rd.line, (long long)idx[i] + 1, cols ? " ('" : "", cols ? cols[idx[i]] : "",
                               cols ? "')" : "");
            else if (why)
                rc = cli_error("%s:%lld: field %lld%s%s%s: '%.*s' %s%s", name, (long long)rd.line,
                               (long long)idx[i] + 1, cols ? " ('" : "", cols ? cols[idx[i]] : "", cols ? "')" : "",
                               (int)(f->len > 40 ? 40 : f->len), f->s, why,
                               rd.line == first_line && m->inputs && !cli_looks_numeric(f)
                                   ? " (a header row must name the model's columns)"
                                   : "");
            else if (!push_float(&a, v))
                rc = cli_error("out of memory");
        }
    }
    if (st < 0) rc = 1;
    for (size_t j = 0; cols && j < (size_t)width; j++) free(cols[j]);
    free(cols);
    free(idx);
    cli_rows_free(&rd);
    if (rc) {
        free(a.v);
        return rc;
    }
    *x = a.v;
    *rows = r;
    return 0;
}

typedef struct run_args {
    int allow_nan;
} run_args;

static const cli_opt run_opts[] = {
    {"--allow-nan", NULL, CLI_FLAG, offsetof(run_args, allow_nan), 1, 0, NULL,
     "read an empty field, nan or inf as NaN (else an error naming its row and field)", 0, 0, 0, NULL},
};
#define N_RUN_OPTS ((int)(sizeof run_opts / sizeof run_opts[0]))

static int usage(void) {
    printf("usage: zenn run MODEL [INPUT|-] [--allow-nan]\n\n"
           "Prints one CSV row of outputs per input row (a class label is added for classifiers).\n"
           "INPUT is a FANN data file or rows of numbers separated by commas, tabs, semicolons or\n"
           "blanks; - or nothing reads standard input. A first row is a header when it names the\n"
           "model's columns: columns are then matched by name (a model trained on a CSV knows its\n"
           "column names), so the training CSV runs as it is, its target columns ignored. Without a\n"
           "header, columns are taken in order. An empty field or a value that is not a finite number\n"
           "is an error naming its row and field; --allow-nan reads them as NaN (nan, inf too).\n\noptions:\n");
    cli_opts_help(stdout, run_opts, N_RUN_OPTS);
    return 0;
}

int zn_cmd_run(int argc, char **argv) {
    const char *files[2] = {NULL, NULL};
    run_args a = {0};
    cli_parse p = {"run", run_opts, N_RUN_OPTS, files, 2, 0, {0}};
    int prc = cli_opts_parse(&p, argc, argv, &a);
    if (prc == CLI_PARSE_HELP) return usage();
    if (prc != CLI_PARSE_OK) return 2;
    const char *model_path = files[0], *input = files[1];
    const int allow_nan = a.allow_nan;
    if (!model_path) return cli_error("run needs a MODEL (try zenn run --help)") + 1;
    zn_mlp *mlp = NULL;
    zn_fnet *net = NULL; /* a FANN .net that is not an MLP */
    zn_status s = cli_load_model(model_path, &mlp, &net);
    if (s != ZN_OK) return cli_fail(s);
    int64_t nin = net ? zn_fnet_num_inputs(net) : zn_mlp_n_inputs(mlp),
            nout = net ? zn_fnet_num_outputs(net) : zn_mlp_n_outputs(mlp), rows = 0;
    int64_t n_classes = mlp ? mlp->n_classes : 0;
    run_model rm = {nin, mlp ? mlp->input_names : NULL, mlp ? mlp->target_names : NULL, mlp ? mlp->n_targets : 0};
    int from_stdin = !input || !strcmp(input, "-");
    const char *name = from_stdin ? "stdin" : input;
    float *x = NULL;
    int rc = 0;
    if (!from_stdin && cli_is_fann_file(input)) {
        zn_dataset *d = NULL;
        zn_load_opts lo = zn_load_opts_default();
        lo.allow_nan = allow_nan;
        s = zn_dataset_load_fann(input, &lo, &d);
        if (s != ZN_OK)
            rc = cli_fail(s);
        else if (d->n_in != nin)
            rc = cli_error("%s: %lld inputs, the model takes %lld", input, (long long)d->n_in, (long long)nin);
        else if ((x = malloc((size_t)(d->rows * nin) * sizeof(float) + 1))) {
            memcpy(x, d->x, (size_t)(d->rows * nin) * sizeof(float));
            rows = d->rows;
        } else
            rc = cli_error("out of memory");
        zn_dataset_free(d);
    } else {
        size_t len = 0;
        FILE *in = from_stdin ? stdin : fopen(input, "rb");
        int err = errno;
        char *text = in ? read_all(in, &len) : NULL;
        if (in && ferror(in)) err = errno;
        if (!in)
            rc = cli_error("%s: cannot open it: %s", input, strerror(err));
        else if (!text)
            rc = cli_error("%s: out of memory reading it", name);
        else if (ferror(in))
            rc = cli_error("%s: cannot read it: %s", name, strerror(err));
        else if (memchr(text, '\0', len))
            rc = cli_error("%s: not a text file", name);
        if (in && !from_stdin) fclose(in);
        /* Old Mac line ends: a CR that no LF follows ends a line too. */
        for (size_t i = 0; !rc && i < len; i++)
            if (text[i] == '\r' && (i + 1 == len || text[i + 1] != '\n')) text[i] = '\n';
        if (!rc) rc = read_table(text, len, name, &rm, allow_nan, &x, &rows);
        free(text);
    }
    float *y = rows > 0 ? malloc((size_t)(rows * nout) * sizeof(float)) : NULL;
    if (!rc && rows > 0 && !y) rc = cli_error("out of memory");
    if (!rc && rows > 0 && net && (s = zn_fnet_run_scaled(net, rows, x, y)) != ZN_OK) rc = cli_fail(s);
    if (!rc && rows > 0 && mlp && (s = zn_mlp_predict_rows(mlp, rows, x, y)) != ZN_OK) rc = cli_fail(s);
    if (!rc) {
        for (int64_t j = 0; j < nout; j++) {
            if (j) putchar(',');
            if (n_classes)
                print_field(mlp->class_names[j]);
            else
                printf("output%lld", (long long)j + 1);
        }
        printf(n_classes ? ",label\n" : "\n");
        for (int64_t r = 0; r < rows; r++) {
            int64_t best = 0;
            for (int64_t j = 0; j < nout; j++) {
                printf("%s%.6g", j ? "," : "", y[r * nout + j]);
                if (y[r * nout + j] > y[r * nout + best]) best = j;
            }
            if (n_classes) {
                putchar(',');
                print_field(mlp->class_names[best]);
            }
            printf("\n");
        }
    }
    free(x);
    free(y);
    zn_mlp_free(mlp);
    zn_fnet_free(net);
    return rc;
}
