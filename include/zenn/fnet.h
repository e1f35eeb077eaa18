/* FANN-structured networks: neurons and connections laid out exactly as FANN
 * 2.2 lays them out (layers of neurons each ending in a bias neuron,
 * per-neuron activation and steepness, one flat connection array), so that
 * FANN's .net files, FANN's training algorithms, cascade-correlation and the
 * drop-in FANN API (libzenn-fann) all see FANN's network, while runs and
 * training go through zenn's kernels.
 *
 * Unlike FANN: every function returns a status (or NULL/NaN) and sets the
 * thread's error text; random numbers come from the network's own generator,
 * seeded at creation; nothing is process-wide. */
#ifndef ZENN_FNET_H
#define ZENN_FNET_H

#include "zenn/data.h"
#include "zenn/graph.h"
#include "zenn/nn.h"
#include "zenn/train.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct zn_fnet zn_fnet;

/* FANN's network_type. */
typedef enum zn_fnet_kind { ZN_FNET_LAYER = 0, ZN_FNET_SHORTCUT = 1 } zn_fnet_kind;
/* FANN's train_error_function. */
typedef enum zn_fnet_errfn { ZN_FNET_ERRFN_LINEAR = 0, ZN_FNET_ERRFN_TANH = 1 } zn_fnet_errfn;

/* ---- creation ------------------------------------------------------------- */

/* sizes[0] inputs ... sizes[n_layers-1] outputs (bias neurons not counted).
 * Weights are uniform in [-0.1, 0.1] from `seed`, as fann_create_* does. */
ZN_API zn_status zn_fnet_create_standard(unsigned n_layers, const unsigned *sizes, uint64_t seed, zn_fnet **out);
/* FANN's sparse network: about connection_rate of the connections. */
ZN_API zn_status zn_fnet_create_sparse(float connection_rate, unsigned n_layers, const unsigned *sizes, uint64_t seed,
                                       zn_fnet **out);
/* FANN's shortcut network: every neuron sees every earlier neuron. */
ZN_API zn_status zn_fnet_create_shortcut(unsigned n_layers, const unsigned *sizes, uint64_t seed, zn_fnet **out);
ZN_API zn_status zn_fnet_copy(const zn_fnet *net, zn_fnet **out);
ZN_API void zn_fnet_free(zn_fnet *net); /* NULL is a no-op */

ZN_API unsigned zn_fnet_num_inputs(const zn_fnet *net);
ZN_API unsigned zn_fnet_num_outputs(const zn_fnet *net);
ZN_API unsigned zn_fnet_num_neurons(const zn_fnet *net); /* bias neurons included, as fann_get_total_neurons */
ZN_API unsigned zn_fnet_num_connections(const zn_fnet *net);

/* ---- inspection (what zenn info shows) ------------------------------------- */

ZN_API zn_fnet_kind zn_fnet_network_type(const zn_fnet *net); /* fann_get_network_type */
ZN_API float zn_fnet_connection_rate(const zn_fnet *net);     /* fann_get_connection_rate */
ZN_API unsigned zn_fnet_num_layers(const zn_fnet *net);       /* input and output layers included */
/* Layer `layer`'s neurons without bias neurons (fann_get_layer_array); 0 out of range. */
ZN_API unsigned zn_fnet_layer_size(const zn_fnet *net, unsigned layer);
/* The activation every neuron of layer `layer` (1 .. layers-1) has, or -1 when
 * they differ or the layer is out of range. */
ZN_API int zn_fnet_layer_activation(const zn_fnet *net, unsigned layer);
/* Does the net carry FANN's input/output scaling (fann_set_scaling_params)? */
ZN_API int zn_fnet_has_scaling(const zn_fnet *net);

/* ---- running ------------------------------------------------------------------ */

/* One sample: returns the net's output buffer (valid until the next call on
 * net), NULL on error. */
ZN_API const float *zn_fnet_run(zn_fnet *net, const float *input);
/* rows samples, row-major x (rows * inputs) -> y (rows * outputs). */
ZN_API zn_status zn_fnet_run_batch(zn_fnet *net, int64_t rows, const float *x, float *y);
/* The same on raw rows, with the net's scaling (if any) around the run:
 * fann_scale_input, fann_run, fann_descale_output per row. */
ZN_API zn_status zn_fnet_run_scaled(zn_fnet *net, int64_t rows, const float *x, float *y);

/* ---- weights -------------------------------------------------------------------- */

ZN_API void zn_fnet_randomize_weights(zn_fnet *net, float min_weight, float max_weight);
/* FANN's fann_init_weights (Nguyen-Widrow) over the inputs of `data`. */
ZN_API zn_status zn_fnet_init_weights(zn_fnet *net, const zn_dataset *data);
ZN_API void zn_fnet_seed(zn_fnet *net, uint64_t seed);

/* ---- activations (layer 0 is the input layer; FANN's numbering) ----------------- */

ZN_API zn_status zn_fnet_set_activation(zn_fnet *net, zn_nact act, int layer, int neuron); /* neuron -1: whole layer */
ZN_API zn_status zn_fnet_set_steepness(zn_fnet *net, float steepness, int layer, int neuron);
ZN_API void zn_fnet_set_activation_hidden(zn_fnet *net, zn_nact act);
ZN_API void zn_fnet_set_activation_output(zn_fnet *net, zn_nact act);
ZN_API void zn_fnet_set_steepness_hidden(zn_fnet *net, float steepness);
ZN_API void zn_fnet_set_steepness_output(zn_fnet *net, float steepness);

/* ---- training with FANN's algorithms and rules -------------------------------------- */

/* Resets the epoch's error accounting (fann_reset_MSE). */
ZN_API void zn_fnet_reset_mse(zn_fnet *net);
ZN_API float zn_fnet_mse(const zn_fnet *net); /* fann_get_MSE: 0 when nothing was measured */
ZN_API unsigned zn_fnet_bit_fail(const zn_fnet *net);

/* fann_train: one incremental step on one sample. */
ZN_API zn_status zn_fnet_train_sample(zn_fnet *net, const float *input, const float *target);
/* fann_test: runs one sample and adds its error to the MSE; returns the outputs. */
ZN_API const float *zn_fnet_test_sample(zn_fnet *net, const float *input, const float *target);
/* fann_train_epoch: one epoch of the net's algorithm over data; returns the
 * epoch's MSE (measured during the epoch, as FANN does), NaN on error
 * (ZN_ERR_DIVERGED's text when the MSE or a weight became non-finite). */
ZN_API float zn_fnet_train_epoch(zn_fnet *net, const zn_dataset *data);
/* fann_test_data: the MSE over data without training, NaN on error. */
ZN_API float zn_fnet_test_data(zn_fnet *net, const zn_dataset *data);

/* Called every `epochs_between_reports` epochs (and after the last); a
 * negative return stops training, as FANN's callback. */
typedef int (*zn_fnet_report_fn)(zn_fnet *net, const zn_dataset *data, unsigned max_epochs,
                                 unsigned epochs_between_reports, float desired_error, unsigned epochs, void *user);

/* fann_train_on_data: epochs until the stop function reaches desired_error.
 * ZN_ERR_DIVERGED, naming the epoch, when the MSE or a weight becomes
 * non-finite (the weights are then unusable). */
ZN_API zn_status zn_fnet_train_on_data(zn_fnet *net, const zn_dataset *data, unsigned max_epochs,
                                       unsigned epochs_between_reports, float desired_error, zn_fnet_report_fn report,
                                       void *user);

/* ---- cascade-correlation (FANN's Cascade2) ---------------------------------------------- */

/* Grows net (which should have no hidden layers) neuron by neuron until the
 * stop function reaches desired_error or max_neurons are added (ZN_ERR_DIVERGED
 * when training the outputs makes the MSE or a weight non-finite); `report` is
 * called every neurons_between_reports neurons with the neuron count as
 * `epochs`. Candidates train in parallel on `pool` (NULL: the default). */
ZN_API zn_status zn_cascade_train(zn_fnet *net, const zn_dataset *data, unsigned max_neurons,
                                  unsigned neurons_between_reports, float desired_error, zn_fnet_report_fn report,
                                  void *user, zn_pool *pool);

/* ---- files ------------------------------------------------------------------------------- */

/* FANN's .net text: reads FANN_FLO_2.1, FANN_FLO_2.0 and FANN_FIX_2.0; every
 * malformed file is ZN_ERR_FORMAT with a message naming file, line and field. */
ZN_API zn_status zn_fnet_load(const char *path, zn_fnet **out);
ZN_API zn_status zn_fnet_parse(const char *text, size_t len, const char *name, zn_fnet **out);
/* Writes FANN_FLO_2.1 atomically. */
ZN_API zn_status zn_fnet_save(const zn_fnet *net, const char *path);
/* Writes FANN_FIX_2.0 (fann_save_to_fixed); *decimal_point receives the
 * fixed-point position FANN would choose. */
ZN_API zn_status zn_fnet_save_fixed(const zn_fnet *net, const char *path, int *decimal_point);

/* Between FANN networks and zenn's models (zn_mlp): a layered or shortcut net
 * whose hidden layers share one activation and steepness, and whose output
 * layer shares one, converts both ways; anything else is ZN_ERR_UNSUPPORTED
 * with the reason. */
ZN_API zn_status zn_fnet_to_mlp(const zn_fnet *net, zn_mlp **out);
ZN_API zn_status zn_fnet_from_mlp(const zn_mlp *mlp, zn_fnet **out);

#ifdef __cplusplus
}
#endif
#endif /* ZENN_FNET_H */
