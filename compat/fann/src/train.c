/* Training and testing with FANN's algorithms (the engine's zn_fnet_*),
 * and fann_train_on_data's loop with libfann's reports and callback. */
#include <math.h>

#include "fann_compat.h"

int zf_check_sizes(struct fann *ann, const struct fann_train_data *data) {
    if (data->num_input != ann->zn_net->n_inputs) {
        zf_error((struct fann_error *)ann, FANN_E_INPUT_NO_MATCH, ann->zn_net->n_inputs, data->num_input);
        return -1;
    }
    if (data->num_output != ann->zn_net->n_outputs) {
        zf_error((struct fann_error *)ann, FANN_E_OUTPUT_NO_MATCH, ann->zn_net->n_outputs, data->num_output);
        return -1;
    }
    return 0;
}

int zf_desired_error_reached(struct fann *ann, float desired_error) {
    if (ann->zn_net->train_stop_function == ZN_STOP_BIT)
        return zn_fnet_bit_fail(ann->zn_net) <= (unsigned int)desired_error;
    return zn_fnet_mse(ann->zn_net) <= desired_error;
}

void fann_train(struct fann *ann, fann_type *input, fann_type *desired_output) {
    zn_status st = zn_fnet_train_sample(ann->zn_net, input, desired_output);
    if (st != ZN_OK) zf_engine_error(ann, st, FANN_E_CANT_TRAIN_ACTIVATION);
}

fann_type *fann_test(struct fann *ann, fann_type *input, fann_type *desired_output) {
    if (!zn_fnet_test_sample(ann->zn_net, input, desired_output)) {
        zf_error((struct fann_error *)ann, FANN_E_CANT_ALLOCATE_MEM);
        return NULL;
    }
    return ann->zn_net->outputs;
}

float fann_get_MSE(struct fann *ann) { return zn_fnet_mse(ann->zn_net); }
unsigned int fann_get_bit_fail(struct fann *ann) { return zn_fnet_bit_fail(ann->zn_net); }
void fann_reset_MSE(struct fann *ann) { zn_fnet_reset_mse(ann->zn_net); }

/* One epoch over a view of the data; 0 on error as libfann returns. */
static float epoch(struct fann *ann, const zn_dataset *view) {
    float mse = zn_fnet_train_epoch(ann->zn_net, view);
    if (isnan(mse)) {
        zf_error((struct fann_error *)ann, FANN_E_CANT_USE_TRAIN_ALG);
        return 0;
    }
    return mse;
}

float fann_train_epoch(struct fann *ann, struct fann_train_data *data) {
    if (zf_check_sizes(ann, data) != 0) return 0;
    zn_dataset view, *tmp;
    if (zf_data_view(data, &view, &tmp) != 0) {
        zf_error((struct fann_error *)ann, FANN_E_CANT_ALLOCATE_MEM);
        return 0;
    }
    float mse = epoch(ann, &view);
    zn_dataset_free(tmp);
    return mse;
}

float fann_test_data(struct fann *ann, struct fann_train_data *data) {
    if (zf_check_sizes(ann, data) != 0) return 0;
    zn_dataset view, *tmp;
    if (zf_data_view(data, &view, &tmp) != 0) {
        zf_error((struct fann_error *)ann, FANN_E_CANT_ALLOCATE_MEM);
        return 0;
    }
    float mse = zn_fnet_test_data(ann->zn_net, &view);
    zn_dataset_free(tmp);
    if (isnan(mse)) {
        zf_error((struct fann_error *)ann, FANN_E_CANT_ALLOCATE_MEM);
        return 0;
    }
    return mse;
}

/* libfann's loop: a report on the first epoch, every epochs_between_reports,
 * on the last and when the desired error is reached; printed to stdout
 * without a callback, else the callback is called and -1 stops. */
void fann_train_on_data(struct fann *ann, struct fann_train_data *data, unsigned int max_epochs,
                        unsigned int epochs_between_reports, float desired_error) {
    if (epochs_between_reports && !ann->callback)
        printf("Max epochs %8d. Desired error: %.10f.\n", (int)max_epochs, (double)desired_error);
    if (zf_check_sizes(ann, data) != 0) return;
    zn_dataset view, *tmp;
    if (zf_data_view(data, &view, &tmp) != 0) {
        zf_error((struct fann_error *)ann, FANN_E_CANT_ALLOCATE_MEM);
        return;
    }
    for (unsigned i = 1; i <= max_epochs; i++) {
        float error = epoch(ann, &view);
        int reached = zf_desired_error_reached(ann, desired_error);
        if (epochs_between_reports && (i % epochs_between_reports == 0 || i == max_epochs || i == 1 || reached)) {
            if (!ann->callback) {
                printf("Epochs     %8d. Current error: %.10f. Bit fail %d.\n", (int)i, (double)error,
                       (int)zn_fnet_bit_fail(ann->zn_net));
            } else if (ann->callback(ann, data, max_epochs, epochs_between_reports, desired_error, i) == -1) {
                break;
            }
        }
        if (reached) break;
    }
    zn_dataset_free(tmp);
}

void fann_train_on_file(struct fann *ann, const char *filename, unsigned int max_epochs,
                        unsigned int epochs_between_reports, float desired_error) {
    struct fann_train_data *data = fann_read_train_from_file(filename);
    if (!data) return;
    fann_train_on_data(ann, data, max_epochs, epochs_between_reports, desired_error);
    fann_destroy_train(data);
}
