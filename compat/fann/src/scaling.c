/* FANN's scaling parameters on a network: each input and output column is
 * standardised by its mean and deviation (seen as [-1, 1]) and mapped to
 * [new_min, new_max]. The parameters live in the engine's net so that .net
 * files save and load them. */
#include <math.h>

#include "fann_compat.h"

/* Allocates the eight arrays (the engine frees them with the net) at the
 * identity: mean 0, deviation 1, new_min -1, factor 1. */
static int ensure_scale(struct fann *ann) {
    zn_fnet *n = ann->zn_net;
    if (n->scale_mean_in) return 0;
    float **in[4] = {&n->scale_mean_in, &n->scale_deviation_in, &n->scale_new_min_in, &n->scale_factor_in};
    float **out[4] = {&n->scale_mean_out, &n->scale_deviation_out, &n->scale_new_min_out, &n->scale_factor_out};
    const float init[4] = {0, 1, -1, 1};
    int ok = 1;
    for (int k = 0; k < 4; k++) {
        *in[k] = zn_calloc(n->n_inputs ? n->n_inputs : 1, sizeof(float));
        *out[k] = zn_calloc(n->n_outputs ? n->n_outputs : 1, sizeof(float));
        ok = ok && *in[k] && *out[k];
    }
    if (!ok) {
        for (int k = 0; k < 4; k++) {
            zn_free(*in[k]);
            zn_free(*out[k]);
            *in[k] = *out[k] = NULL;
        }
        zf_error((struct fann_error *)ann, FANN_E_CANT_ALLOCATE_MEM);
        return -1;
    }
    for (int k = 0; k < 4; k++) {
        for (uint32_t j = 0; j < n->n_inputs; j++) (*in[k])[j] = init[k];
        for (uint32_t j = 0; j < n->n_outputs; j++) (*out[k])[j] = init[k];
    }
    return 0;
}

/* The parameters of one side from the data's columns (rows[i][j]), or the
 * identity when there are no rows. */
static void fit(fann_type **rows, unsigned num_data, unsigned cols, float new_min, float new_max, float *mean,
                float *deviation, float *new_min_out, float *factor) {
    for (unsigned j = 0; j < cols; j++) {
        if (!num_data) {
            mean[j] = 0, deviation[j] = 1, new_min_out[j] = -1, factor[j] = 1;
            continue;
        }
        float m = 0;
        for (unsigned i = 0; i < num_data; i++) m += rows[i][j];
        m /= (float)num_data;
        float d = 0;
        for (unsigned i = 0; i < num_data; i++) d += (rows[i][j] - m) * (rows[i][j] - m);
        mean[j] = m;
        deviation[j] = sqrtf(d / (float)num_data);
        factor[j] = (new_max - new_min) / 2.0f;
        new_min_out[j] = new_min;
    }
}

static int fits(struct fann *ann, const struct fann_train_data *data) {
    if (data->num_input != ann->zn_net->n_inputs || data->num_output != ann->zn_net->n_outputs) {
        zf_error((struct fann_error *)ann, FANN_E_TRAIN_DATA_MISMATCH);
        return 0;
    }
    return 1;
}

int fann_set_input_scaling_params(struct fann *ann, const struct fann_train_data *data, float new_input_min,
                                  float new_input_max) {
    if (!fits(ann, data) || ensure_scale(ann) != 0) return -1;
    zn_fnet *n = ann->zn_net;
    fit(data->input, data->num_data, n->n_inputs, new_input_min, new_input_max, n->scale_mean_in, n->scale_deviation_in,
        n->scale_new_min_in, n->scale_factor_in);
    return 0;
}

int fann_set_output_scaling_params(struct fann *ann, const struct fann_train_data *data, float new_output_min,
                                   float new_output_max) {
    if (!fits(ann, data) || ensure_scale(ann) != 0) return -1;
    zn_fnet *n = ann->zn_net;
    fit(data->output, data->num_data, n->n_outputs, new_output_min, new_output_max, n->scale_mean_out,
        n->scale_deviation_out, n->scale_new_min_out, n->scale_factor_out);
    return 0;
}

int fann_set_scaling_params(struct fann *ann, const struct fann_train_data *data, float new_input_min,
                            float new_input_max, float new_output_min, float new_output_max) {
    if (fann_set_input_scaling_params(ann, data, new_input_min, new_input_max) != 0) return -1;
    return fann_set_output_scaling_params(ann, data, new_output_min, new_output_max);
}

int fann_clear_scaling_params(struct fann *ann) {
    if (ensure_scale(ann) != 0) return -1;
    zn_fnet *n = ann->zn_net;
    fit(NULL, 0, n->n_inputs, -1, 1, n->scale_mean_in, n->scale_deviation_in, n->scale_new_min_in, n->scale_factor_in);
    fit(NULL, 0, n->n_outputs, -1, 1, n->scale_mean_out, n->scale_deviation_out, n->scale_new_min_out,
        n->scale_factor_out);
    return 0;
}

static int present(struct fann *ann) {
    if (ann->zn_net->scale_mean_in) return 1;
    zf_error((struct fann_error *)ann, FANN_E_SCALE_NOT_PRESENT);
    return 0;
}

/* (v - mean) / deviation is in [-1, 1] for typical data; -(-1) shifts it to
 * start at 0 before the factor and the new minimum, as FANN computes it. */
static void scale(fann_type *v, unsigned cols, const float *mean, const float *dev, const float *new_min,
                  const float *factor) {
    for (unsigned j = 0; j < cols; j++) v[j] = ((v[j] - mean[j]) / dev[j] - (-1.0f)) * factor[j] + new_min[j];
}

static void descale(fann_type *v, unsigned cols, const float *mean, const float *dev, const float *new_min,
                    const float *factor) {
    for (unsigned j = 0; j < cols; j++) v[j] = ((v[j] - new_min[j]) / factor[j] + (-1.0f)) * dev[j] + mean[j];
}

void fann_scale_input(struct fann *ann, fann_type *input_vector) {
    const zn_fnet *n = ann->zn_net;
    if (present(ann))
        scale(input_vector, n->n_inputs, n->scale_mean_in, n->scale_deviation_in, n->scale_new_min_in,
              n->scale_factor_in);
}

void fann_scale_output(struct fann *ann, fann_type *output_vector) {
    const zn_fnet *n = ann->zn_net;
    if (present(ann))
        scale(output_vector, n->n_outputs, n->scale_mean_out, n->scale_deviation_out, n->scale_new_min_out,
              n->scale_factor_out);
}

void fann_descale_input(struct fann *ann, fann_type *input_vector) {
    const zn_fnet *n = ann->zn_net;
    if (present(ann))
        descale(input_vector, n->n_inputs, n->scale_mean_in, n->scale_deviation_in, n->scale_new_min_in,
                n->scale_factor_in);
}

void fann_descale_output(struct fann *ann, fann_type *output_vector) {
    const zn_fnet *n = ann->zn_net;
    if (present(ann))
        descale(output_vector, n->n_outputs, n->scale_mean_out, n->scale_deviation_out, n->scale_new_min_out,
                n->scale_factor_out);
}

void fann_scale_train(struct fann *ann, struct fann_train_data *data) {
    if (!present(ann) || zf_check_sizes(ann, data) != 0) return;
    for (unsigned i = 0; i < data->num_data; i++) {
        fann_scale_input(ann, data->input[i]);
        fann_scale_output(ann, data->output[i]);
    }
}

void fann_descale_train(struct fann *ann, struct fann_train_data *data) {
    if (!present(ann) || zf_check_sizes(ann, data) != 0) return;
    for (unsigned i = 0; i < data->num_data; i++) {
        fann_descale_input(ann, data->input[i]);
        fann_descale_output(ann, data->output[i]);
    }
}
