/* A table-driven option parser for the zenn tool's sub-commands (and the
 * bench): each option is one row naming its spelling, its kind, where its
 * value goes in the caller's struct, its bounds and its help line, so the
 * parsing, the checks and `--help` come from the same table.
 *
 *   static const cli_opt opts[] = {
 *       {.name = "--epochs", .kind = CLI_INT, .at = offsetof(my_args, epochs), .lo = 1, .hi = 1e8,
 *        .arg = "N", .help = "maximum epochs"},
 *       ...
 *   };
 *   cli_parse p = {.cmd = "train", .opts = opts, .n_opts = n, .positional = files, .max_positional = 1};
 *   int rc = cli_opts_parse(&p, argc, argv, &args);
 *
 * Options may be written "--name value" or "--name=value"; "--" ends them. */
#ifndef ZN_CLI_OPTS_H
#define ZN_CLI_OPTS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum cli_opt_kind {
    CLI_FLAG,     /* no value: stores (int)lo in an int field */
    CLI_STR,      /* const char * */
    CLI_INT,      /* long long in [lo, hi] */
    CLI_INT32,    /* int in [lo, hi] */
    CLI_FLOAT,    /* double in [lo, hi] */
    CLI_SIZES,    /* "784,128,10" into int64_t[max]; the count goes to the int at count_at */
    CLI_STR_LIST, /* repeatable: const char *[max]; the count goes to the int at count_at */
    CLI_CALL,     /* call(dst, value): any other parsing (value NULL when arg is NULL: a flag) */
    CLI_CALL_OPT, /* an optional value ("--compare [RUN]"): call(dst, next) with the next argument or NULL
                     returns CLI_TOOK it as its value, CLI_ALONE (not a value: the option alone), or 0 after
                     an error line; "--name=value" must be taken */
    CLI_SECTION,  /* no option: a heading in the help text (name is the heading) */
} cli_opt_kind;

typedef struct cli_opt {
    const char *name;  /* "--epochs" */
    const char *alias; /* "-o", or NULL */
    cli_opt_kind kind;
    size_t at;        /* offsetof the field that receives the value */
    double lo, hi;    /* CLI_INT/CLI_FLOAT bounds; CLI_FLAG: lo is the value stored */
    const char *arg;  /* the value's name in the help ("N"), NULL for flags */
    const char *help; /* one line; NULL hides the option from the help */
    int max;          /* CLI_SIZES/CLI_STR_LIST: capacity */
    size_t count_at;  /* CLI_SIZES/CLI_STR_LIST: offsetof the int count */
    unsigned tags;    /* the caller's groups (e.g. "applies only to X"), see cli_opts_first_given */
    /* CLI_CALL: stores the value; returns 1, or 0 after printing one error line */
    int (*call)(void *dst, const char *value);
} cli_opt;

enum { CLI_MAX_OPTS = 96 };
enum { CLI_ALONE = 1, CLI_TOOK = 2 }; /* CLI_CALL_OPT's results */

typedef struct cli_parse {
    const char *cmd; /* "train", for messages */
    const cli_opt *opts;
    int n_opts;
    const char **positional; /* receives the non-option arguments */
    int max_positional;
    int n_positional;                  /* out */
    unsigned char given[CLI_MAX_OPTS]; /* out: given[i] is how often opts[i] appeared (saturating) */
} cli_parse;

enum { CLI_PARSE_OK = 0, CLI_PARSE_HELP = 1, CLI_PARSE_ERROR = 2 };

/* Fills the fields of `dst` from argv[1..argc-1]. Returns CLI_PARSE_OK,
 * CLI_PARSE_HELP for -h/--help (nothing printed), or CLI_PARSE_ERROR after
 * printing one error line. */
int cli_opts_parse(cli_parse *p, int argc, char **argv, void *dst);

/* Was the option named `name` given? */
int cli_opts_given(const cli_parse *p, const char *name);
/* The first given option (in table order) with any of `tags`, or NULL. */
const char *cli_opts_first_given(const cli_parse *p, unsigned tags);

/* The options' help lines, aligned, one per option, with section headings. */
void cli_opts_help(FILE *f, const cli_opt *opts, int n_opts);

#endif
