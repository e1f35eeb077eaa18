/* FANN 2.2's RPROP, Quickprop and SARPROP updates (see fann_rules.h). */
#include "train/fann_rules.h"

#include <math.h>
#include <string.h>

static float clamp_weight(float w) { return w > 1500.0f ? 1500.0f : (w < -1500.0f ? -1500.0f : w); }

/* a if c else b, without a branch */
static inline float select_f(int c, float a, float b) {
    uint32_t ua, ub, m = 0u - (uint32_t)(c != 0);
    memcpy(&ua, &a, sizeof ua);
    memcpy(&ub, &b, sizeof ub);
    ua = (ua & m) | (ub & ~m);
    memcpy(&a, &ua, sizeof a);
    return a;
}

/* Selects rather than branches: the slopes' signs change at random, and
 * mispredicted branches made this loop a fifth of a small net's epoch.
 * w - step is w + (-step) in IEEE arithmetic, so the step's sign is
 * selected instead of the operation. */
void zn_fann_rprop(const zn_fann_rule *r, int64_t n, float *w, const float *g, float scale, float *prev_steps,
                   float *prev_slopes) {
    const float inc = r->rprop_increase, dec = r->rprop_decrease, dmax = r->rprop_delta_max, dmin = r->rprop_delta_min;
    for (int64_t i = 0; i < n; i++) {
        float prev_step = prev_steps[i];
        prev_step = prev_step > 0.0001f ? prev_step : 0.0001f; /* a zero step would stop training */
        const float slope = scale * g[i];
        float up = prev_step * inc, down = prev_step * dec;
        up = up > dmax ? dmax : up;
        down = down < dmin ? dmin : down;
        const int same = prev_slopes[i] * slope >= 0.0f;
        const float step = select_f(same, up, down), kept = select_f(same, slope, 0.0f);
        float v = w[i] + select_f(kept < 0.0f, -step, step);
        v = v > 1500.0f ? 1500.0f : v;
        v = v < -1500.0f ? -1500.0f : v;
        w[i] = v;
        prev_steps[i] = step;
        prev_slopes[i] = kept;
    }
}

void zn_fann_quickprop(const zn_fann_rule *r, int64_t n, float *w, const float *g, float scale, int64_t batch,
                       float *prev_steps, float *prev_slopes) {
    const float eps = r->lr / (float)batch, decay = r->quickprop_decay, mu = r->quickprop_mu;
    const float shrink = (float)(mu / (1.0 + mu));
    for (int64_t i = 0; i < n; i++) {
        float wi = w[i], prev_step = prev_steps[i], slope = scale * g[i] + decay * wi, prev_slope = prev_slopes[i];
        float step = 0.0f;
        /* FANN compares with double constants */
        if (prev_step > 0.001) {
            if (slope > 0.0) step += eps * slope;
            step += slope > shrink * prev_slope ? mu * prev_step : prev_step * slope / (prev_slope - slope);
        } else if (prev_step < -0.001) {
            if (slope < 0.0) step += eps * slope;
            step += slope < shrink * prev_slope ? mu * prev_step : prev_step * slope / (prev_slope - slope);
        } else {
            step += eps * slope;
        }
        prev_steps[i] = step;
        w[i] = clamp_weight(wi + step);
        prev_slopes[i] = slope;
    }
}

/* FANN's 2^x. */
static double exp2_fann(double x) { return exp(0.69314718055994530942 * x); }

void zn_fann_sarprop(const zn_fann_rule *r, int64_t n, float *w, const float *g, float scale, uint32_t epoch, float mse,
                     zn_rng *rng, float *prev_steps, float *prev_slopes) {
    const float dmin = 0.000001f, t = r->sarprop_temperature, rmse = sqrtf(mse > 0.0f ? mse : 0.0f);
    const float decay = (float)exp2_fann(-t * (float)epoch + r->sarprop_weight_decay_shift);
    const float noise = (float)exp2_fann(-t * (float)epoch + r->sarprop_step_error_shift);
    const float thresh = r->sarprop_step_error_threshold_factor * mse;
    for (int64_t i = 0; i < n; i++) {
        float prev_step = prev_steps[i] > dmin ? prev_steps[i] : dmin, step = 0.0f;
        float slope = -scale * g[i] - w[i] * decay, same = prev_slopes[i] * slope;
        if (same > 0.0f) {
            step = prev_step * r->rprop_increase;
            if (step > r->rprop_delta_max) step = r->rprop_delta_max;
            w[i] += slope < 0.0f ? step : -step;
        } else if (same < 0.0f) {
            if (prev_step < thresh)
                step = prev_step * r->rprop_decrease + zn_rng_uniformf(rng) * rmse * noise;
            else
                step = prev_step * r->rprop_decrease > dmin ? prev_step * r->rprop_decrease : dmin;
            slope = 0.0f;
        } else {
            w[i] += slope < 0.0f ? prev_step : -prev_step;
        }
        prev_steps[i] = step;
        prev_slopes[i] = slope;
    }
}
