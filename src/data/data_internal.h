/* Shared pieces of the data loaders. */
#ifndef ZN_DATA_INTERNAL_H
#define ZN_DATA_INTERNAL_H

#include <stddef.h>

#include "base/internal.h"
#include "base/number.h"
#include "zenn/data.h"

/* zn_dataset_create with x (rows * n_in floats), y (rows * n_out) and labels
 * (rows class indexes) each allocated only when `parts` asks for it (a loader
 * may hand over the x it has already filled). */
enum { ZN_DS_X = 1, ZN_DS_Y = 2, ZN_DS_LABELS = 4 };
zn_status zn_dataset_alloc(int64_t rows, int64_t n_in, int64_t n_out, unsigned parts, zn_dataset **out);

#endif
