/* zenn run MODEL [INPUT|-]: outputs for each input row, as CSV. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/file.h"
#include "cli.h"
#include "cli_net.h"
#include "cli_util.h"
#include "data/data_internal.h"

/* Reads all of stdin. */
static char *read_stdin(size_t *len) {
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    for (size_t got; buf && (got = fread(buf + n, 1, cap - n, stdin)) > 0;) {
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

static int is_sep(char c) { return c == ',' || c == ';' || c == ' ' || c == '\t' || c == '\r'; }

/* Rows of `cols` numbers separated by commas, semicolons or blanks; a first
 * line that is not numbers is a header. */
static int parse_rows(const char *text, const char *name, int64_t cols, float **x, int64_t *rows) {
    size_t cap = 1024, n = 0;
    float *v = malloc(cap * sizeof(float));
    if (!v) return cli_error("out of memory");
    int64_t line = 0, r = 0;
    const char *p = text;
    while (*p) {
        const char *end = strchr(p, '\n');
        if (!end) end = p + strlen(p);
        line++;
        int64_t fields = 0, numeric = 1;
        size_t start_n = n;
        for (const char *q = p; q < end;) {
            while (q < end && is_sep(*q)) q++;
            if (q >= end) break;
            const char *f = q;
            while (q < end && !is_sep(*q)) q++;
            size_t len = (size_t)(q - f);
            float val = 0;
            if (!zn_parse_float(f, len, &val) || !isfinite(val)) {
                if (line == 1 && r == 0) {
                    numeric = 0; /* a header */
                    break;
                }
                free(v);
                return cli_error("%s:%lld: field %lld: '%.*s' is not a finite number", name, (long long)line,
                                 (long long)fields + 1, (int)(len > 40 ? 40 : len), f);
            }
            if (n == cap) {
                float *grown = realloc(v, cap * 2 * sizeof(float));
                if (!grown) {
                    free(v);
                    return cli_error("out of memory");
                }
                v = grown;
                cap *= 2;
            }
            v[n++] = val;
            fields++;
        }
        if (!numeric)
            n = start_n;
        else if (fields != 0 && fields != cols) {
            free(v);
            return cli_error("%s:%lld: %lld values, the model takes %lld inputs", name, (long long)line,
                             (long long)fields, (long long)cols);
        } else if (fields)
            r++;
        p = *end ? end + 1 : end;
    }
    *x = v;
    *rows = r;
    return 0;
}

int zn_cmd_run(int argc, char **argv) {
    const char *model_path = NULL, *input = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            printf("usage: zenn run MODEL [INPUT|-]\n\nPrints one CSV row of outputs per input row (a class label is\n"
                   "added for classifiers). INPUT is a FANN data file or rows of numbers separated by commas or\n"
                   "blanks, with an optional header; - or nothing reads standard input.\n");
            return 0;
        }
        if (argv[i][0] == '-' && argv[i][1]) return cli_error("unknown option '%s' for run", argv[i]) + 1;
        if (!model_path)
            model_path = argv[i];
        else if (!input)
            input = argv[i];
        else
            return cli_error("run takes MODEL and one INPUT; '%s' is extra", argv[i]) + 1;
    }
    if (!model_path) return cli_error("run needs a MODEL (try zenn run --help)") + 1;
    zn_mlp *mlp = NULL;
    zn_fnet *net = NULL; /* a FANN .net that is not an MLP */
    zn_status s = cli_load_model(model_path, &mlp, &net);
    if (s != ZN_OK) return cli_fail(s);
    int64_t nin = net ? zn_fnet_num_inputs(net) : mlp->spec.sizes[0],
            nout = net ? zn_fnet_num_outputs(net) : mlp->spec.sizes[mlp->spec.n_layers - 1], rows = 0;
    int64_t n_classes = mlp ? mlp->n_classes : 0;
    float *x = NULL;
    int rc = 0;
    if (input && strcmp(input, "-") && cli_is_fann_file(input)) {
        zn_dataset *d = NULL;
        s = zn_dataset_load_fann(input, NULL, &d);
        if (s != ZN_OK)
            rc = cli_fail(s);
        else if (d->n_in != nin)
            rc = cli_error("%s: %lld inputs, the model takes %lld", input, (long long)d->n_in, (long long)nin);
        else if ((x = malloc((size_t)(d->rows * nin) * sizeof(float) + 1))) {
            memcpy(x, d->x, (size_t)(d->rows * nin) * sizeof(float));
            rows = d->rows;
        }
        zn_dataset_free(d);
    } else {
        size_t len = 0;
        char *text = NULL;
        if (!input || !strcmp(input, "-"))
            text = read_stdin(&len);
        else if ((s = zn_file_read(input, 0, &text, &len)) != ZN_OK)
            rc = cli_fail(s);
        if (!rc && !text) rc = cli_error("cannot read the input");
        if (!rc && memchr(text, '\0', len)) rc = cli_error("%s: not a text file", input ? input : "stdin");
        if (!rc) {
            zn_c_locale loc; /* the data loaders' number parsing: C locale, no hex */
            zn_c_locale_enter(&loc);
            rc = parse_rows(text, input && strcmp(input, "-") ? input : "stdin", nin, &x, &rows);
            zn_c_locale_leave(&loc);
        }
        if (input && strcmp(input, "-"))
            zn_free(text);
        else
            free(text);
    }
    float *y = rows > 0 ? malloc((size_t)(rows * nout) * sizeof(float)) : NULL;
    if (!rc && rows > 0 && !y) rc = cli_error("out of memory");
    if (!rc && rows > 0 && net && (s = cli_net_predict(net, rows, x, y)) != ZN_OK) rc = cli_fail(s);
    if (!rc && rows > 0 && mlp && (s = cli_mlp_predict(mlp, rows, x, y)) != ZN_OK) rc = cli_fail(s);
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
