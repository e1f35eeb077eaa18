/* zenn train's network: a new MLP from the options and the data, or the
 * model named by --init; the data scaled as the network expects. */
#ifndef ZN_TRAIN_MODEL_H
#define ZN_TRAIN_MODEL_H

#include "train_args.h"
#include "train_data.h"

/* Builds (or loads) the MLP and scales d's inputs (and, for a model with an
 * output scaler, its targets) in place. *chosen_hidden is set when the
 * hidden layer's size was chosen here. Returns 0 or the exit status after
 * one error line. */
int train_model_build(const train_args *a, train_data *d, zn_mlp **out, int *chosen_hidden);

/* The spec a new MLP gets from the options and the data (nothing allocated),
 * for the memory check before train_model_build. Returns 0 or the exit status. */
int train_model_spec(const train_args *a, const train_data *d, zn_mlp_spec *spec);

#endif
