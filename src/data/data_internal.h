/* Shared pieces of the data loaders. */
#ifndef ZN_DATA_INTERNAL_H
#define ZN_DATA_INTERNAL_H

#include <stddef.h>

#include "base/internal.h"
#include "base/number.h"
#include "zenn/data.h"

#endif
