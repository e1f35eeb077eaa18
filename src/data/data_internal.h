/* Shared pieces of the data loaders. */
#ifndef ZN_DATA_INTERNAL_H
#define ZN_DATA_INTERNAL_H

#include <stddef.h>

#include "base/internal.h"
#include "base/number.h"
#include "zenn/data.h"

/* zn_dataset_create with y (rows * n_out floats) and labels (rows class
 * indexes) each allocated only when asked for. */
zn_status zn_dataset_alloc(int64_t rows, int64_t n_in, int64_t n_out, int with_y, int with_labels, zn_dataset **out);

#endif
