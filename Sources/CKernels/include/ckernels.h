#ifndef HM2BP_CKERNELS_H
#define HM2BP_CKERNELS_H

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

#endif
