#ifndef HM2BP_CKERNELS_PORTABLE_H
#define HM2BP_CKERNELS_PORTABLE_H

#include <ckernels.h>

/// hm2bp_fast_step, hm2bp_core_run, hm2bp_fast_bounds and hm2bp_kernel_lanes of ckernels.h,
/// built with the portable lane operations whatever the CPU (Sources/CKernels/lanes.h).
int hm2bp_portable_fast_step(const hm2bp_fast_core *core, const hm2bp_fast_state *state, long t,
                             const int32_t *events, int event_count, const int32_t *sums32, int last_spike_count,
                             int32_t *spikes, int32_t *spike_counts, int64_t *bounds);
void hm2bp_portable_core_run(const hm2bp_fast_core *core, long steps, const int32_t *event_starts, const int32_t *events,
                             uint64_t *spikes, int32_t *spike_counts, uint32_t *scratch, int track_current, int64_t *extremes);
void hm2bp_portable_fast_bounds(const hm2bp_fast_core *core, const hm2bp_fast_state *state, int64_t *bounds);
const char *hm2bp_portable_kernel_lanes(void);

#endif
