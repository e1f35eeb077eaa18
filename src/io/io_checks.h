/* Checks shared by the model file formats. */
#ifndef ZN_IO_CHECKS_H
#define ZN_IO_CHECKS_H

#include "zenn/base.h"

/* The last error prefixed with the file's path (the message is copied
 * first: formatting zn_last_error() into its own buffer is undefined). */
zn_status zn_io_with_path(zn_status st, const char *path);
/* A NaN or infinity in values[0..n) fails, naming the file and the tensor:
 * for a save, ZN_ERR_INVALID_ARG ("not written"); for a load, ZN_ERR_FORMAT. */
zn_status zn_io_check_finite(const char *path, const char *tensor, const float *values, int64_t n, int saving);

#endif
