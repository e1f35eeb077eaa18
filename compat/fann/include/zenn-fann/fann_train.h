/* zenn-fann: training, training data and scaling (FANN 2.2's API). */
#ifndef __fann_train_h__
#define __fann_train_h__

/* Training data: num_data samples of num_input inputs and num_output
 * outputs. input[i] and output[i] point into one block each, as in FANN. */
struct fann_train_data {
    enum fann_errno_enum errno_f;
    FILE *error_log;
    char *errstr;

    unsigned int num_data;
    unsigned int num_input;
    unsigned int num_output;
    fann_type **input;
    fann_type **output;
};

/* ---- one sample at a time ---------------------------------------------- */

FANN_EXTERNAL void FANN_API fann_train(struct fann *ann, fann_type *input, fann_type *desired_output);
FANN_EXTERNAL fann_type *FANN_API fann_test(struct fann *ann, fann_type *input, fann_type *desired_output);
FANN_EXTERNAL float FANN_API fann_get_MSE(struct fann *ann);
FANN_EXTERNAL unsigned int FANN_API fann_get_bit_fail(struct fann *ann);
FANN_EXTERNAL void FANN_API fann_reset_MSE(struct fann *ann);

/* ---- whole data sets ----------------------------------------------------- */

FANN_EXTERNAL void FANN_API fann_train_on_data(struct fann *ann, struct fann_train_data *data, unsigned int max_epochs,
                                               unsigned int epochs_between_reports, float desired_error);
FANN_EXTERNAL void FANN_API fann_train_on_file(struct fann *ann, const char *filename, unsigned int max_epochs,
                                               unsigned int epochs_between_reports, float desired_error);
FANN_EXTERNAL float FANN_API fann_train_epoch(struct fann *ann, struct fann_train_data *data);
FANN_EXTERNAL float FANN_API fann_test_data(struct fann *ann, struct fann_train_data *data);

/* ---- training data --------------------------------------------------------- */

FANN_EXTERNAL struct fann_train_data *FANN_API fann_read_train_from_file(const char *filename);
FANN_EXTERNAL struct fann_train_data *FANN_API fann_create_train(unsigned int num_data, unsigned int num_input,
                                                                 unsigned int num_output);
FANN_EXTERNAL struct fann_train_data *FANN_API fann_create_train_from_callback(
    unsigned int num_data, unsigned int num_input, unsigned int num_output,
    void(FANN_API *user_function)(unsigned int, unsigned int, unsigned int, fann_type *, fann_type *));
FANN_EXTERNAL void FANN_API fann_destroy_train(struct fann_train_data *train_data);
FANN_EXTERNAL void FANN_API fann_shuffle_train_data(struct fann_train_data *train_data);

/* ---- scaling through a network's parameters ------------------------------- */

FANN_EXTERNAL void FANN_API fann_scale_train(struct fann *ann, struct fann_train_data *data);
FANN_EXTERNAL void FANN_API fann_descale_train(struct fann *ann, struct fann_train_data *data);
FANN_EXTERNAL int FANN_API fann_set_input_scaling_params(struct fann *ann, const struct fann_train_data *data,
                                                         float new_input_min, float new_input_max);
FANN_EXTERNAL int FANN_API fann_set_output_scaling_params(struct fann *ann, const struct fann_train_data *data,
                                                          float new_output_min, float new_output_max);
FANN_EXTERNAL int FANN_API fann_set_scaling_params(struct fann *ann, const struct fann_train_data *data,
                                                   float new_input_min, float new_input_max, float new_output_min,
                                                   float new_output_max);
FANN_EXTERNAL int FANN_API fann_clear_scaling_params(struct fann *ann);
FANN_EXTERNAL void FANN_API fann_scale_input(struct fann *ann, fann_type *input_vector);
FANN_EXTERNAL void FANN_API fann_scale_output(struct fann *ann, fann_type *output_vector);
FANN_EXTERNAL void FANN_API fann_descale_input(struct fann *ann, fann_type *input_vector);
FANN_EXTERNAL void FANN_API fann_descale_output(struct fann *ann, fann_type *output_vector);

/* ---- data-only scaling and editing --------------------------------------- */

FANN_EXTERNAL void FANN_API fann_scale_input_train_data(struct fann_train_data *train_data, fann_type new_min,
                                                        fann_type new_max);
FANN_EXTERNAL void FANN_API fann_scale_output_train_data(struct fann_train_data *train_data, fann_type new_min,
                                                         fann_type new_max);
FANN_EXTERNAL void FANN_API fann_scale_train_data(struct fann_train_data *train_data, fann_type new_min,
                                                  fann_type new_max);
FANN_EXTERNAL struct fann_train_data *FANN_API fann_merge_train_data(struct fann_train_data *data1,
                                                                     struct fann_train_data *data2);
FANN_EXTERNAL struct fann_train_data *FANN_API fann_duplicate_train_data(struct fann_train_data *data);
FANN_EXTERNAL struct fann_train_data *FANN_API fann_subset_train_data(struct fann_train_data *data, unsigned int pos,
                                                                      unsigned int length);
FANN_EXTERNAL unsigned int FANN_API fann_length_train_data(struct fann_train_data *data);
FANN_EXTERNAL unsigned int FANN_API fann_num_input_train_data(struct fann_train_data *data);
FANN_EXTERNAL unsigned int FANN_API fann_num_output_train_data(struct fann_train_data *data);
FANN_EXTERNAL int FANN_API fann_save_train(struct fann_train_data *data, const char *filename);
FANN_EXTERNAL int FANN_API fann_save_train_to_fixed(struct fann_train_data *data, const char *filename,
                                                    unsigned int decimal_point);

/* ---- training parameters --------------------------------------------------- */

FANN_EXTERNAL enum fann_train_enum FANN_API fann_get_training_algorithm(struct fann *ann);
FANN_EXTERNAL void FANN_API fann_set_training_algorithm(struct fann *ann, enum fann_train_enum training_algorithm);
FANN_EXTERNAL float FANN_API fann_get_learning_rate(struct fann *ann);
FANN_EXTERNAL void FANN_API fann_set_learning_rate(struct fann *ann, float learning_rate);
FANN_EXTERNAL float FANN_API fann_get_learning_momentum(struct fann *ann);
FANN_EXTERNAL void FANN_API fann_set_learning_momentum(struct fann *ann, float learning_momentum);

/* Layers count from 0 (the input layer); a neuron number is within its layer. */
FANN_EXTERNAL enum fann_activationfunc_enum FANN_API fann_get_activation_function(struct fann *ann, int layer,
                                                                                  int neuron);
FANN_EXTERNAL void FANN_API fann_set_activation_function(struct fann *ann,
                                                         enum fann_activationfunc_enum activation_function, int layer,
                                                         int neuron);
FANN_EXTERNAL void FANN_API fann_set_activation_function_layer(struct fann *ann,
                                                               enum fann_activationfunc_enum activation_function,
                                                               int layer);
FANN_EXTERNAL void FANN_API fann_set_activation_function_hidden(struct fann *ann,
                                                                enum fann_activationfunc_enum activation_function);
FANN_EXTERNAL void FANN_API fann_set_activation_function_output(struct fann *ann,
                                                                enum fann_activationfunc_enum activation_function);
FANN_EXTERNAL fann_type FANN_API fann_get_activation_steepness(struct fann *ann, int layer, int neuron);
FANN_EXTERNAL void FANN_API fann_set_activation_steepness(struct fann *ann, fann_type steepness, int layer, int neuron);
FANN_EXTERNAL void FANN_API fann_set_activation_steepness_layer(struct fann *ann, fann_type steepness, int layer);
FANN_EXTERNAL void FANN_API fann_set_activation_steepness_hidden(struct fann *ann, fann_type steepness);
FANN_EXTERNAL void FANN_API fann_set_activation_steepness_output(struct fann *ann, fann_type steepness);

FANN_EXTERNAL enum fann_errorfunc_enum FANN_API fann_get_train_error_function(struct fann *ann);
FANN_EXTERNAL void FANN_API fann_set_train_error_function(struct fann *ann,
                                                          enum fann_errorfunc_enum train_error_function);
FANN_EXTERNAL enum fann_stopfunc_enum FANN_API fann_get_train_stop_function(struct fann *ann);
FANN_EXTERNAL void FANN_API fann_set_train_stop_function(struct fann *ann, enum fann_stopfunc_enum train_stop_function);
FANN_EXTERNAL fann_type FANN_API fann_get_bit_fail_limit(struct fann *ann);
FANN_EXTERNAL void FANN_API fann_set_bit_fail_limit(struct fann *ann, fann_type bit_fail_limit);
FANN_EXTERNAL void FANN_API fann_set_callback(struct fann *ann, fann_callback_type callback);

FANN_EXTERNAL float FANN_API fann_get_quickprop_decay(struct fann *ann);
FANN_EXTERNAL void FANN_API fann_set_quickprop_decay(struct fann *ann, float quickprop_decay);
FANN_EXTERNAL float FANN_API fann_get_quickprop_mu(struct fann *ann);
FANN_EXTERNAL void FANN_API fann_set_quickprop_mu(struct fann *ann, float quickprop_mu);
FANN_EXTERNAL float FANN_API fann_get_rprop_increase_factor(struct fann *ann);
FANN_EXTERNAL void FANN_API fann_set_rprop_increase_factor(struct fann *ann, float rprop_increase_factor);
FANN_EXTERNAL float FANN_API fann_get_rprop_decrease_factor(struct fann *ann);
FANN_EXTERNAL void FANN_API fann_set_rprop_decrease_factor(struct fann *ann, float rprop_decrease_factor);
FANN_EXTERNAL float FANN_API fann_get_rprop_delta_min(struct fann *ann);
FANN_EXTERNAL void FANN_API fann_set_rprop_delta_min(struct fann *ann, float rprop_delta_min);
FANN_EXTERNAL float FANN_API fann_get_rprop_delta_max(struct fann *ann);
FANN_EXTERNAL void FANN_API fann_set_rprop_delta_max(struct fann *ann, float rprop_delta_max);
FANN_EXTERNAL float FANN_API fann_get_rprop_delta_zero(struct fann *ann);
FANN_EXTERNAL void FANN_API fann_set_rprop_delta_zero(struct fann *ann, float rprop_delta_zero);
FANN_EXTERNAL float FANN_API fann_get_sarprop_weight_decay_shift(struct fann *ann);
FANN_EXTERNAL void FANN_API fann_set_sarprop_weight_decay_shift(struct fann *ann, float sarprop_weight_decay_shift);
FANN_EXTERNAL float FANN_API fann_get_sarprop_step_error_threshold_factor(struct fann *ann);
FANN_EXTERNAL void FANN_API fann_set_sarprop_step_error_threshold_factor(struct fann *ann,
                                                                         float sarprop_step_error_threshold_factor);
FANN_EXTERNAL float FANN_API fann_get_sarprop_step_error_shift(struct fann *ann);
FANN_EXTERNAL void FANN_API fann_set_sarprop_step_error_shift(struct fann *ann, float sarprop_step_error_shift);
FANN_EXTERNAL float FANN_API fann_get_sarprop_temperature(struct fann *ann);
FANN_EXTERNAL void FANN_API fann_set_sarprop_temperature(struct fann *ann, float sarprop_temperature);

#endif /* __fann_train_h__ */
