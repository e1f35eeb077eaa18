/* zenn-fann: FANN 2.2's activation formulas as macros, for programs that use
 * them directly. `sum` is already multiplied by the neuron's steepness. The
 * library itself computes activations in zenn's engine. */
#ifndef __fann_activation_h__
#define __fann_activation_h__

#define fann_sigmoid_real(sum) (1.0f / (1.0f + exp(-2.0f * (sum))))
#define fann_sigmoid_symmetric_real(sum) (2.0f / (1.0f + exp(-2.0f * (sum))) - 1.0f)
#define fann_gaussian_real(sum) (exp(-(sum) * (sum)))
#define fann_gaussian_symmetric_real(sum) ((exp(-(sum) * (sum)) * 2.0f) - 1.0f)
#define fann_elliot_real(sum) (((sum) / 2.0f) / (1.0f + fann_abs(sum)) + 0.5f)
#define fann_elliot_symmetric_real(sum) ((sum) / (1.0f + fann_abs(sum)))
#define fann_sin_symmetric_real(sum) (sin(sum))
#define fann_cos_symmetric_real(sum) (cos(sum))
#define fann_sin_real(sum) (sin(sum) / 2.0f + 0.5f)
#define fann_cos_real(sum) (cos(sum) / 2.0f + 0.5f)

/* Derivatives by the output `value` (and `sum`), as FANN's training uses. */
#define fann_linear_derive(steepness, value) (steepness)
#define fann_sigmoid_derive(steepness, value) (2.0f * (steepness) * (value) * (1.0f - (value)))
#define fann_sigmoid_symmetric_derive(steepness, value) ((steepness) * (1.0f - ((value) * (value))))

#endif /* __fann_activation_h__ */
