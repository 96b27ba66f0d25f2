#include "include/ckernels.h"
#include <math.h>

void hm2bp_adam_update(float *restrict w, const float *restrict e, float *restrict m, float *restrict v,
                       const float *restrict c, const float *restrict r, long n,
                       float b1, float b2, float eps, float lr, float c1, float c2,
                       float *restrict sums, float *restrict squares) {
    const float ob1 = 1.0f - b1, ob2 = 1.0f - b2;
    // The test on e is loop-invariant; clang unswitches it into two vector loops.
    for (long k = 0; k < n; k++) {
        float g = e ? c[k] * e[k] + r[k] * w[k] : r[k] * w[k];
        float mk = b1 * m[k] + ob1 * g;
        float vk = b2 * v[k] + ob2 * g * g;
        m[k] = mk;
        v[k] = vk;
        float wk = w[k] - lr * (mk * c1) / (sqrtf(vk * c2) + eps);
        w[k] = wk;
        sums[k] += wk;
        squares[k] += wk * wk;
    }
}
