/* zenn: neural networks in C on the CPU. The umbrella header. */
#ifndef ZENN_ZENN_H
#define ZENN_ZENN_H

#include "zenn/base.h"
#include "zenn/pool.h"
#include "zenn/vmath.h"
#include "zenn/gemm.h"
#include "zenn/tensor.h"
#include "zenn/data.h"
#include "zenn/graph.h"
#include "zenn/safetensors.h"
#include "zenn/nn.h"
#include "zenn/train.h"

#endif /* ZENN_ZENN_H */
