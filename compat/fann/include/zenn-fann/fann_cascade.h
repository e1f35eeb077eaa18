/* zenn-fann: cascade-correlation training (FANN 2.2's Cascade2) and its parameters. */
#ifndef __fann_cascade_h__
#define __fann_cascade_h__

/* Grows ann (which should have no hidden layers) neuron by neuron. */
FANN_EXTERNAL void FANN_API fann_cascadetrain_on_data(struct fann *ann, struct fann_train_data *data,
                                                      unsigned int max_neurons, unsigned int neurons_between_reports,
                                                      float desired_error);
FANN_EXTERNAL void FANN_API fann_cascadetrain_on_file(struct fann *ann, const char *filename, unsigned int max_neurons,
                                                      unsigned int neurons_between_reports, float desired_error);

FANN_EXTERNAL float FANN_API fann_get_cascade_output_change_fraction(struct fann *ann);
FANN_EXTERNAL void FANN_API fann_set_cascade_output_change_fraction(struct fann *ann,
                                                                    float cascade_output_change_fraction);
FANN_EXTERNAL unsigned int FANN_API fann_get_cascade_output_stagnation_epochs(struct fann *ann);
FANN_EXTERNAL void FANN_API fann_set_cascade_output_stagnation_epochs(struct fann *ann,
                                                                      unsigned int cascade_output_stagnation_epochs);
FANN_EXTERNAL float FANN_API fann_get_cascade_candidate_change_fraction(struct fann *ann);
FANN_EXTERNAL void FANN_API fann_set_cascade_candidate_change_fraction(struct fann *ann,
                                                                       float cascade_candidate_change_fraction);
FANN_EXTERNAL unsigned int FANN_API fann_get_cascade_candidate_stagnation_epochs(struct fann *ann);
FANN_EXTERNAL void FANN_API
fann_set_cascade_candidate_stagnation_epochs(struct fann *ann, unsigned int cascade_candidate_stagnation_epochs);
FANN_EXTERNAL fann_type FANN_API fann_get_cascade_weight_multiplier(struct fann *ann);
FANN_EXTERNAL void FANN_API fann_set_cascade_weight_multiplier(struct fann *ann, fann_type cascade_weight_multiplier);
FANN_EXTERNAL fann_type FANN_API fann_get_cascade_candidate_limit(struct fann *ann);
FANN_EXTERNAL void FANN_API fann_set_cascade_candidate_limit(struct fann *ann, fann_type cascade_candidate_limit);
FANN_EXTERNAL unsigned int FANN_API fann_get_cascade_max_out_epochs(struct fann *ann);
FANN_EXTERNAL void FANN_API fann_set_cascade_max_out_epochs(struct fann *ann, unsigned int cascade_max_out_epochs);
FANN_EXTERNAL unsigned int FANN_API fann_get_cascade_min_out_epochs(struct fann *ann);
FANN_EXTERNAL void FANN_API fann_set_cascade_min_out_epochs(struct fann *ann, unsigned int cascade_min_out_epochs);
FANN_EXTERNAL unsigned int FANN_API fann_get_cascade_max_cand_epochs(struct fann *ann);
FANN_EXTERNAL void FANN_API fann_set_cascade_max_cand_epochs(struct fann *ann, unsigned int cascade_max_cand_epochs);
FANN_EXTERNAL unsigned int FANN_API fann_get_cascade_min_cand_epochs(struct fann *ann);
FANN_EXTERNAL void FANN_API fann_set_cascade_min_cand_epochs(struct fann *ann, unsigned int cascade_min_cand_epochs);
/* functions x steepnesses x candidate groups */
FANN_EXTERNAL unsigned int FANN_API fann_get_cascade_num_candidates(struct fann *ann);
FANN_EXTERNAL unsigned int FANN_API fann_get_cascade_activation_functions_count(struct fann *ann);
FANN_EXTERNAL enum fann_activationfunc_enum *FANN_API fann_get_cascade_activation_functions(struct fann *ann);
FANN_EXTERNAL void FANN_API
fann_set_cascade_activation_functions(struct fann *ann, enum fann_activationfunc_enum *cascade_activation_functions,
                                      unsigned int cascade_activation_functions_count);
FANN_EXTERNAL unsigned int FANN_API fann_get_cascade_activation_steepnesses_count(struct fann *ann);
FANN_EXTERNAL fann_type *FANN_API fann_get_cascade_activation_steepnesses(struct fann *ann);
FANN_EXTERNAL void FANN_API fann_set_cascade_activation_steepnesses(struct fann *ann,
                                                                    fann_type *cascade_activation_steepnesses,
                                                                    unsigned int cascade_activation_steepnesses_count);
FANN_EXTERNAL unsigned int FANN_API fann_get_cascade_num_candidate_groups(struct fann *ann);
FANN_EXTERNAL void FANN_API fann_set_cascade_num_candidate_groups(struct fann *ann,
                                                                  unsigned int cascade_num_candidate_groups);

#endif /* __fann_cascade_h__ */
