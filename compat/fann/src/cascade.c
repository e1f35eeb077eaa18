/* fann_cascadetrain_on_data: the engine's cascade-correlation with
 * libfann's reports (stdout) or the program's callback. */
#include <string.h>

#include "fann/cascade_internal.h"
#include "fann_compat.h"

typedef struct zf_cascade_report {
    struct fann *ann;
    struct fann_train_data *data;
    uint32_t neurons_before; /* to count the neurons added, as libfann's loop index */
} zf_cascade_report;

/* Called with the total epochs so far (zn_cascade_opts.report_epochs). */
static int report(zn_fnet *net, const zn_dataset *data, unsigned max_neurons, unsigned between, float desired_error,
                  unsigned total_epochs, void *user) {
    (void)data;
    zf_cascade_report *r = user;
    if (r->ann->callback)
        return r->ann->callback(r->ann, r->data, max_neurons, between, desired_error, total_epochs) == -1 ? -1 : 0;
    float mse = zn_fnet_mse(net);
    printf("Neurons     %3d. Current error: %.6f. Total error:%8.4f. Epochs %5d. Bit fail %3d",
           (int)(net->n_neurons - r->neurons_before), (double)mse, net->mse_sum, (int)total_epochs,
           (int)zn_fnet_bit_fail(net));
    if (net->n_layers > 2) {
        /* the newest hidden neuron: the first of the last hidden layer */
        const zn_fnet_neuron *h = &net->neurons[net->layers[net->n_layers - 2].first];
        unsigned a = (unsigned)h->act;
        printf(". candidate steepness %.2f. function %s", (double)h->steepness,
               a <= FANN_COS ? FANN_ACTIVATIONFUNC_NAMES[a] : zn_nact_name(h->act));
    }
    printf("\n");
    return 0;
}

void fann_cascadetrain_on_data(struct fann *ann, struct fann_train_data *data, unsigned int max_neurons,
                               unsigned int neurons_between_reports, float desired_error) {
    const int print = neurons_between_reports && !ann->callback;
    if (print) printf("Max neurons %3d. Desired error: %.6f\n", (int)max_neurons, (double)desired_error);
    if (zf_check_sizes(ann, data) != 0) return;
    zn_dataset view, *tmp;
    if (zf_data_view(data, &view, &tmp) != 0) {
        zf_error((struct fann_error *)ann, FANN_E_CANT_ALLOCATE_MEM);
        return;
    }
    zf_cascade_report r = {ann, data, ann->zn_net->n_neurons};
    unsigned total_epochs = 0;
    zn_cascade_opts opts;
    memset(&opts, 0, sizeof opts);
    opts.report_epochs = 1;
    opts.total_epochs = &total_epochs;
    zn_status st =
        zn_cascade_train_ex(ann->zn_net, &view, max_neurons, neurons_between_reports, desired_error, report, &r, &opts);
    zn_dataset_free(tmp);
    if (st != ZN_OK) {
        zf_engine_error(ann, st, FANN_E_CANT_USE_TRAIN_ALG);
        return;
    }
    if (print)
        printf("Train outputs    Current error: %.6f. Epochs %6d\n", (double)zn_fnet_mse(ann->zn_net),
               (int)total_epochs);
}

void fann_cascadetrain_on_file(struct fann *ann, const char *filename, unsigned int max_neurons,
                               unsigned int neurons_between_reports, float desired_error) {
    struct fann_train_data *data = fann_read_train_from_file(filename);
    if (!data) return;
    fann_cascadetrain_on_data(ann, data, max_neurons, neurons_between_reports, desired_error);
    fann_destroy_train(data);
}
