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

/// One core of an image in the form `hm2bp_fast_step` runs (built by the Emulator's CoreProgram).
typedef struct hm2bp_fast_core {
    /// axonCount rows of `width` offset weights q + 128; per block of 64 neurons starting at o,
    /// neuron o + 16q + j sits in byte 4j + 2(q & 1) + (q >> 1). Padding neurons hold 128 (q = 0).
    const uint8_t *weights;
    /// neurons rounded up to 64.
    long width;
    /// theta_i + membrane_bias, clamped to INT32_MAX; INT32_MAX for padding neurons.
    const int32_t *thresholds;
    /// L_i, or NULL when the layer has no lateral term.
    const int32_t *laterals;
    int weight_shift;
    /// Both decays are shifts k (0 ... 30), bias 2^(k-1) (0 for k = 0).
    int current_shift, membrane_shift;
    int32_t current_bias, membrane_bias;
    int refractory_steps;
} hm2bp_fast_core;

/// A core's state in the fast form: c and u carried with their decay's rounding bias added
/// (c + bias_c, u + bias_u), so each decay is x - (x >> k), and the refractory counters replaced
/// by spike history bitmaps (one 16-bit mask per 16 neurons).
typedef struct hm2bp_fast_state {
    int32_t *current;
    int32_t *membrane;
    /// (R + 1) rows of width / 64 bitmap words (bit i of word b: neuron 64b + i); row
    /// (t mod (R + 1)) holds the spikes of step t.
    uint64_t *history;
    /// width / 64 words: the neurons with r > 0 at the coming step.
    uint64_t *resting;
} hm2bp_fast_state;

// The emulator's kernels, declared once for both builds of fast_step.c (docs/emulator.md, "Two
// kernel builds"): hm2bp_* are this build's (AVX-512 where the compiler targets it, portable C
// elsewhere), hm2bp_portable_* the portable C build every binary also carries (CKernelsPortable).
//
// PREFIX##fast_step: one step t >= 1 of one core under FastCoreKernel's no-saturation
// preconditions: row sums of the events (16-bit from the packed weights, or the given int32
// `sums32` in neuron order), then steps 1 and 3 to 7 of docs/fixed-point.md section 3 for every
// neuron. Writes the fired local indices ascending to `spikes` (up to width entries) and adds 1
// to their `spike_counts`. When `bounds` is non-NULL it receives max |c| and max |u| over the core
// after the step (tracking them costs four instructions per 16 neurons). Returns the spike count.
// At most 255 events unless sums32 (width entries, 64-byte aligned) is given.
//
// PREFIX##core_run: one core without a lateral term through a whole sample: steps 1 ... steps - 1
// (step 0 only decays the reset state), block by block with the state in registers. Step t's
// events are events[event_starts[t] ..< event_starts[t + 1]], at most 255 per step. Writes the
// spike bitmap of every step (spikes[t * blocks + b], row 0 empty) and every neuron's spike count
// (width entries). `scratch` holds steps + 2 + 2 (R + 1) + (number of events) words (8-byte
// aligned); every row offset (axon * width) must fit int32. The arithmetic is the fast step's
// 32-bit wrapping arithmetic, exact only if no step could saturate: extremes receives max c and
// min c (when track_current; else 0, for callers that bound c a priori) and min u (u before the
// reset, in contract units) over all steps, from which the caller proves that
// (FastCoreKernel.coreRunIsExact) or reruns the sample step by step.
//
// PREFIX##fast_bounds: max |c| and max |u| over the core (bounds[0], bounds[1]), from its
// fast-form state.
//
// PREFIX##kernel_lanes: which implementation of the lane operations the build uses, "avx-512" or
// "portable" (chosen at compile time, Sources/CKernels/lanes.h).
#define HM2BP_DECLARE_KERNELS(PREFIX)                                                                             \
    int PREFIX##fast_step(const hm2bp_fast_core *core, const hm2bp_fast_state *state, long t,                      \
                          const int32_t *events, int event_count, const int32_t *sums32, int last_spike_count,      \
                          int32_t *spikes, int32_t *spike_counts, int64_t *bounds);                                 \
    void PREFIX##core_run(const hm2bp_fast_core *core, long steps, const int32_t *event_starts,                     \
                          const int32_t *events, uint64_t *spikes, int32_t *spike_counts, uint32_t *scratch,        \
                          int track_current, int64_t *extremes);                                                    \
    void PREFIX##fast_bounds(const hm2bp_fast_core *core, const hm2bp_fast_state *state, int64_t *bounds);         \
    const char *PREFIX##kernel_lanes(void);

HM2BP_DECLARE_KERNELS(hm2bp_)
HM2BP_DECLARE_KERNELS(hm2bp_portable_)

#endif
