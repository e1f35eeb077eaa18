/* Datasets: FANN and CSV files (real ones and every malformed case), round
 * trips, slices, shuffles, splits and scalers. */
#include <locale.h>
#include <unistd.h>

#include "zn_test.h"

#define DATA(f) ZN_SOURCE_DIR "/data/" f

static zn_status parse_fann(const char *text, zn_dataset **d) {
    return zn_dataset_parse_fann(text, strlen(text), "t.data", NULL, d);
}

static zn_status parse_csv(const char *text, const zn_csv_opts *o, zn_dataset **d) {
    return zn_dataset_parse_csv(text, strlen(text), "t.csv", o, d);
}

/* The error mentions every fragment given. */
static int message_has(const char *a, const char *b) {
    const char *m = zn_last_error();
    return strstr(m, a) && (!b || strstr(m, b));
}

static void test_fann_real_files(void) {
    zn_dataset *d = NULL;
    ZT_OK(zn_dataset_load_fann(DATA("xor.data"), NULL, &d));
    ZT_CHECK(d && d->rows == 4 && d->n_in == 2 && d->n_out == 1);
    if (d) {
        ZT_CHECK(d->x[0] == -1.0f && d->x[1] == -1.0f && d->y[0] == -1.0f);
        ZT_CHECK(d->x[2] == -1.0f && d->x[3] == 1.0f && d->y[1] == 1.0f);
    }
    zn_dataset_free(d);
    ZT_OK(zn_dataset_load_fann(DATA("diabetes.train"), NULL, &d));
    ZT_CHECK(d && d->rows == 384 && d->n_in == 8 && d->n_out == 2);
    if (d)
        for (int64_t r = 0; r < d->rows; r++) ZT_CHECK(d->y[r * 2] + d->y[r * 2 + 1] == 1.0f);
    zn_dataset_free(d);
}

static void test_fann_round_trip(void) {
    zn_dataset *d = NULL, *back = NULL;
    ZT_OK(zn_dataset_create(50, 7, 3, &d));
    zn_rng rng;
    zn_rng_seed(&rng, 5);
    zn_rng_fill_normal(&rng, d->x, 350, 0.0f, 1000.0f);
    zn_rng_fill_uniform(&rng, d->y, 150, -1e-30f, 1e-30f);
    d->x[3] = 1e-40f; /* subnormal */
    char path[] = "/tmp/zn_test_data_XXXXXX";
    int fd = mkstemp(path);
    ZT_CHECK(fd >= 0);
    close(fd);
    ZT_OK(zn_dataset_save_fann(d, path));
    ZT_OK(zn_dataset_load_fann(path, NULL, &back));
    ZT_CHECK(back && back->rows == 50 && back->n_in == 7 && back->n_out == 3);
    if (back) {
        ZT_CHECK(memcmp(d->x, back->x, 350 * sizeof(float)) == 0);
        ZT_CHECK(memcmp(d->y, back->y, 150 * sizeof(float)) == 0);
    }
    zn_dataset_free(back);
    /* A failed save leaves nothing behind and the old file intact. */
    ZT_ERR(zn_dataset_save_fann(d, "/nonexistent-dir/x.data"), ZN_ERR_IO);
    ZT_CHECK(message_has("/nonexistent-dir/x.data", NULL));
    unlink(path);
    zn_dataset_free(d);
}

static void test_fann_malformed(void) {
    static const struct {
        const char *text, *fragment;
    } cases[] = {
        {"", "header"},
        {"   \n\n", "header"},
        {"4 2", "outputs is missing"},
        {"-1 2 1\n", "rows is '-1', a negative number"},
        {"four 2 1\n", "'four'"},
        {"1 0 1\n1\n", "at least 1"},
        {"999999999999 1 1\n1\n1\n", "more than"},
        {"9223372036854775807 9223372036854775807 1\n", "integer"},
        {"2 2 1\n1 1\n1\n1 1\n", "ends in row 2"},
        {"1 2 1\n1 abc\n1\n", ":2: row 1, input 2: 'abc'"},
        {"1 2 1\n1 1\nnan\n", "not finite"},
        {"1 2 1\n1 inf\n0\n", "not finite"},
        {"1 2 1\n1 1e99\n0\n", "not a number"},
        {"1 2 1\n1 0x10\n0\n", "not a number"},
        {"1 2 1\n1 1\n0\n7\n", ":4: unexpected '7'"},
        {"1 2 1\n1 1\n0 junk\n", "unexpected 'junk'"},
        {"1 2 1\n1 1,5\n0\n", "'1,5'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        zn_dataset *d = (zn_dataset *)&d; /* must be reset to NULL */
        ZT_ERR(parse_fann(cases[i].text, &d), ZN_ERR_FORMAT);
        ZT_CHECK(d == NULL);
        ZT_CHECK_MSG(message_has("t.data", cases[i].fragment), "case %zu: message '%s' lacks '%s'", i, zn_last_error(),
                     cases[i].fragment);
    }
    zn_dataset *d = NULL;
    zn_load_opts o = zn_load_opts_default();
    o.allow_nan = 1;
    ZT_OK(zn_dataset_parse_fann("1 2 1\n1 nan\ninf\n", 16, "t", &o, &d));
    ZT_CHECK(d && isnan(d->x[1]) && isinf(d->y[0]));
    zn_dataset_free(d);
    ZT_ERR(zn_dataset_load_fann("/nonexistent/file.data", NULL, &d), ZN_ERR_IO);
    ZT_CHECK(message_has("/nonexistent/file.data", NULL));
    ZT_ERR(zn_dataset_load_fann(ZN_SOURCE_DIR "/data", NULL, &d), ZN_ERR_IO);
    o.max_bytes = 10;
    ZT_ERR(zn_dataset_load_fann(DATA("diabetes.train"), &o, &d), ZN_ERR_FORMAT);
    ZT_ERR(zn_dataset_parse_fann(NULL, 5, "t", NULL, &d), ZN_ERR_INVALID_ARG);
    /* Zero rows is a valid (empty) dataset. */
    ZT_OK(parse_fann("0 3 1\n", &d));
    ZT_CHECK(d && d->rows == 0 && d->n_in == 3);
    zn_dataset_free(d);
}

/* Issue 16 §5: a malformed FANN header says what is wrong with it, and the
 * format guess sends it to the FANN reader (not the CSV one's "one column"). */
static void test_fann_header_messages(void) {
    static const struct {
        const char *text, *fragment;
    } cases[] = {
        {"4 2 1 7\n", "t.data:1: the header must be three integers: rows inputs outputs; '7' follows them"},
        {"-4 2 1\n", "rows is '-4', a negative number"},
        {"four 2 1\n", "rows is 'four', not a number"},
        {"4.5 2 1\n", "rows is '4.5', not a whole number"},
        {"4 2.0 1\n", "inputs is '2.0', not a whole number"},
        {"4 0 1\n", "t.data:1: header '4 0 1': inputs must be at least 1"},
        {"\n\n4 0 1\n", "t.data:3: header '4 0 1': inputs must be at least 1"},
        {"4 2\n1 1\n", "t.data:1: the header must be three integers: rows inputs outputs on one line"},
        {"\xEF\xBB\xBF"
         "4 x 1\n",
         "inputs is 'x', not a number"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        zn_dataset *d = NULL;
        ZT_ERR(parse_fann(cases[i].text, &d), ZN_ERR_FORMAT);
        ZT_CHECK_MSG(message_has(cases[i].fragment, NULL), "case %zu: message '%s' lacks '%s'", i, zn_last_error(),
                     cases[i].fragment);
        ZT_CHECK_MSG(zn_dataset_guess_format(cases[i].text, strlen(cases[i].text)) == ZN_DATA_FANN, "case %zu", i);
    }
    /* A BOM and blank lines before a good header are fine. */
    zn_dataset *d = NULL;
    ZT_OK(parse_fann("\xEF\xBB\xBF\n\n1 2 1\n1 2\n3\n", &d));
    ZT_CHECK(d && d->rows == 1 && d->x[1] == 2 && d->y[0] == 3);
    zn_dataset_free(d);
    static const char *const csv[] = {"a,b,y\n",
                                      "a;b;y\n",
                                      "a\tb\ty\n",
                                      "\xEF\xBB\xBF"
                                      "a,b\n",
                                      "4,2,1\n",
                                      "label\n",
                                      ""};
    for (size_t i = 0; i < sizeof csv / sizeof csv[0]; i++)
        ZT_CHECK_MSG(zn_dataset_guess_format(csv[i], strlen(csv[i])) == ZN_DATA_CSV, "csv case %zu", i);
    ZT_CHECK(zn_dataset_guess_format("1\t2\t1\n", 6) == ZN_DATA_FANN);
    ZT_CHECK(zn_dataset_guess_format("1st\tsecond\ty\n", 14) == ZN_DATA_CSV);
    ZT_CHECK(zn_dataset_guess_format("e\tf\n", 5) == ZN_DATA_CSV);
    /* zn_dataset_load picks the reader; a target column on FANN data is an error. */
    ZT_OK(zn_dataset_load(DATA("xor.data"), NULL, &d));
    ZT_CHECK(d && d->rows == 4 && d->n_in == 2);
    zn_dataset_free(d);
    ZT_OK(zn_dataset_load(DATA("digits.csv"), NULL, &d));
    ZT_CHECK(d && d->n_classes == 10);
    zn_dataset_free(d);
    zn_csv_opts o = zn_csv_opts_default();
    const char *c = "c";
    o.targets = &c;
    o.n_targets = 1;
    ZT_ERR(zn_dataset_load(DATA("xor.data"), &o, &d), ZN_ERR_INVALID_ARG);
    ZT_CHECK(d == NULL && message_has("xor.data", "no column names"));
}

static void test_numbers_ignore_locale(void) {
    /* A decimal-comma locale must not change how files are read. */
    const char *names[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", NULL};
    const char *set = NULL;
    for (int i = 0; names[i] && !set; i++) set = setlocale(LC_NUMERIC, names[i]);
    zn_dataset *d = NULL;
    ZT_OK(parse_fann("1 2 1\n0.5 -1.25\n3e-2\n", &d));
    ZT_CHECK(d && d->x[0] == 0.5f && d->x[1] == -1.25f && d->y[0] == 0.03f);
    zn_dataset_free(d);
    setlocale(LC_NUMERIC, "C");
    if (!set) fprintf(stderr, "note: no decimal-comma locale installed; parsed in C only\n");
}

static void test_csv_real_files(void) {
    zn_dataset *d = NULL;
    ZT_OK(zn_dataset_load_csv(DATA("digits.csv"), NULL, &d));
    ZT_CHECK(d && d->rows == 1797 && d->n_in == 64 && d->n_out == 10 && d->n_classes == 10);
    if (d && d->n_classes == 10) {
        ZT_CHECK(strcmp(d->class_names[0], "0") == 0 && strcmp(d->class_names[9], "9") == 0);
        ZT_CHECK(strcmp(d->in_names[0], "pixel_0_0") == 0);
        int counts[10] = {0};
        for (int64_t r = 0; r < d->rows; r++) {
            float s = 0;
            for (int k = 0; k < 10; k++) {
                s += d->y[r * 10 + k];
                if (d->y[r * 10 + k] == 1.0f) counts[k]++;
            }
            ZT_CHECK(s == 1.0f);
        }
        for (int k = 0; k < 10; k++) ZT_CHECK(counts[k] >= 170 && counts[k] <= 190);
    }
    zn_dataset_free(d);

    zn_csv_opts o = zn_csv_opts_default();
    const char *target = "target";
    o.targets = &target;
    o.n_targets = 1;
    ZT_OK(zn_dataset_load_csv(DATA("breast_cancer.csv"), &o, &d));
    ZT_CHECK(d && d->rows == 569 && d->n_in == 30 && d->n_classes == 2);
    zn_dataset_free(d);
    /* The same column as a numeric target. */
    o.kind = ZN_TARGET_REGRESSION;
    ZT_OK(zn_dataset_load_csv(DATA("breast_cancer.csv"), &o, &d));
    ZT_CHECK(d && d->n_out == 1 && d->n_classes == 0 && strcmp(d->out_names[0], "target") == 0);
    zn_dataset_free(d);
}

static void test_csv_features(void) {
    zn_dataset *d = NULL;
    /* Quotes, CRLF, spaces, blank lines, a BOM and string labels sorted by name. */
    const char *text = "\xEF\xBB\xBF"
                       "a, \"b,c\" ,label\r\n1, 2 ,\"dog\"\r\n\r\n3,4,cat\r\n5,6,\"say \"\"hi\"\"\"\r\n";
    ZT_OK(parse_csv(text, NULL, &d));
    ZT_CHECK(d && d->rows == 3 && d->n_in == 2 && d->n_classes == 3);
    if (d && d->n_classes == 3) {
        ZT_CHECK(strcmp(d->in_names[1], "b,c") == 0);
        ZT_CHECK(strcmp(d->class_names[0], "cat") == 0 && strcmp(d->class_names[1], "dog") == 0);
        ZT_CHECK(strcmp(d->class_names[2], "say \"hi\"") == 0);
        ZT_CHECK(d->x[2] == 3.0f && d->y[0 * 3 + 1] == 1.0f && d->y[1 * 3 + 0] == 1.0f && d->y[2 * 3 + 2] == 1.0f);
    }
    zn_dataset_free(d);
    /* Semicolons, and two numeric targets chosen by name, in the order asked. */
    zn_csv_opts o = zn_csv_opts_default();
    const char *targets[] = {"y2", "y1"};
    o.targets = targets;
    o.n_targets = 2;
    ZT_OK(parse_csv("y1;x;y2\n1.5;2;3.25\n4;5;6\n", &o, &d));
    ZT_CHECK(d && d->n_in == 1 && d->n_out == 2 && d->n_classes == 0);
    if (d) ZT_CHECK(d->x[0] == 2.0f && d->y[0] == 3.25f && d->y[1] == 1.5f && strcmp(d->out_names[0], "y2") == 0);
    zn_dataset_free(d);
    /* Numeric labels sort by value, not text. */
    ZT_OK(parse_csv("x,y\n1,10\n2,9\n3,10\n", NULL, &d));
    ZT_CHECK(d && d->n_classes == 2 && strcmp(d->class_names[0], "9") == 0);
    zn_dataset_free(d);
    /* Fractional targets mean regression. */
    ZT_OK(parse_csv("x,y\n1,0.5\n2,1.5\n", NULL, &d));
    ZT_CHECK(d && d->n_classes == 0 && d->y[1] == 1.5f);
    zn_dataset_free(d);
}

static void test_csv_malformed(void) {
    static const struct {
        const char *text, *fragment;
    } cases[] = {
        {"", "empty"},
        {"\n\n", "empty"},
        {"onlyone\n1\n", "one column"},
        {"a,b\n", "no data rows"},
        {"a,b,c\n1,2,3\n1,2\n", "t.csv:3: 2 fields, but the header has 3"},
        {"a,b,c\n1,2,3\n1,2,3,4\n", ":3: 4 fields"},
        {"a,b,c\n1,x,3\n", "t.csv:2: field 2 ('b'): 'x' is not a number"},
        {"a,b,c\n1,,3\n", "field 2 ('b') is empty"},
        {"a,b,c\n1,nan,3\n", "not finite"},
        {"a,b,c\n1,2,\"3\n", "not closed"},
        {"a,b,c\n1,2,\n", "label"},
        {"a,b\x00,c\n1,2,3\n", "NUL"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        zn_dataset *d = NULL;
        size_t len = strlen(cases[i].text);
        if (strstr(cases[i].fragment, "NUL")) len = 16;
        ZT_STATUS(zn_dataset_parse_csv(cases[i].text, len, "t.csv", NULL, &d), ZN_ERR_FORMAT);
        ZT_CHECK(d == NULL);
        ZT_CHECK_MSG(message_has("t.csv", cases[i].fragment), "case %zu: message '%s' lacks '%s'", i, zn_last_error(),
                     cases[i].fragment);
    }
    zn_dataset *d = NULL;
    zn_csv_opts o = zn_csv_opts_default();
    const char *missing = "nope";
    o.targets = &missing;
    o.n_targets = 1;
    ZT_ERR(parse_csv("a,b\n1,2\n", &o, &d), ZN_ERR_FORMAT);
    ZT_CHECK(message_has("no column named 'nope'", NULL));
    const char *twice[] = {"a", "a"};
    o.targets = twice;
    o.n_targets = 2;
    ZT_ERR(parse_csv("a,b,c\n1,2,3\n", &o, &d), ZN_ERR_INVALID_ARG);
    const char *all[] = {"a", "b"};
    o.targets = all;
    ZT_ERR(parse_csv("a,b\n1,2\n", &o, &d), ZN_ERR_FORMAT);
    o = zn_csv_opts_default();
    o.kind = ZN_TARGET_REGRESSION;
    ZT_ERR(parse_csv("a,b\n1,dog\n", &o, &d), ZN_ERR_FORMAT);
    ZT_CHECK(message_has("t.csv:2: field 2 ('b'): 'dog'", NULL));
    o.kind = (zn_target_kind)9;
    ZT_ERR(parse_csv("a,b\n1,2\n", &o, &d), ZN_ERR_INVALID_ARG);
    o = zn_csv_opts_default();
    o.load.allow_nan = 1;
    ZT_OK(parse_csv("a,b\n1,2\nnan,3\n", &o, &d));
    ZT_CHECK(d && isnan(d->x[1]));
    zn_dataset_free(d);
}

/* Issue 16 §2/§5: cells that used to be merged, misread or reported vaguely. */
static void test_csv_cells_named(void) {
    static const struct {
        const char *text, *fragment;
    } cases[] = {
        {"a,b,c,y\n1,,2,3\n", "t.csv:2: field 2 ('b') is empty"},
        {"a,b,c,y\n,1,2,3\n", "t.csv:2: field 1 ('a') is empty"},
        {"a,b,c,y\n1,2,3,4\n1,2,3,\n1,2,3,5\n", "t.csv:3: field 4 ('y') is empty"},
        {"a,b,y\n1,3.5e38,0\n", "t.csv:2: field 2 ('b'): '3.5e38' is out of the float range"},
        {"a,b,y\n1,1e400,0\n", "field 2 ('b'): '1e400' is out of the float range"},
        {"a,b,y\n1,2,0\n1,2,1e400\n1,2,1\n1,2,2.5\n", "t.csv:3: field 3 ('y'): '1e400' is out of the float range"},
        {"a,a,y\n1,2,0\n", "t.csv:1: columns 1 and 2 are both named 'a'"},
        {"a,b,a\n1,2,0\n", "columns 1 and 3 are both named 'a'"},
        {"x,y\n1,caf\xe9\n2,tea\n", "t.csv:2: field 2 ('y'): the label is not valid UTF-8"},
        {"x,caf\xe9\n1,2\n", "t.csv:1: the name of column 2 is not valid UTF-8"},
        /* CR-only line ends count lines too. */
        {"a,b,y\r1,2,0.5\r3,x,1.5\r", "t.csv:3: field 2 ('b'): 'x' is not a number"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        zn_dataset *d = NULL;
        ZT_STATUS(parse_csv(cases[i].text, NULL, &d), ZN_ERR_FORMAT);
        ZT_CHECK(d == NULL);
        ZT_CHECK_MSG(message_has(cases[i].fragment, NULL), "case %zu: message '%s' lacks '%s'", i, zn_last_error(),
                     cases[i].fragment);
    }
    /* Empty fields are NaN when NaN is allowed, never merged with the next. */
    zn_dataset *d = NULL;
    zn_csv_opts o = zn_csv_opts_default();
    o.load.allow_nan = 1;
    ZT_OK(parse_csv("a,b,c,y\n1,,2,0.5\n,1,2,1.5\n", &o, &d));
    ZT_CHECK(d && d->rows == 2 && d->n_in == 3);
    if (d) ZT_CHECK(d->x[0] == 1 && isnan(d->x[1]) && d->x[2] == 2 && isnan(d->x[3]) && d->x[4] == 1);
    zn_dataset_free(d);
    /* Old Macs' CR-only line ends and CRLF. */
    ZT_OK(parse_csv("a,b,y\r1,2,0.5\r3,4,1.5\r", NULL, &d));
    ZT_CHECK(d && d->rows == 2 && d->x[2] == 3 && d->y[1] == 1.5f);
    zn_dataset_free(d);
    ZT_OK(parse_csv("a,b,y\r\n1,2,0.5\r\n3,4,1.5", NULL, &d));
    ZT_CHECK(d && d->rows == 2 && d->y[1] == 1.5f);
    zn_dataset_free(d);
    /* A BOM is not part of the first name. */
    ZT_OK(parse_csv("\xEF\xBB\xBF"
                    "a,y\n1,0.5\n",
                    NULL, &d));
    ZT_CHECK(d && strcmp(d->in_names[0], "a") == 0);
    zn_dataset_free(d);
}

/* One bad cell does not make a regression target a classifier (issue 16 §2). */
static void test_csv_target_kind(void) {
    static const char *const bad[] = {"inf", "NaN", "1e400", "n/a", ""};
    static const char *const said[] = {"'inf' is not finite", "'NaN' is not finite", "out of the float range",
                                       "'n/a' is not a number", "is empty"};
    for (int i = 0; i < 5; i++) {
        char text[128];
        snprintf(text, sizeof text, "x,y\n1,1.5\n2,1.2\n3,%s\n4,0.1\n5,0.3\n", bad[i]);
        zn_dataset *d = NULL;
        ZT_STATUS(parse_csv(text, NULL, &d), ZN_ERR_FORMAT);
        ZT_CHECK(d == NULL);
        ZT_CHECK_MSG(message_has("t.csv:4: field 2 ('y')", said[i]), "cell '%s': %s", bad[i], zn_last_error());
    }
    /* The issue's own column, first cell bad. */
    zn_dataset *d = NULL;
    ZT_STATUS(parse_csv("x,y\n1,inf\n2,1.5\n3,1.2\n4,0.1\n5,0.3\n", NULL, &d), ZN_ERR_FORMAT);
    ZT_CHECK(message_has("t.csv:2: field 2 ('y'): 'inf'", NULL));
    /* Forced classes still read it as labels. */
    zn_csv_opts o = zn_csv_opts_default();
    o.kind = ZN_TARGET_CLASSES;
    ZT_OK(parse_csv("x,y\n1,inf\n2,1.5\n3,1.2\n4,0.1\n5,0.3\n", &o, &d));
    ZT_CHECK(d && d->n_classes == 5 && d->target_kind == ZN_TARGET_CLASSES);
    zn_dataset_free(d);

    /* The diabetes set's shape: 442 rows, 214 distinct integers 25..346: regression. */
    char *text = malloc(442 * 16 + 16);
    size_t len = (size_t)sprintf(text, "x,y\n");
    for (int r = 0; r < 442; r++) len += (size_t)sprintf(text + len, "%d,%d\n", r, 25 + (r * 97) % 214);
    ZT_OK(zn_dataset_parse_csv(text, len, "t.csv", NULL, &d));
    ZT_CHECK(d && d->n_classes == 0 && d->n_out == 1 && d->target_kind == ZN_TARGET_REGRESSION);
    if (d) ZT_CHECK_MSG(strstr(d->target_reason, "more than 20 distinct integer"), "reason '%s'", d->target_reason);
    zn_dataset_free(d);
    /* Ten integer classes in enough rows, and FANN-style 0/1 labels in four rows: classes. */
    len = (size_t)sprintf(text, "x,y\n");
    for (int r = 0; r < 50; r++) len += (size_t)sprintf(text + len, "%d,%d\n", r, r % 10);
    ZT_OK(zn_dataset_parse_csv(text, len, "t.csv", NULL, &d));
    ZT_CHECK(d && d->n_classes == 10 && d->target_kind == ZN_TARGET_CLASSES);
    if (d) ZT_CHECK_MSG(strstr(d->target_reason, "10 distinct integer values in 50 rows"), "'%s'", d->target_reason);
    zn_dataset_free(d);
    /* ... but not in 30 rows (3 a value): a person would not call that classes. */
    len = (size_t)sprintf(text, "x,y\n");
    for (int r = 0; r < 30; r++) len += (size_t)sprintf(text + len, "%d,%d\n", r, r % 10);
    ZT_OK(zn_dataset_parse_csv(text, len, "t.csv", NULL, &d));
    ZT_CHECK(d && d->n_classes == 0 && d->target_kind == ZN_TARGET_REGRESSION);
    zn_dataset_free(d);
    free(text);
    ZT_OK(parse_csv("a,b,y\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n", NULL, &d));
    ZT_CHECK(d && d->n_classes == 2 && d->target_kind == ZN_TARGET_CLASSES);
    zn_dataset_free(d);
    ZT_OK(parse_csv("a,y\n1,dog\n2,cat\n", NULL, &d));
    ZT_CHECK(d && d->n_classes == 2 && strcmp(d->target_reason, "labels that are not numbers") == 0);
    zn_dataset_free(d);
    ZT_OK(zn_dataset_load_csv(DATA("digits.csv"), NULL, &d));
    ZT_CHECK(d && d->n_classes == 10 && d->target_kind == ZN_TARGET_CLASSES);
    zn_dataset_free(d);
    /* A target named but absent. */
    const char *missing = "c";
    o = zn_csv_opts_default();
    o.targets = &missing;
    o.n_targets = 1;
    ZT_STATUS(parse_csv("a,b,y\n1,2,3\n", &o, &d), ZN_ERR_FORMAT);
    ZT_CHECK(d == NULL && message_has("no column named 'c'", NULL));
}

/* Class targets as indexes (issue 16 §4): labels beside or instead of one-hot. */
static void test_csv_labels(void) {
    const char *text = "x,y\n0,b\n1,a\n2,c\n3,b\n4,a\n5,b\n";
    zn_dataset *d = NULL, *only = NULL;
    ZT_OK(parse_csv(text, NULL, &d));
    ZT_CHECK(d && d->labels && d->y && d->n_classes == 3);
    if (!d || !d->labels) return;
    static const int32_t want[6] = {1, 0, 2, 1, 0, 1};
    for (int r = 0; r < 6; r++) ZT_CHECK(d->labels[r] == want[r] && d->y[r * 3 + want[r]] == 1.0f);
    zn_csv_opts o = zn_csv_opts_default();
    o.labels_only = 1;
    ZT_OK(parse_csv(text, &o, &only));
    ZT_CHECK(only && only->y == NULL && only->labels && only->n_out == 3 && only->n_classes == 3);
    if (!only || !only->labels) {
        zn_dataset_free(d);
        return;
    }
    for (int r = 0; r < 6; r++) ZT_CHECK(only->labels[r] == want[r]);
    /* One-hot on request, for a batch, equal to the default's y. */
    float hot[4 * 3];
    ZT_OK(zn_dataset_onehot(only, 1, 5, hot));
    ZT_CHECK(memcmp(hot, d->y + 3, sizeof hot) == 0);
    ZT_ERR(zn_dataset_onehot(only, 4, 7, hot), ZN_ERR_INVALID_ARG);
    /* Shuffle moves labels with their rows; slices, splits and copies keep them. */
    zn_rng rng;
    zn_rng_seed(&rng, 3);
    ZT_OK(zn_dataset_shuffle(only, &rng));
    for (int r = 0; r < 6; r++) ZT_CHECK(only->labels[r] == want[(int)only->x[r]]);
    zn_dataset *a = NULL, *b = NULL, *c = NULL;
    ZT_OK(zn_dataset_split(only, 0.5, &a, &b));
    ZT_CHECK(a && b && a->y == NULL && a->labels && b->labels && b->rows == 3);
    if (b && b->labels) ZT_CHECK(b->labels[0] == only->labels[3] && b->target_kind == ZN_TARGET_CLASSES);
    ZT_OK(zn_dataset_copy(only, &c));
    ZT_CHECK(c && c->labels && memcmp(c->labels, only->labels, 6 * sizeof(int32_t)) == 0);
    /* Aligning to a model's classes renumbers labels and one-hot alike. */
    char *names[4] = {"c", "b", "a", "z"};
    ZT_OK(zn_dataset_align_classes(c, names, 4));
    ZT_OK(zn_dataset_align_classes(d, names, 4));
    for (int r = 0; r < 6; r++) {
        ZT_CHECK(strcmp(names[c->labels[r]], only->class_names[only->labels[r]]) == 0);
        ZT_CHECK(d->n_out == 4 && d->y[r * 4 + d->labels[r]] == 1.0f && d->labels[r] == 2 - want[r]);
    }
    ZT_CHECK(c->y == NULL && c->n_out == 4);
    zn_dataset_free(a);
    zn_dataset_free(b);
    zn_dataset_free(c);
    zn_dataset_free(only);
    zn_dataset_free(d);
    /* A small test file read as regression aligns to a model's classes by value. */
    char *digits[4] = {"1", "2", "3", "4"}, *words[2] = {"a", "b"};
    ZT_OK(parse_csv("x,y\n1,3\n2,1\n3,2\n", NULL, &a));
    ZT_CHECK(a && a->n_classes == 0);
    ZT_ERR(zn_dataset_align_classes(a, words, 2), ZN_ERR_FORMAT);
    ZT_CHECK(message_has("row 1: target 3 is not among the 2 classes", NULL));
    ZT_OK(zn_dataset_align_classes(a, digits, 4));
    ZT_CHECK(a && a->n_classes == 4 && a->n_out == 4 && a->labels && a->target_kind == ZN_TARGET_CLASSES);
    if (a && a->labels) {
        ZT_CHECK(a->labels[0] == 2 && a->labels[1] == 0 && a->labels[2] == 1);
        ZT_CHECK(a->y[0 * 4 + 2] == 1.0f && a->y[1 * 4 + 0] == 1.0f && a->y[2 * 4 + 1] == 1.0f);
        ZT_CHECK(strcmp(a->out_names[3], "4") == 0 && strcmp(a->class_names[0], "1") == 0);
    }
    zn_dataset_free(a);
    /* Regression data has none. */
    ZT_OK(parse_csv("x,y\n1,0.5\n", NULL, &d));
    ZT_CHECK(d && d->labels == NULL && d->y);
    zn_dataset_free(d);
}

/* A memory limit stops a load before the one-hot targets are allocated, and
 * says how much class indexes alone would take (issue 16 §4). */
static void test_csv_memory_limit(void) {
    enum { ROWS = 2000, CLASSES = 200 };
    char *text = malloc(ROWS * 16 + 16);
    size_t len = (size_t)sprintf(text, "x,label\n");
    for (int r = 0; r < ROWS; r++) len += (size_t)sprintf(text + len, "%d,c%d\n", r, r % CLASSES);
    ZT_CHECK(zn_dataset_estimate_bytes(ROWS, 1, CLASSES, CLASSES, 0) == (int64_t)ROWS * (1 + CLASSES + 1) * 4);
    ZT_CHECK(zn_dataset_estimate_bytes(ROWS, 1, CLASSES, CLASSES, 1) == (int64_t)ROWS * 2 * 4);
    ZT_CHECK(zn_dataset_estimate_bytes(ROWS, 3, 2, 0, 1) == (int64_t)ROWS * 5 * 4);
    zn_csv_opts o = zn_csv_opts_default();
    o.load.max_memory = 1000000; /* one-hot: 1.6 MB; indexes: 16 kB */
    zn_dataset *d = NULL;
    size_t before = zn_mem_current();
    ZT_ERR(zn_dataset_parse_csv(text, len, "t.csv", &o, &d), ZN_ERR_BUDGET);
    ZT_CHECK(d == NULL && zn_mem_current() == before);
    ZT_CHECK_MSG(message_has("t.csv: the data needs 1.6 MB", "labels_only) it needs 16 kB"), "%s", zn_last_error());
    o.labels_only = 1;
    ZT_OK(zn_dataset_parse_csv(text, len, "t.csv", &o, &d));
    ZT_CHECK(d && d->y == NULL && d->n_classes == CLASSES && d->labels && d->labels[201] == d->labels[1]);
    zn_dataset_free(d);
    /* The reader's own buffers count too. */
    o.load.max_memory = 4000;
    ZT_ERR(zn_dataset_parse_csv(text, len, "t.csv", &o, &d), ZN_ERR_BUDGET);
    ZT_CHECK_MSG(message_has("passes the memory limit", NULL), "%s", zn_last_error());
    free(text);
    zn_load_opts lo = zn_load_opts_default();
    lo.max_memory = 20;
    ZT_ERR(zn_dataset_parse_fann("2 2 1\n1 2\n3\n4 5\n6\n", 18, "t.data", &lo, &d), ZN_ERR_BUDGET);
    ZT_CHECK(d == NULL && message_has("t.data:1: 2 rows of 3 values need 24 bytes", NULL));
    lo.max_memory = 24;
    ZT_OK(zn_dataset_parse_fann("2 2 1\n1 2\n3\n4 5\n6\n", 18, "t.data", &lo, &d));
    zn_dataset_free(d);
}

static void test_slice_shuffle_split(void) {
    zn_dataset *d = NULL, *a = NULL, *b = NULL;
    ZT_OK(zn_dataset_create(100, 3, 1, &d));
    for (int r = 0; r < 100; r++) {
        for (int j = 0; j < 3; j++) d->x[r * 3 + j] = (float)(r * 10 + j);
        d->y[r] = (float)r;
    }
    zn_rng rng;
    zn_rng_seed(&rng, 11);
    ZT_OK(zn_dataset_shuffle(d, &rng));
    int moved = 0, sum = 0;
    for (int r = 0; r < 100; r++) {
        ZT_CHECK(d->x[r * 3] == d->y[r] * 10 && d->x[r * 3 + 2] == d->y[r] * 10 + 2); /* rows stay whole */
        moved += d->y[r] != (float)r;
        sum += (int)d->y[r];
    }
    ZT_CHECK(moved > 80 && sum == 4950);
    ZT_OK(zn_dataset_split(d, 0.8, &a, &b));
    ZT_CHECK(a && b && a->rows == 80 && b->rows == 20 && b->y[0] == d->y[80]);
    zn_dataset_free(a);
    zn_dataset_free(b);
    ZT_ERR(zn_dataset_split(d, 1.5, &a, &b), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_dataset_slice(d, 50, 101, &a), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_dataset_create(-1, 2, 2, &a), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_dataset_create(INT64_MAX / 2, 4, 1, &a), ZN_ERR_OVERFLOW);
    zn_dataset_free(d);
}

static void test_scalers(void) {
    float x[] = {0, 10, -5, 2, 10, 7, 4, 10, 9};
    float orig[9];
    memcpy(orig, x, sizeof x);
    zn_scaler *s = NULL;
    ZT_OK(zn_scaler_fit(ZN_SCALE_RANGE, -1, 1, x, 3, 3, &s));
    ZT_OK(zn_scaler_apply(s, x, 3));
    ZT_NEAR(x[0], -1, 1e-6);
    ZT_NEAR(x[6], 1, 1e-6);
    ZT_NEAR(x[1], 0, 1e-6); /* a constant column goes to the middle */
    ZT_NEAR(x[2], -1, 1e-6);
    ZT_NEAR(x[8], 1, 1e-6);
    ZT_OK(zn_scaler_inverse(s, x, 3));
    for (int i = 0; i < 9; i++) ZT_NEAR(x[i], orig[i], 1e-5);
    zn_scaler_free(s);
    ZT_OK(zn_scaler_fit(ZN_SCALE_STANDARD, 0, 0, x, 3, 3, &s));
    ZT_OK(zn_scaler_apply(s, x, 3));
    for (int j = 0; j < 3; j++) {
        double m = (x[j] + x[3 + j] + x[6 + j]) / 3, v = 0;
        for (int r = 0; r < 3; r++) v += (x[r * 3 + j] - m) * (x[r * 3 + j] - m);
        ZT_NEAR(m, 0, 1e-6);
        if (j != 1) ZT_NEAR(v / 3, 1, 1e-5);
    }
    ZT_OK(zn_scaler_inverse(s, x, 3));
    for (int i = 0; i < 9; i++) ZT_NEAR(x[i], orig[i], 1e-5);
    zn_scaler_free(s);
    /* NaN cells (allow_nan data) are missing values: the fit ignores them and stays finite. */
    float holes[8] = {1, NAN, 3, NAN, INFINITY, NAN, 5, NAN};
    float dense[3] = {1, 3, 5};
    zn_scaler *h = NULL, *ref = NULL;
    for (int k = ZN_SCALE_RANGE; k <= ZN_SCALE_STANDARD; k++) {
        ZT_OK(zn_scaler_fit((zn_scale_kind)k, -1, 1, holes, 4, 2, &h));
        ZT_OK(zn_scaler_fit((zn_scale_kind)k, -1, 1, dense, 3, 1, &ref));
        if (h && ref) {
            ZT_CHECK(h->mul[0] == ref->mul[0] && h->add[0] == ref->add[0]);
            ZT_CHECK(h->mul[1] == 1.0f && h->add[1] == 0.0f); /* no finite value at all */
        }
        zn_scaler_free(h);
        zn_scaler_free(ref);
    }
    ZT_ERR(zn_scaler_fit(ZN_SCALE_RANGE, 1, 1, x, 3, 3, &s), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_scaler_fit((zn_scale_kind)7, 0, 1, x, 3, 3, &s), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_scaler_fit(ZN_SCALE_RANGE, 0, 1, NULL, 3, 3, &s), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_scaler_apply(NULL, x, 3), ZN_ERR_INVALID_ARG);
}

int main(void) {
    ZT_RUN(test_fann_real_files);
    ZT_RUN(test_fann_round_trip);
    ZT_RUN(test_fann_malformed);
    ZT_RUN(test_fann_header_messages);
    ZT_RUN(test_numbers_ignore_locale);
    ZT_RUN(test_csv_real_files);
    ZT_RUN(test_csv_features);
    ZT_RUN(test_csv_malformed);
    ZT_RUN(test_csv_cells_named);
    ZT_RUN(test_csv_target_kind);
    ZT_RUN(test_csv_labels);
    ZT_RUN(test_csv_memory_limit);
    ZT_RUN(test_slice_shuffle_split);
    ZT_RUN(test_scalers);
    return zt_finish();
}
