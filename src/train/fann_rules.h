/* FANN 2.2's epoch update rules on flat arrays, shared by zenn's optimizers
 * (zn_optim, which feeds them the mean-loss gradient) and FANN-structured
 * networks (which feed them FANN's summed slopes). The slope of weight i is
 * scale * g[i] in FANN's sign (minus the gradient of the summed error); the
 * state is FANN's: the previous steps and the previous slopes. Comparisons
 * and constants are FANN's own, so the updates are libfann's bit for bit
 * given the same slopes. */
#ifndef ZN_TRAIN_FANN_RULES_H
#define ZN_TRAIN_FANN_RULES_H

#include <stdint.h>

#include "zenn/base.h"

typedef struct zn_fann_rule {
    float lr; /* Quickprop's epsilon is lr / batch */
    float rprop_increase, rprop_decrease, rprop_delta_min, rprop_delta_max;
    float quickprop_decay, quickprop_mu;
    float sarprop_weight_decay_shift, sarprop_step_error_threshold_factor, sarprop_step_error_shift,
        sarprop_temperature;
} zn_fann_rule;

/* iRPROP-. */
void zn_fann_rprop(const zn_fann_rule *r, int64_t n, float *w, const float *g, float scale, float *prev_steps,
                   float *prev_slopes);
/* Quickprop; batch: the samples the slopes were summed over. */
void zn_fann_quickprop(const zn_fann_rule *r, int64_t n, float *w, const float *g, float scale, int64_t batch,
                       float *prev_steps, float *prev_slopes);
/* SARPROP at `epoch` with the error `mse`; the noise comes from rng. */
void zn_fann_sarprop(const zn_fann_rule *r, int64_t n, float *w, const float *g, float scale, uint32_t epoch, float mse,
                     zn_rng *rng, float *prev_steps, float *prev_slopes);

#endif /* ZN_TRAIN_FANN_RULES_H */
