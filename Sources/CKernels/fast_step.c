#include "include/ckernels.h"
#include "lanes.h"
#include <string.h>

// The emulator's fast step and whole-sample core run (see ckernels.h and docs/emulator.md,
// "Datapath"). Written in the 512-bit lane operations of lanes.h (AVX-512, or portable C);
// every lane operation is the exact wrapping 32-bit (or 16-bit) operation the proofs in
// FastCoreKernel.swift reason about, so there is no signed-overflow UB and the result is
// bit-identical to the contract whenever they hold.

// The exported names: a second, portable-only build of this file (CKernelsPortable) renames them.
#ifndef HM2BP_KERNEL
#define HM2BP_KERNEL(name) hm2bp_##name
#endif
//
// What bounds the speed on this machine (docs/emulator.md): 512-bit stores, shifts and vpmaddwd
// (half the rate of adds), and L2 latency on the weight rows.
// Hence: the row sums stay in registers between accumulation and update, the spike list comes
// from the spike bitmap with scalar code instead of a 64-byte compress store per 16 neurons,
// the refractory counters are bitmaps, and the state bounds are only tracked when asked for.

// The decays and biases of the fast form, as the lanes use them.
typedef struct {
    lanes current_bias, membrane_bias;
    shift_count current_shift, membrane_shift;
} lif_constants;

static inline lif_constants lif_constants_of(const hm2bp_fast_core *core) {
    lif_constants k;
    k.current_bias = lanes_set32(core->current_bias);
    k.membrane_bias = lanes_set32(core->membrane_bias);
    k.current_shift = lanes_shift_count(core->current_shift);
    k.membrane_shift = lanes_shift_count(core->membrane_shift);
    return k;
}

// Steps 1 and 3 to 7 of the contract for 16 neurons in the fast form: c_hat and u_hat updated in
// place, the spike mask returned; *c gets c and *u_before_reset u + bias at the threshold test.
static inline __attribute__((always_inline)) mask16 lif_group(
    lanes *c_hat, lanes *u_hat, lanes drive, mask16 resting, lanes thresholds, const lif_constants *k,
    lanes *c, lanes *u_before_reset) {
    *c_hat = add32(sub32(*c_hat, sra32(*c_hat, k->current_shift)), drive);
    *c = sub32(*c_hat, k->current_bias);
    const lanes u = add32(sub32(*u_hat, sra32(*u_hat, k->membrane_shift)), *c);
    const mask16 spike = cmpgt32_mask((mask16)~resting, u, thresholds);
    // Refractory clamp and reset both set u to 0, that is u_hat to the membrane bias.
    *u_hat = select32(u, resting | spike, k->membrane_bias);
    *u_before_reset = u;
    return spike;
}

// The four groups' spike masks as the block's 64-bit word.
static inline uint64_t block_word(uint64_t s0, uint64_t s1, uint64_t s2, uint64_t s3) {
    return s0 | (s1 << 16) | (s2 << 32) | (s3 << 48);
}

// Everything one step reads or writes besides the weights, in locals the compiler may keep in
// registers (stores through the state's own arrays cannot alias these pointers).
typedef struct {
    int32_t *restrict current, *restrict membrane;
    uint64_t *restrict resting;
    // Rows of one history: they coincide when R <= 1, so not restrict.
    uint64_t *fired_now;
    const uint64_t *fired_last, *fired_oldest;
    int single_row;
    const int32_t *restrict thresholds, *restrict laterals;
    lanes lateral_count;
    lif_constants lif;
} step_context;

typedef struct {
    lanes current_max, current_min, membrane_max, membrane_min;
} magnitudes;

// The 16 neurons starting at o: their state from memory, the lateral term, the update, the state
// back to memory; returns the spike mask.
static inline __attribute__((always_inline)) mask16 update_group(
    const int lateral, const int track, const step_context *x, lanes drive, long o,
    mask16 resting, mask16 fired_last, magnitudes *m) {
    if (lateral) {
        // n_i * L_i = (spikes at t-1) * L_i - L_i where neuron i itself fired at t-1.
        lanes l = lanes_load(x->laterals + o);
        drive = add32(drive, mullo32(x->lateral_count, l));
        drive = mask_sub32(drive, fired_last, l);
    }
    lanes c_hat = lanes_load(x->current + o), u_hat = lanes_load(x->membrane + o), c, u;
    const mask16 spike = lif_group(&c_hat, &u_hat, drive, resting, lanes_load(x->thresholds + o), &x->lif, &c, &u);
    lanes_store(x->current + o, c_hat);
    lanes_store(x->membrane + o, u_hat);
    if (track) {
        m->current_max = max32(m->current_max, c);
        m->current_min = min32(m->current_min, c);
        m->membrane_max = max32(m->membrane_max, u_hat);
        m->membrane_min = min32(m->membrane_min, u_hat);
    }
    return spike;
}

// The four groups of the 64-neuron block starting at o, from their drives; updates the block's
// spike history and refractory bitmaps.
static inline __attribute__((always_inline)) void update_block(
    const int lateral, const int track, const step_context *x, lanes d0, lanes d1, lanes d2, lanes d3,
    long o, magnitudes *m) {
    const long b = o / 64;
    const uint64_t resting = x->resting[b], last = lateral ? x->fired_last[b] : 0;
    const uint64_t s0 = update_group(lateral, track, x, d0, o, (mask16)resting, (mask16)last, m);
    const uint64_t s1 = update_group(lateral, track, x, d1, o + 16, (mask16)(resting >> 16), (mask16)(last >> 16), m);
    const uint64_t s2 = update_group(lateral, track, x, d2, o + 32, (mask16)(resting >> 32), (mask16)(last >> 32), m);
    const uint64_t s3 = update_group(lateral, track, x, d3, o + 48, (mask16)(resting >> 48), (mask16)(last >> 48), m);
    const uint64_t spikes = block_word(s0, s1, s2, s3);
    // r > 0 at t + 1 exactly for the neurons that fired in [t + 1 - R, t]: add this step's, drop
    // those of t - R (disjoint sets: a neuron that fired at t - R was resting until t). The
    // history has one row when R = 0: then t - R is t itself and nobody rests.
    x->resting[b] = resting ^ spikes ^ (x->single_row ? spikes : x->fired_oldest[b]);
    x->fired_now[b] = spikes;
}

// The high byte of every 16-bit word: the offset weight of the block's neurons in odd bytes.
static inline lanes high_bytes(lanes x) { return srl16_8(x); }

// The accumulators' starting words for a step of n events (low half w, high half h), which take
// the offsets out of the sums for free: offset weights are q + 128, so over n events h from
// -128 n ends at the true odd-byte sums, and w from -(128 + 32768) n ends where w - 256 h is the
// true even-byte sums (mod 2^16; see drives()).
static inline uint32_t start_words(uint32_t n) { return ((0u - (128u + 32768u) * n) & 0xFFFFu) | ((0u - 128u * n) << 16); }

// From memory: broadcasts straight from a load, where from a register they would cost two
// shuffle instructions per block and step in the whole-sample run.
static inline void start_accumulators(const uint32_t *words, lanes *w, lanes *h) {
    int16_t halves[2];
    memcpy(halves, words, sizeof halves);
    *w = lanes_set16(halves[0]);
    *h = lanes_set16(halves[1]);
}

typedef struct {
    lanes even, odd;
    shift_count extra_shift;
    int wide_shift;
} drive_scale;

// 2^F through vpmaddwd when it fits an int16 multiplier, else 2^14 and a shift for the rest.
static inline drive_scale drive_scale_of(const hm2bp_fast_core *core) {
    drive_scale k;
    k.wide_shift = core->weight_shift > 14;
    const int madd_shift = k.wide_shift ? 14 : core->weight_shift;
    k.extra_shift = lanes_shift_count(core->weight_shift - madd_shift);
    k.even = lanes_set32(1 << madd_shift);
    k.odd = lanes_set32((1 << madd_shift) << 16);
    return k;
}

// Word sums w ((even-byte sums + 256 * odd-byte sums) mod 2^16) and odd-byte sums h of one block,
// both started at start_words(), into the four groups' drives sum * 2^F. Every offset sum is at
// most 255 * 255 < 2^16, so w - 256 h is exact mod 2^16, and the true sums fit int16 (at most 255
// events). Layout (hm2bp_fast_core.weights): neuron o + 16q + j sits in word 2j + (q & 1) of the
// even (q < 2) or odd (q >= 2) bytes, so vpmaddwd with (2^F, 0) or (0, 2^F) widens and scales a
// group.
static inline __attribute__((always_inline)) void drives(const drive_scale *k, lanes w, lanes h,
                                                        lanes *d0, lanes *d1, lanes *d2, lanes *d3) {
    const lanes low = sub16(w, sll16_8(h));
    *d0 = madd16(low, k->even); *d1 = madd16(low, k->odd);
    *d2 = madd16(h, k->even); *d3 = madd16(h, k->odd);
    if (k->wide_shift) {
        *d0 = sll32(*d0, k->extra_shift); *d1 = sll32(*d1, k->extra_shift);
        *d2 = sll32(*d2, k->extra_shift); *d3 = sll32(*d3, k->extra_shift);
    }
}

#define HM2BP_TILE_BLOCKS 4

static inline __attribute__((always_inline)) int fast_step(
    const int lateral, const int narrow, const int track, const hm2bp_fast_core *core, const hm2bp_fast_state *state,
    long t, const int32_t *restrict events, int event_count, const int32_t *restrict sums32, int last_spike_count,
    int32_t *restrict spikes, int32_t *restrict spike_counts, int64_t *restrict bound) {
    const long width = core->width, blocks = width / 64;
    const long slots = core->refractory_steps + 1;
    step_context x;
    x.current = state->current;
    x.membrane = state->membrane;
    x.resting = state->resting;
    // Row (t mod (R+1)) of the history gets this step's spikes; row t-1 holds the last step's,
    // row t+1 those of t - R.
    x.fired_now = state->history + (t % slots) * blocks;
    x.fired_last = state->history + ((t + slots - 1) % slots) * blocks;
    x.fired_oldest = state->history + ((t + 1) % slots) * blocks;
    x.single_row = slots == 1;
    x.thresholds = core->thresholds;
    x.laterals = core->laterals;
    x.lif = lif_constants_of(core);
    x.lateral_count = lanes_set32(last_spike_count);
    const drive_scale k = drive_scale_of(core);
    const uint32_t starts = start_words((uint32_t)event_count);
    const shift_count full_shift = lanes_shift_count(core->weight_shift);
    magnitudes m;
    m.current_max = m.membrane_max = lanes_set32(INT32_MIN);
    m.current_min = m.membrane_min = lanes_set32(INT32_MAX);

    long o = 0;
    if (narrow) {
        // Tiles of four blocks: eight registers of word sums while every event's row is added,
        // then the tile's update straight from them.
        const uint8_t *weights = core->weights;
        for (; o + 64 * HM2BP_TILE_BLOCKS <= width; o += 64 * HM2BP_TILE_BLOCKS) {
            lanes w0, h0;
            start_accumulators(&starts, &w0, &h0);
            lanes w1 = w0, h1 = h0, w2 = w0, h2 = h0, w3 = w0, h3 = h0;
            for (int e = 0; e < event_count; e++) {
                const uint8_t *row = weights + (long)events[e] * width + o;
                lanes x0 = lanes_load(row), x1 = lanes_load(row + 64);
                lanes x2 = lanes_load(row + 128), x3 = lanes_load(row + 192);
                w0 = add16(w0, x0); h0 = add16(h0, high_bytes(x0));
                w1 = add16(w1, x1); h1 = add16(h1, high_bytes(x1));
                w2 = add16(w2, x2); h2 = add16(h2, high_bytes(x2));
                w3 = add16(w3, x3); h3 = add16(h3, high_bytes(x3));
            }
            lanes d0, d1, d2, d3;
            drives(&k, w0, h0, &d0, &d1, &d2, &d3);
            update_block(lateral, track, &x, d0, d1, d2, d3, o, &m);
            drives(&k, w1, h1, &d0, &d1, &d2, &d3);
            update_block(lateral, track, &x, d0, d1, d2, d3, o + 64, &m);
            drives(&k, w2, h2, &d0, &d1, &d2, &d3);
            update_block(lateral, track, &x, d0, d1, d2, d3, o + 128, &m);
            drives(&k, w3, h3, &d0, &d1, &d2, &d3);
            update_block(lateral, track, &x, d0, d1, d2, d3, o + 192, &m);
        }
        for (; o < width; o += 64) {
            lanes w, h;
            start_accumulators(&starts, &w, &h);
            for (int e = 0; e < event_count; e++) {
                lanes x0 = lanes_load(weights + (long)events[e] * width + o);
                w = add16(w, x0); h = add16(h, high_bytes(x0));
            }
            lanes d0, d1, d2, d3;
            drives(&k, w, h, &d0, &d1, &d2, &d3);
            update_block(lateral, track, &x, d0, d1, d2, d3, o, &m);
        }
    } else {
        for (; o < width; o += 64) {
            update_block(lateral, track, &x, sll32(lanes_load(sums32 + o), full_shift),
                         sll32(lanes_load(sums32 + o + 16), full_shift),
                         sll32(lanes_load(sums32 + o + 32), full_shift),
                         sll32(lanes_load(sums32 + o + 48), full_shift), o, &m);
        }
    }

    // The spike list from the bitmap, ascending, without a data-dependent branch (those
    // mispredict at these rates): first the non-empty words, then one iteration per spike.
    uint64_t words[blocks + 1];
    long bases[blocks + 1];
    long nonempty = 0;
    int count = 0;
    for (long b = 0; b < blocks; b++) {
        const uint64_t word = x.fired_now[b];
        words[nonempty] = word;
        bases[nonempty] = 64 * b;
        nonempty += word != 0;
        count += __builtin_popcountll(word);
    }
    words[nonempty] = 0;
    bases[nonempty] = 0;
    long at = 0;
    uint64_t word = words[0];
    for (int s = 0; s < count; s++) {
        const int32_t neuron = (int32_t)(bases[at] + __builtin_ctzll(word));
        spikes[s] = neuron;
        spike_counts[neuron] += 1;
        word &= word - 1;
        // Arithmetic on a mask the compiler cannot see through: from a conditional, or from
        // a mask it knows is 0 or all ones, clang makes a branch, which mispredicts.
        const uint64_t empty = word == 0;
        uint64_t take = 0 - empty;
        __asm__("" : "+r"(take));
        at += (long)empty;
        word |= words[at] & take;
    }

    if (track) {
        // |c| and |u| of every neuron after the step: c from its extremes, u = u_hat - bias.
        const int64_t c_high = reduce_max32(m.current_max), c_low = reduce_min32(m.current_min);
        const int64_t u_high = (int64_t)reduce_max32(m.membrane_max) - core->membrane_bias;
        const int64_t u_low = (int64_t)reduce_min32(m.membrane_min) - core->membrane_bias;
        bound[0] = c_high > -c_low ? c_high : -c_low;
        bound[1] = u_high > -u_low ? u_high : -u_low;
    }
    return count;
}

int HM2BP_KERNEL(fast_step)(const hm2bp_fast_core *core, const hm2bp_fast_state *state, long t,
                    const int32_t *events, int event_count, const int32_t *sums32, int last_spike_count,
                    int32_t *spikes, int32_t *spike_counts, int64_t *bounds) {
#define HM2BP_FAST(lateral, narrow, track) \
    fast_step(lateral, narrow, track, core, state, t, events, event_count, sums32, last_spike_count, spikes, spike_counts, bounds)
#define HM2BP_FAST_TRACK(lateral, narrow) (bounds ? HM2BP_FAST(lateral, narrow, 1) : HM2BP_FAST(lateral, narrow, 0))
    const int lateral = core->laterals != 0 && last_spike_count > 0;
    if (sums32) return lateral ? HM2BP_FAST_TRACK(1, 0) : HM2BP_FAST_TRACK(0, 0);
    return lateral ? HM2BP_FAST_TRACK(1, 1) : HM2BP_FAST_TRACK(0, 1);
#undef HM2BP_FAST_TRACK
#undef HM2BP_FAST
}

void HM2BP_KERNEL(fast_bounds)(const hm2bp_fast_core *core, const hm2bp_fast_state *state, int64_t *bounds) {
    lanes c_max = lanes_set32(INT32_MIN), u_max = c_max, c_min = lanes_set32(INT32_MAX), u_min = c_min;
    for (long o = 0; o < core->width; o += 16) {
        const lanes c = lanes_load(state->current + o), u = lanes_load(state->membrane + o);
        c_max = max32(c_max, c); c_min = min32(c_min, c);
        u_max = max32(u_max, u); u_min = min32(u_min, u);
    }
    const int64_t c_high = (int64_t)reduce_max32(c_max) - core->current_bias;
    const int64_t c_low = (int64_t)reduce_min32(c_min) - core->current_bias;
    const int64_t u_high = (int64_t)reduce_max32(u_max) - core->membrane_bias;
    const int64_t u_low = (int64_t)reduce_min32(u_min) - core->membrane_bias;
    bounds[0] = c_high > -c_low ? c_high : -c_low;
    bounds[1] = u_high > -u_low ? u_high : -u_low;
}

// ---------------------------------------------------------------------------------------------
// The whole sample of one core, block by block (hm2bp_core_run in ckernels.h). A 64-neuron
// block's c + bias_c, u + bias_u and spike counts stay in twelve registers for all T steps, so
// the state never goes through memory; per step the block's rows of the step's events are
// summed (16-bit, as above) and the four groups updated. The caller proves afterwards, from
// the extremes reported here, that no step could have saturated.

// lif_group on a block's registers, with the extremes the caller's proof needs.
static inline __attribute__((always_inline)) mask16 run_group(
    const int track_current, lanes *c_hat, lanes *u_hat, lanes drive, mask16 resting, const int32_t *thresholds,
    const lif_constants *k, lanes *c_max, lanes *c_min, lanes *u_min) {
    lanes c, u;
    const mask16 spike = lif_group(c_hat, u_hat, drive, resting, lanes_load(thresholds), k, &c, &u);
    // u before the reset is checked: it is the value the contract's addition produces.
    *u_min = min32(*u_min, u);
    if (track_current) {
        *c_max = max32(*c_max, c);
        *c_min = min32(*c_min, c);
    }
    return spike;
}

// Adds a block's 8-bit spike counts to the int32 totals (every 255 steps, before they can wrap).
static inline void flush_counts(lanes *counts8, int32_t *totals) {
    add_counts8(*counts8, totals);
    *counts8 = lanes_zero();
}

static inline __attribute__((always_inline)) void core_run(
    const int track_current, const hm2bp_fast_core *core, long steps, const int32_t *restrict event_starts,
    const int32_t *restrict events, uint64_t *restrict spikes, int32_t *restrict spike_counts,
    uint32_t *restrict scratch, int64_t *restrict extremes) {
    const long width = core->width, blocks = width / 64;
    const long slots = core->refractory_steps + 1;
    const lif_constants lif = lif_constants_of(core);
    const drive_scale scale = drive_scale_of(core);
    const lanes minus_one = opaque_ones8();
    lanes c_max = lanes_set32(INT32_MIN), c_min = lanes_set32(INT32_MAX), u_min = c_min;
    // Every step's starting words, loaded by the block loops rather than computed there.
    uint32_t *starts = scratch;
    for (long t = 0; t < steps; t++) starts[t] = start_words((uint32_t)(event_starts[t + 1] - event_starts[t]));
    // The ring of the block's spikes of the last R + 1 steps, after the starting words; then
    // every event's row offset, computed once rather than once per block.
    uint64_t *history = (uint64_t *)(void *)(scratch + ((steps + 1) & ~1L));
    int32_t *offsets = (int32_t *)(void *)(history + slots);
    const int32_t total = event_starts[steps];
    for (int32_t k = 0; k < total; k++) offsets[k] = events[k] * (int32_t)width;
    for (long b = 0; b < blocks; b++) {
        const long o = 64 * b;
        const uint8_t *weights = core->weights + o;
        const int32_t *thresholds = core->thresholds + o;
        int32_t *totals = spike_counts + o;
        for (int k = 0; k < 64; k++) totals[k] = 0;
        lanes c0 = lif.current_bias, c1 = c0, c2 = c0, c3 = c0;
        lanes u0 = lif.membrane_bias, u1 = u0, u2 = u0, u3 = u0;
        lanes counts8 = lanes_zero();
        int since_flush = 0;
        // The slot of step t and that of t - R (the next one), advanced without a division.
        for (long s = 0; s < slots; s++) history[s] = 0;
        uint64_t resting = 0;
        long slot = 1 % slots, oldest = 2 % slots;
        spikes[b] = 0;
        uint64_t *spike_row = spikes + blocks + b;
        for (long t = 1; t < steps; t++, spike_row += blocks) {
            const int32_t *step_offsets = offsets + event_starts[t];
            const int count = event_starts[t + 1] - event_starts[t];
            lanes w, h;
            start_accumulators(starts + t, &w, &h);
            for (int e = 0; e < count; e++) {
                const lanes x = lanes_load(weights + step_offsets[e]);
                w = add16(w, x); h = add16(h, high_bytes(x));
            }
            lanes d0, d1, d2, d3;
            drives(&scale, w, h, &d0, &d1, &d2, &d3);
#define HM2BP_RUN_GROUP(c, u, d, q) \
    run_group(track_current, &c, &u, d, (mask16)(resting >> (16 * q)), thresholds + 16 * q, &lif, &c_max, &c_min, &u_min)
            const uint64_t s0 = HM2BP_RUN_GROUP(c0, u0, d0, 0), s1 = HM2BP_RUN_GROUP(c1, u1, d1, 1);
            const uint64_t s2 = HM2BP_RUN_GROUP(c2, u2, d2, 2), s3 = HM2BP_RUN_GROUP(c3, u3, d3, 3);
#undef HM2BP_RUN_GROUP
            const uint64_t fired = block_word(s0, s1, s2, s3);
            *spike_row = fired;
            counts8 = count8(counts8, fired, minus_one);
            if (++since_flush == 255) {
                flush_counts(&counts8, totals);
                since_flush = 0;
            }
            // As in fast_step: r > 0 at t + 1 for the spikes of [t + 1 - R, t]; nobody rests when R = 0.
            const uint64_t dropped = slots == 1 ? fired : history[oldest];
            history[slot] = fired;
            resting ^= fired ^ dropped;
            slot = oldest;
            oldest = oldest + 1 == slots ? 0 : oldest + 1;
        }
        flush_counts(&counts8, totals);
    }
    extremes[0] = track_current ? reduce_max32(c_max) : 0;
    extremes[1] = track_current ? reduce_min32(c_min) : 0;
    extremes[2] = reduce_min32(u_min) - (int64_t)core->membrane_bias;
}

void HM2BP_KERNEL(core_run)(const hm2bp_fast_core *core, long steps, const int32_t *event_starts, const int32_t *events,
                    uint64_t *spikes, int32_t *spike_counts, uint32_t *scratch, int track_current, int64_t *extremes) {
    if (track_current) core_run(1, core, steps, event_starts, events, spikes, spike_counts, scratch, extremes);
    else core_run(0, core, steps, event_starts, events, spikes, spike_counts, scratch, extremes);
}

const char *HM2BP_KERNEL(kernel_lanes)(void) { return HM2BP_LANES_NAME; }
