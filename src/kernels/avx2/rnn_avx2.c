/* The recurrent gate loops compiled for this folder's instruction set. */
#include "kernels/rnn_gates_inl.h"

void zn_rnn_init_avx2(zn_rnn_kernels *k) { rnn_fill(k); }
