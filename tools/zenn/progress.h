/* Training progress: a redrawn bar on a terminal, plain lines elsewhere. */
#ifndef ZN_PROGRESS_H
#define ZN_PROGRESS_H

#include <stdio.h>

#include "zenn/zenn.h"

typedef struct progress {
    FILE *out;
    int tty, quiet;
    int64_t last_line_epoch;
    double last_draw;
} progress;

void progress_init(progress *p, FILE *out, int tty, int quiet);
void progress_epoch(progress *p, const zn_epoch_report *r);
void progress_done(progress *p);

#endif
