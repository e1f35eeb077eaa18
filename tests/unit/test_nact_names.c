/* FANN's sigmoids are named ZN_NACT_FANN_SIGMOID...: the old ZN_NACT_SIGMOID
 * names still compile as aliases of the same values (the only file besides
 * graph.h's alias block that may spell them, see act_layering.sh), the
 * numbers and name strings that FANN files and the CLI use are unchanged,
 * and the FANN sigmoid is vmath.h's logistic only at steepness 0.5. */
#include <math.h>

#include "zn_test.h"

#include "act/nact.h"
#include "zenn/vmath.h"

/* FANN's activation numbers: files and fann_set_activation_function use them. */
_Static_assert(ZN_NACT_FANN_SIGMOID == 3, "FANN_SIGMOID is 3");
_Static_assert(ZN_NACT_FANN_SIGMOID_STEPWISE == 4, "FANN_SIGMOID_STEPWISE is 4");
_Static_assert(ZN_NACT_FANN_SIGMOID_SYMMETRIC == 5, "FANN_SIGMOID_SYMMETRIC is 5");
_Static_assert(ZN_NACT_FANN_SIGMOID_SYMMETRIC_STEPWISE == 6, "FANN_SIGMOID_SYMMETRIC_STEPWISE is 6");

static void test_old_names_alias(void) {
    zn_nact old[4] = {ZN_NACT_SIGMOID, ZN_NACT_SIGMOID_STEPWISE, ZN_NACT_SIGMOID_SYMMETRIC,
                      ZN_NACT_SIGMOID_SYMMETRIC_STEPWISE};
    zn_nact now[4] = {ZN_NACT_FANN_SIGMOID, ZN_NACT_FANN_SIGMOID_STEPWISE, ZN_NACT_FANN_SIGMOID_SYMMETRIC,
                      ZN_NACT_FANN_SIGMOID_SYMMETRIC_STEPWISE};
    for (int i = 0; i < 4; i++) ZT_CHECK(old[i] == now[i]);
}

static void test_name_strings(void) {
    static const char *names[4] = {"sigmoid", "sigmoid_stepwise", "sigmoid_symmetric", "sigmoid_symmetric_stepwise"};
    for (int i = 0; i < 4; i++) {
        zn_nact act = (zn_nact)(ZN_NACT_FANN_SIGMOID + i);
        ZT_CHECK_MSG(strcmp(zn_nact_name(act), names[i]) == 0, "%d: %s", i, zn_nact_name(act));
        ZT_CHECK(zn_nact_from_name(names[i]) == (int)act);
    }
}

/* FANN's sigmoid doubles the steepness: logistic(2 s x); ZN_ACT_SIGMOID is logistic(x). */
static void test_which_sigmoid(void) {
    float x[5] = {-3.0f, -0.7f, 0.0f, 0.4f, 2.5f}, y[5];
    ZT_OK(zn_vact(ZN_ACT_SIGMOID, 0.0f, 5, x, y));
    for (int i = 0; i < 5; i++) {
        ZT_NEAR(zn_nact_value(ZN_NACT_FANN_SIGMOID, 0.5f, x[i]), y[i], 1e-6);
        ZT_NEAR(zn_nact_value(ZN_NACT_FANN_SIGMOID, 1.0f, x[i]), 1.0 / (1.0 + exp(-2.0 * x[i])), 1e-6);
        ZT_NEAR(zn_nact_value(ZN_NACT_FANN_SIGMOID_SYMMETRIC, 1.0f, x[i]), tanh(x[i]), 1e-6);
    }
}

int main(void) {
    ZT_RUN(test_old_names_alias);
    ZT_RUN(test_name_strings);
    ZT_RUN(test_which_sigmoid);
    return zt_finish();
}
