#ifndef HM2BP_CKERNELS_H
#define HM2BP_CKERNELS_H

#include <stdint.h>

/// The fused gradient + Adam row update. It lives in C only because Swift on Linux lowers every
/// square root (scalar or SIMD) to a libm call that keeps errno semantics, which stops
/// vectorisation; clang with -fno-math-errno emits vsqrtps here. Same arithmetic, same order,
/// no fused multiply-adds (-ffp-contract=off), so results equal the scalar definition.
///
/// g = c[k]*e[k] + r[k]*w[k]  (g = r[k]*w[k] when e is NULL: a silent input's row, all zero);
/// m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g*g; w -= lr * (m*c1) / (sqrt(v*c2) + eps);
/// then sums[k] += w, squares[k] += w*w with the new w, so the next sample's regularizer and
/// side effect need no extra pass over the weights.
void hm2bp_adam_update(float *restrict w, const float *restrict e, float *restrict m, float *restrict v,
                       const float *restrict c, const float *restrict r, long n,
                       float b1, float b2, float eps, float lr, float c1, float c2,
                       float *restrict sums, float *restrict squares);

/// One step's neuron update of the Emulator's fused path (docs/fixed-point.md section 3, steps 1
/// and 3 to 7, under FusedCoreKernel's no-saturation preconditions), 16 neurons per iteration,
/// with spike extraction by vpcompressd. Sums come from packed_sums (int16) when it is non-NULL,
/// else from sums (int32); fired_last and laterals are used only when fired_last is non-NULL.
/// All arrays 64-byte aligned and padded_width (a multiple of 16) long; spikes receives the
/// fired local indices ascending. Writes the OR of every |c| and |u| to *bound; returns the
/// spike count.
int hm2bp_fused_update(int32_t *restrict current, int32_t *restrict membrane, int32_t *restrict refractory,
                       int32_t *restrict fired_last, const int32_t *restrict thresholds,
                       const int32_t *restrict laterals, const int16_t *restrict packed_sums,
                       const int32_t *restrict sums, long padded_width, int weight_shift,
                       int32_t current_bias, int current_shift, int32_t membrane_bias, int membrane_shift,
                       int32_t refractory_steps, int32_t last_spike_count,
                       int32_t *restrict spikes, int32_t *restrict bound);

#endif
