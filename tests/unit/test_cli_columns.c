/* zenn run/test match a file's columns to a model's inputs by name when the
 * model stores them (reordering), by position otherwise; a missing, extra or
 * duplicate column is an error. */
#include <string.h>

#include "cli_columns.h"
#include "zn_test.h"

static zn_mlp *abc_model(int with_names) {
    zn_mlp_spec sp = zn_mlp_spec_default();
    sp.n_layers = 2;
    sp.sizes[0] = 3;
    sp.sizes[1] = 1;
    zn_mlp *m = NULL;
    ZT_OK(zn_mlp_wrap(&sp, 1, NULL, NULL, 0, NULL, &m));
    char *in[3] = {"a", "b", "c"}, *tg[1] = {"y"};
    if (with_names) ZT_OK(zn_mlp_set_inputs(m, in, 3));
    ZT_OK(zn_mlp_set_targets(m, tg, 1));
    return m;
}

static zn_dataset *csv(const char *text) {
    zn_csv_opts o = zn_csv_opts_default();
    const char *const tg[1] = {"y"};
    o.targets = tg;
    o.n_targets = 1;
    o.kind = ZN_TARGET_REGRESSION;
    zn_dataset *d = NULL;
    ZT_OK(zn_dataset_parse_csv(text, strlen(text), "t.csv", &o, &d));
    return d;
}

static void test_dataset_reordered_by_name(void) {
    zn_mlp *m = abc_model(1);
    zn_dataset *d = csv("c,b,a,y\n3,2,1,9\n6,5,4,8\n");
    ZT_CHECK(cli_dataset_match(m, d, "t.csv") == 0);
    const float want[6] = {1, 2, 3, 4, 5, 6};
    for (int i = 0; i < 6; i++) ZT_NEAR(d->x[i], want[i], 0);
    ZT_CHECK(!strcmp(d->in_names[0], "a") && !strcmp(d->in_names[2], "c"));
    zn_dataset_free(d);
    d = csv("a,b,y\n1,2,9\n"); /* c is missing */
    ZT_CHECK(cli_dataset_match(m, d, "t.csv") == 1);
    zn_dataset_free(d);
    d = csv("a,b,c,d,y\n1,2,3,4,9\n"); /* d is not an input */
    ZT_CHECK(cli_dataset_match(m, d, "t.csv") == 1);
    zn_dataset_free(d);
    zn_mlp_free(m);
}

static void test_dataset_by_position_without_names(void) {
    zn_mlp *m = abc_model(0);
    zn_dataset *d = csv("c,b,a,y\n3,2,1,9\n");
    ZT_CHECK(cli_dataset_match(m, d, "t.csv") == 0);
    ZT_NEAR(d->x[0], 3, 0); /* left as it is */
    zn_dataset_free(d);
    zn_mlp_free(m);
}

static void test_header_columns(void) {
    zn_mlp *m = abc_model(1);
    int64_t idx[3] = {-1, -1, -1};
    char *cols[4] = {"y", "c", "a", "b"}; /* the target is ignored wherever it is */
    ZT_CHECK(cli_match_mlp_columns(m, cols, 4, "in", idx) == 0);
    ZT_CHECK(idx[0] == 2 && idx[1] == 3 && idx[2] == 1);
    char *dup[4] = {"a", "b", "c", "a"};
    ZT_CHECK(cli_match_mlp_columns(m, dup, 4, "in", idx) == 1);
    char *missing[2] = {"a", "b"};
    ZT_CHECK(cli_match_mlp_columns(m, missing, 2, "in", idx) == 1);
    char *other[4] = {"a", "b", "c", "z"};
    ZT_CHECK(cli_match_mlp_columns(m, other, 4, "in", idx) == 1);
    zn_mlp_free(m);
    /* Without input names: the non-target columns in order. */
    m = abc_model(0);
    char *pos[4] = {"p", "y", "q", "r"};
    ZT_CHECK(cli_match_mlp_columns(m, pos, 4, "in", idx) == 0);
    ZT_CHECK(idx[0] == 0 && idx[1] == 2 && idx[2] == 3);
    ZT_CHECK(cli_match_mlp_columns(m, pos, 3, "in", idx) == 1); /* p, y, q: two inputs */
    zn_mlp_free(m);
}

int main(void) {
    ZT_RUN(test_dataset_reordered_by_name);
    ZT_RUN(test_dataset_by_position_without_names);
    ZT_RUN(test_header_columns);
    return zt_finish();
}
