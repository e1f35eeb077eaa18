/* Ready-made networks built from graph ops. */
#ifndef ZENN_NN_H
#define ZENN_NN_H

#include "zenn/graph.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ZN_MLP_MAX_LAYERS 16

typedef enum zn_loss_kind {
    ZN_LOSS_SSE = 0,  /* FANN's error: 0.5 * sum of squares per sample */
    ZN_LOSS_MSE,
    ZN_LOSS_XENT,     /* softmax cross-entropy; the output is the softmax */
    ZN_LOSS_BCE,      /* binary cross-entropy on logits; the output is the sigmoid */
    ZN_LOSS_MAE,
    ZN_LOSS_HUBER,    /* delta 1 */
} zn_loss_kind;

ZN_API const char *zn_loss_name(zn_loss_kind kind);
ZN_API int zn_loss_from_name(const char *name); /* -1 when unknown */

/* A multilayer perceptron: sizes[0] inputs, sizes[n_layers-1] outputs. */
typedef struct zn_mlp_spec {
    int n_layers;
    int64_t sizes[ZN_MLP_MAX_LAYERS];
    zn_nact hidden_act, output_act;   /* output_act is ignored for XENT and BCE (logits) */
    float hidden_steepness, output_steepness;
    int shortcut;        /* FANN's shortcut network: each layer sees every earlier layer */
    zn_loss_kind loss;
    zn_init init;        /* ZN_INIT_UNIFORM with init_scale 0.1 is FANN's fann_randomize_weights */
    float init_scale;
    float dropout;       /* after each hidden layer (0: none) */
} zn_mlp_spec;

/* FANN's defaults: sigmoid-symmetric hidden and output layers with
 * steepness 0.5, SSE loss, uniform weights in [-0.1, 0.1]. */
ZN_API zn_mlp_spec zn_mlp_spec_default(void);

/* The model's inputs are "x" (sizes[0]) and "target" (sizes[last]); its one
 * output is the prediction. */
ZN_API zn_status zn_mlp_create(const zn_mlp_spec *spec, uint64_t seed, zn_model **out);

#ifdef __cplusplus
}
#endif
#endif /* ZENN_NN_H */
