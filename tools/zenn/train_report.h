/* zenn train's words: the plan before training (data, task, network) and
 * the summary after it (epochs, why training stopped, test figures), as text
 * on stderr or one JSON object on stdout. */
#ifndef ZN_TRAIN_REPORT_H
#define ZN_TRAIN_REPORT_H

#include "train_args.h"
#include "train_data.h"

typedef struct train_summary {
    const train_args *a;
    const train_data *d;
    const zn_mlp *mlp;
    zn_algo algo;
    int chosen_hidden; /* the hidden layer's size was chosen, not given */
    const zn_train_config *cfg;
    const zn_train_report *rep; /* after training */
    const zn_eval *test;        /* after training, with test data */
    const zn_mlp_spec *spec;    /* the network to train (the model may not exist yet) */
    const char *defaults;       /* what the data-driven defaults chose and why, or NULL */
} train_summary;

/* "data: ...", "task: ...", "network: ..." on stderr. */
void train_report_plan(const train_summary *s);
/* The summary (text on stderr unless --quiet, or --json on stdout). */
void train_report_results(const train_summary *s);

#endif
