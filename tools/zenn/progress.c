/* Training progress. On a terminal one line is redrawn in place (at most ten
 * times a second); elsewhere a plain line is printed for about every 5% of
 * the epochs, so logs stay short even for thousands of epochs. */
#include <math.h>
#include <string.h>

#include "progress.h"

void progress_init(progress *p, FILE *out, int tty, int quiet) {
    memset(p, 0, sizeof *p);
    p->out = out;
    p->tty = tty;
    p->quiet = quiet;
}

static void metrics(char *buf, size_t cap, const zn_epoch_report *r) {
    int n = snprintf(buf, cap, "loss %.5f", r->train_loss);
    if (!isnan(r->val_loss) && n > 0 && (size_t)n < cap)
        n += snprintf(buf + n, cap - (size_t)n, "  val %.5f", r->val_loss);
    if (!isnan(r->val_accuracy) && n > 0 && (size_t)n < cap)
        n += snprintf(buf + n, cap - (size_t)n, "  acc %.2f%%", 100.0 * r->val_accuracy);
    if (n > 0 && (size_t)n < cap) snprintf(buf + n, cap - (size_t)n, "  mse %.5f", r->train_mse);
}

void progress_epoch(progress *p, const zn_epoch_report *r) {
    if (p->quiet) return;
    char m[160];
    metrics(m, sizeof m, r);
    double eta = r->epoch > 0 ? r->seconds / (double)r->epoch * (double)(r->epochs - r->epoch) : 0;
    if (p->tty) {
        if (r->epoch != r->epochs && r->seconds - p->last_draw < 0.1) return;
        p->last_draw = r->seconds;
        enum { WIDTH = 24 };
        int filled = (int)((double)WIDTH * (double)r->epoch / (double)r->epochs);
        char bar[WIDTH + 1];
        for (int i = 0; i < WIDTH; i++) bar[i] = i < filled ? '=' : (i == filled ? '>' : ' ');
        bar[WIDTH] = '\0';
        fprintf(p->out, "\r\033[Kepoch %lld/%lld [%s] %s  %.0f samples/s  ETA %.0fs", (long long)r->epoch,
                (long long)r->epochs, bar, m, r->samples_per_second, eta);
        fflush(p->out);
        return;
    }
    int64_t every = r->epochs / 20 > 0 ? r->epochs / 20 : 1;
    if (r->epoch == 1 || r->epoch == r->epochs || r->epoch - p->last_line_epoch >= every) {
        fprintf(p->out, "epoch %lld/%lld  %s  %.0f samples/s\n", (long long)r->epoch, (long long)r->epochs, m,
                r->samples_per_second);
        p->last_line_epoch = r->epoch;
    }
}

void progress_done(progress *p) {
    if (!p->quiet && p->tty) fputc('\n', p->out);
}
