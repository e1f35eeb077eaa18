/* The table-driven option parser (see cli_opts.h). */
#include <string.h>

#include "cli_opts.h"
#include "cli_util.h"

/* The table row for an argument ("--epochs", "--epochs=5", "-o"), or -1.
 * *value is set to the text after '=' when there is one. */
static int find_opt(const cli_parse *p, const char *arg, const char **value) {
    const char *eq = strncmp(arg, "--", 2) ? NULL : strchr(arg, '=');
    size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
    *value = eq ? eq + 1 : NULL;
    for (int i = 0; i < p->n_opts; i++) {
        const cli_opt *o = &p->opts[i];
        if (o->kind == CLI_SECTION) continue;
        if ((strlen(o->name) == len && !strncmp(o->name, arg, len)) || (o->alias && !eq && !strcmp(o->alias, arg)))
            return i;
    }
    return -1;
}

static int store(const cli_opt *o, const char *v, void *dst) {
    char *base = dst;
    switch (o->kind) {
    case CLI_FLAG: *(int *)(base + o->at) = (int)o->lo; return 1;
    case CLI_STR: *(const char **)(base + o->at) = v; return 1;
    case CLI_INT: return cli_int(o->name, v, (long long)o->lo, (long long)o->hi, (long long *)(base + o->at));
    case CLI_INT32: {
        long long n;
        if (!cli_int(o->name, v, (long long)o->lo, (long long)o->hi, &n)) return 0;
        *(int *)(base + o->at) = (int)n;
        return 1;
    }
    case CLI_CALL: return o->call(dst, v);
    case CLI_CALL_OPT: break; /* cli_opts_parse calls it with the next argument */
    case CLI_FLOAT: return cli_float(o->name, v, o->lo, o->hi, (double *)(base + o->at));
    case CLI_SIZES: {
        int n = cli_int_list(o->name, v, (int64_t *)(base + o->at), o->max);
        *(int *)(base + o->count_at) = n;
        return n > 0;
    }
    case CLI_STR_LIST: {
        int *n = (int *)(base + o->count_at);
        if (*n >= o->max) return !cli_error("%s may be given at most %d times", o->name, o->max);
        ((const char **)(base + o->at))[(*n)++] = v;
        return 1;
    }
    case CLI_SECTION: break;
    }
    return 0;
}

int cli_opts_parse(cli_parse *p, int argc, char **argv, void *dst) {
    p->n_positional = 0;
    memset(p->given, 0, sizeof p->given);
    if (p->n_opts > CLI_MAX_OPTS) return cli_error("%s: too many options in the table", p->cmd), CLI_PARSE_ERROR;
    int options_end = 0;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (!options_end && (!strcmp(arg, "-h") || !strcmp(arg, "--help"))) return CLI_PARSE_HELP;
        if (!options_end && !strcmp(arg, "--")) {
            options_end = 1;
            continue;
        }
        if (options_end || arg[0] != '-' || !arg[1]) { /* "-" alone is stdin, a positional */
            if (p->n_positional == p->max_positional) {
                cli_error("%s takes %d file argument%s; '%s' is extra", p->cmd, p->max_positional,
                          p->max_positional == 1 ? "" : "s", arg);
                return CLI_PARSE_ERROR;
            }
            p->positional[p->n_positional++] = arg;
            continue;
        }
        const char *v;
        int k = find_opt(p, arg, &v);
        if (k < 0) {
            cli_error("unknown option '%s' for %s (try zenn %s --help)", arg, p->cmd, p->cmd);
            return CLI_PARSE_ERROR;
        }
        const cli_opt *o = &p->opts[k];
        int flag = o->kind == CLI_FLAG || (o->kind == CLI_CALL && !o->arg);
        if (flag && v) {
            cli_error("%s takes no value", o->name);
            return CLI_PARSE_ERROR;
        }
        if (p->given[k] && o->kind != CLI_STR_LIST && !flag) {
            cli_error("%s is given twice", o->name);
            return CLI_PARSE_ERROR;
        }
        if (o->kind == CLI_CALL_OPT) {
            const char *next = v ? v : i + 1 < argc ? argv[i + 1] : NULL;
            int took = o->call(dst, next);
            if (!took) return CLI_PARSE_ERROR;
            if (v && took != CLI_TOOK) return cli_error("%s does not take '%s'", o->name, v), CLI_PARSE_ERROR;
            if (!v && took == CLI_TOOK) i++;
        } else {
            if (!flag && !v && !(v = cli_value(argc, argv, &i))) return CLI_PARSE_ERROR;
            if (!store(o, v, dst)) return CLI_PARSE_ERROR;
        }
        if (p->given[k] < 255) p->given[k]++;
    }
    return CLI_PARSE_OK;
}

int cli_opts_given(const cli_parse *p, const char *name) {
    for (int i = 0; i < p->n_opts; i++)
        if (p->opts[i].kind != CLI_SECTION && !strcmp(p->opts[i].name, name)) return p->given[i] > 0;
    return 0;
}

const char *cli_opts_first_given(const cli_parse *p, unsigned tags) {
    for (int i = 0; i < p->n_opts; i++)
        if (p->given[i] && (p->opts[i].tags & tags)) return p->opts[i].name;
    return NULL;
}

/* Prints text from column `indent` on, breaking lines between words before `width`. */
static void wrap(FILE *f, const char *text, int indent, int width) {
    int col = indent - 1, start = 1; /* the option's column ends one before the text */
    const char *p = text;
    while (*p) {
        size_t word = strcspn(p, " ");
        if (!start && col + 1 + (int)word > width) {
            fprintf(f, "\n%*s", indent - 1, "");
            col = indent - 1;
        }
        col += fprintf(f, " %.*s", (int)word, p);
        start = 0;
        p += word;
        while (*p == ' ') p++;
    }
    fputc('\n', f);
}

void cli_opts_help(FILE *f, const cli_opt *opts, int n_opts) {
    for (int i = 0; i < n_opts; i++) {
        const cli_opt *o = &opts[i];
        if (o->kind == CLI_SECTION) {
            fprintf(f, "\n%s:\n", o->name);
            continue;
        }
        if (!o->help) continue;
        char left[64];
        snprintf(left, sizeof left, "%s%s%s%s%s", o->alias ? o->alias : "", o->alias ? ", " : "", o->name,
                 o->arg ? " " : "", o->arg ? o->arg : "");
        fprintf(f, "  %-24s", left);
        wrap(f, o->help, 27, 100);
    }
}
