/* Learning-rate schedules. */
#include <math.h>

#include "zenn/train.h"

float zn_schedule_lr(const zn_schedule_config *s, float base, int64_t epoch, int64_t epochs) {
    if (!s) return base;
    double lr = base;
    switch (s->kind) {
    case ZN_SCHED_CONSTANT: break;
    case ZN_SCHED_STEP: lr = base * pow(s->gamma, (double)(epoch / (s->step > 0 ? s->step : 1))); break;
    case ZN_SCHED_EXPONENTIAL: lr = base * pow(s->gamma, (double)epoch); break;
    case ZN_SCHED_COSINE: {
        double t = epochs > 1 ? (double)epoch / (double)(epochs - 1) : 1.0, floor_lr = base * s->gamma;
        lr = floor_lr + 0.5 * (base - floor_lr) * (1.0 + cos(3.141592653589793 * t));
        break;
    }
    }
    if (s->warmup_epochs > 0 && epoch < s->warmup_epochs) lr *= (double)(epoch + 1) / (double)(s->warmup_epochs + 1);
    return (float)lr;
}
