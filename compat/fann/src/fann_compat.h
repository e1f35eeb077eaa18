/* Shared pieces of zenn-fann, the FANN 2.2 API over zenn's FANN-structured
 * networks (src/fann). Not installed. Internal names start with zf_. */
#ifndef ZF_FANN_COMPAT_H
#define ZF_FANN_COMPAT_H

#include <stdarg.h>
#include <stdint.h>

#include "fann/fnet_internal.h"
#include "floatfann.h"

/* The seed of the first network created on a thread; later networks and
 * fann_shuffle_train_data draw from the same per-thread stream, so a
 * program's results repeat from run to run (libfann seeds rand() from the
 * clock). */
#define ZF_DEFAULT_SEED UINT64_C(0x5eed2f4a4e4e)

/* Records an error FANN's way: sets errno_f and errstr of errdat (if not
 * NULL) and writes "FANN Error <n>: <message>" to the error log. The
 * variadic arguments are those of FANN's message for the code. */
void zf_error(struct fann_error *errdat, enum fann_errno_enum code, ...);
/* Starts an error record: no error, this thread's default log. */
void zf_init_error(struct fann_error *errdat);
/* The next seed from this thread's stream. */
uint64_t zf_next_seed(void);
/* A uniform integer in [0, n) from this thread's stream. */
uint64_t zf_rand_below(uint64_t n);

/* A struct fann around net (taken over; freed on failure). NULL when out
 * of memory, with the error reported. */
struct fann *zf_wrap(zn_fnet *net);

/* A zn_dataset over data's values: a view when the rows are contiguous (as
 * fann_create_train lays them out), else a copy. *tmp receives the copy (or
 * NULL) to free with zn_dataset_free. Returns 0 on success. */
int zf_data_view(const struct fann_train_data *data, zn_dataset *view, zn_dataset **tmp);
/* FANN's check that data fits ann (FANN_E_INPUT_NO_MATCH / OUTPUT_NO_MATCH); -1 when not. */
int zf_check_sizes(struct fann *ann, const struct fann_train_data *data);
/* FANN's stop test: 1 when the desired error is reached. */
int zf_desired_error_reached(struct fann *ann, float desired_error);
/* Reports a failed engine call on ann: FANN_E_CANT_ALLOCATE_MEM when out of
 * memory, else `fallback` (whose message takes no arguments). */
void zf_engine_error(struct fann *ann, zn_status status, enum fann_errno_enum fallback);

#endif /* ZF_FANN_COMPAT_H */
