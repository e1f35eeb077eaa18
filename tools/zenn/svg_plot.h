/* Loss curves as a self-contained SVG file. */
#ifndef ZN_SVG_PLOT_H
#define ZN_SVG_PLOT_H

#include "zenn/zenn.h"

/* Writes the train (and, when not NaN, validation) curves; atomic. */
zn_status svg_write_curves(const char *path, const double *train, const double *val, int64_t n, const char *title);

#endif
