#include "engine.h"

#include <string.h>

#include "bytes.h"

static void count(uint32_t *counter, uint32_t n) { *counter = *counter > UINT32_MAX - n ? UINT32_MAX : *counter + n; }

static int exact_ascending_keys(const hb_table *table) {
    const uint8_t *p = table->entries;
    uint32_t previous = 0;
    for (uint32_t entry = 0; entry < table->entry_count; entry++) {
        uint32_t key = hb_get32(p);
        if (hb_get32(p + 4) != 0xFFFFFFFFu || (entry > 0 && key <= previous)) return 0;
        previous = key;
        p += 10u + 8u * hb_get16(p + 8);
    }
    return 1;
}

hb_status hb_engine_load(hb_engine *e, const hb_image *image) {
    for (uint32_t r = 0; r <= image->core_count; r++) {
        e->exact_keys[r] = (uint8_t)exact_ascending_keys(r < image->core_count ? &image->routes[r] : &image->input_map);
    }
    e->image = image;
    hb_engine_reset(e);
    return HB_OK;
}

void hb_engine_reset(hb_engine *e) {
    uint32_t n = e->image ? e->image->total_neurons : HB_MAX_NEURONS;
    e->step = 0;
    memset(e->current, 0, n * sizeof e->current[0]);
    memset(e->membrane, 0, n * sizeof e->membrane[0]);
    memset(e->row_sum, 0, n * sizeof e->row_sum[0]);
    memset(e->refractory, 0, n);
    memset(e->fired, 0, n);
    uint32_t outputs = e->image ? e->image->output_count : HB_MAX_NEURONS;
    memset(e->core_spikes, 0, sizeof e->core_spikes);
    memset(e->output_counts, 0, outputs * sizeof e->output_counts[0]);
    memset(e->saturations, 0, sizeof e->saturations);
    memset(e->dropped, 0, sizeof e->dropped);
    memset(e->core_events, 0, sizeof e->core_events);
    e->synaptic_events = 0;
}

/* docs/fixed-point.md section 2: round half up, flooring shifts on exact 64-bit values. */
/* The flooring shift of the contract. `>>` of a negative value is implementation-defined in
 * C11; every compiler the firmware is built with (gcc, clang) shifts arithmetically, and the
 * unit tests pin it (engine rounding cases). */
static int64_t floor_shift(int64_t x, unsigned k) { return x >> k; }
static int64_t decay(int64_t x, uint8_t kind, uint32_t param) {
    if (kind == HB_DECAY_SHIFT) {
        return param == 0 ? 0 : x - floor_shift(x + ((int64_t)1 << (param - 1)), param);
    }
    return x - floor_shift(x * (int64_t)param + (1 << 15), 16);
}

static int64_t saturate(int64_t x, int64_t lo, int64_t hi, uint32_t *events) {
    if (x > hi) { count(events, 1); return hi; }
    if (x < lo) { count(events, 1); return lo; }
    return x;
}

static void update_core(hb_engine *e, uint32_t c) {
    const hb_image *image = e->image;
    const hb_core *core = &image->cores[c];
    const hb_layer *layer = &image->layers[core->layer];
    const int64_t hi = ((int64_t)1 << (layer->state_bits - 1)) - 1, lo = -hi - 1;
    const int64_t scale = (int64_t)1 << layer->weight_shift;
    const uint32_t previous = e->core_spikes[c];
    const uint32_t t = e->step;
    uint32_t *saturations = &e->saturations[core->layer];
    uint32_t spikes = 0;
    e->synaptic_events += (uint64_t)e->core_events[c] * core->neuron_count;
    e->core_events[c] = 0;
    for (uint32_t k = 0; k < core->neuron_count; k++) {
        const uint32_t i = core->state_offset + k;
        int64_t cur = decay(e->current[i], layer->current_kind, layer->current_param);
        int64_t mem = decay(e->membrane[i], layer->membrane_kind, layer->membrane_param);
        uint8_t spike = 0;
        if (t > 0) {
            const uint8_t *record = layer->neurons + 12u * (core->first_neuron + k);
            const int64_t theta = hb_get32(record);
            const int64_t lateral = (int32_t)hb_get32(record + 4);
            const int64_t others = (int64_t)previous - e->fired[i];
            const int64_t drive = e->row_sum[i] * scale + others * lateral;
            cur = saturate(cur + drive, lo, hi, saturations);
            mem = saturate(mem + cur, lo, hi, saturations);
            if (e->refractory[i] > 0) {
                mem = 0;
                e->refractory[i]--;
            }
            if (mem > theta) {
                spike = 1;
                e->refractory[i] = (uint8_t)layer->refractory_steps;
                mem = 0;
                spikes++;
            }
        }
        e->row_sum[i] = 0;
        e->current[i] = (int32_t)cur;
        e->membrane[i] = (int32_t)mem;
        e->fired[i] = spike;
    }
    e->core_spikes[c] = spikes;
}

/* A shared-kernel core (docs/image-format.md, version 2): the event on window position
 * (ic, wy, wx) reaches the tile neurons (oc, y, x) with y S <= wy < y S + K (likewise x), through
 * kernel entry (wy - y S, wx - x S); a pooling kernel only its own channel oc = ic. So at most
 * ceil(K/S)^2 positions per channel are visited, never the whole tile. */
static void deliver_kernel(const hb_core *core, int64_t *sum, uint32_t axon) {
    const uint32_t K = core->kernel_size, S = core->stride, bits = core->weight_bits;
    const uint32_t plane = core->window_rows * core->window_columns;
    const uint32_t ic = axon / plane, wy = axon % plane / core->window_columns, wx = axon % core->window_columns;
    /* first y: the smallest with y S + K > wy; last: the largest with y S <= wy, inside the tile */
    const uint32_t y_first = wy >= K ? (wy - K) / S + 1u : 0u, x_first = wx >= K ? (wx - K) / S + 1u : 0u;
    uint32_t y_end = wy / S + 1u, x_end = wx / S + 1u;
    if (y_end > core->row_count) y_end = core->row_count;
    if (x_end > core->column_count) x_end = core->column_count;
    uint32_t oc = 0, oc_end = core->channel_count;
    if (core->kind == HB_LAYER_POOLING) { oc = ic; oc_end = ic + 1u; }
    for (; oc < oc_end; oc++) {
        const uint64_t kernel = hb_kernel_index(core, oc, ic, 0, 0);
        int64_t *map = sum + (uint64_t)oc * core->row_count * core->column_count;
        for (uint32_t y = y_first; y < y_end; y++) {
            const uint64_t row = kernel + (uint64_t)(wy - y * S) * K;
            int64_t *out = map + (uint64_t)y * core->column_count;
            for (uint32_t x = x_first; x < x_end; x++) out[x] += hb_packed_weight(core->weights, row + (wx - x * S), bits);
        }
    }
}

/* Adds the row of `axon` of core `c` to its neurons' sums for the next step. */
static void deliver(hb_engine *e, uint32_t c, uint32_t axon) {
    const hb_core *core = &e->image->cores[c];
    int64_t *sum = e->row_sum + core->state_offset;
    e->core_events[c]++;
    if (core->form == HB_FORM_SHARED) {
        deliver_kernel(core, sum, axon);
    } else if (core->weight_bits == 8) {
        const int8_t *row = (const int8_t *)core->weights + (uint64_t)axon * core->neuron_count;
        for (uint32_t k = 0; k < core->neuron_count; k++) sum[k] += row[k];
    } else {
        for (uint32_t k = 0; k < core->neuron_count; k++) sum[k] += hb_core_weight(core, axon, k);
    }
}

/* One router's work in one step: its budget and, for exact-key tables, the scan position
 * (sources come in ascending order, so the matching entry is never behind the last one). */
typedef struct router_step {
    const hb_table *table;
    uint32_t forwarded;
    uint32_t *dropped;
    int exact;
    uint32_t entry;          /* exact tables: the next entry to look at */
    const uint8_t *at;       /* and where it starts */
} router_step;

static router_step router_begin(hb_engine *e, uint32_t r) {
    const hb_table *table = r < e->image->core_count ? &e->image->routes[r] : &e->image->input_map;
    router_step s = {table, 0, &e->dropped[r], e->exact_keys[r], 0, table->entries};
    return s;
}

static void send(hb_engine *e, const uint8_t *entry, uint32_t source) {
    uint32_t mask = hb_get32(entry + 4), targets = hb_get16(entry + 8);
    for (uint32_t t = 0; t < targets; t++) {
        deliver(e, hb_get32(entry + 10 + 8 * t), hb_get32(entry + 14 + 8 * t) + (source & ~mask));
    }
}

/* A source spike through the first entry with n & mask == key (none: it goes nowhere). The
 * budget: the first `spike_budget` source spikes of the step (ascending), whether or not an
 * entry matches them, are forwarded; the rest are dropped and counted. */
static void offer(hb_engine *e, router_step *s, uint32_t source) {
    const hb_table *table = s->table;
    if (table->spike_budget != 0 && s->forwarded >= table->spike_budget) {
        count(s->dropped, 1);
        return;
    }
    s->forwarded++;
    if (s->exact) {
        while (s->entry < table->entry_count && hb_get32(s->at) < source) {
            s->at += 10u + 8u * hb_get16(s->at + 8);
            s->entry++;
        }
        if (s->entry < table->entry_count && hb_get32(s->at) == source) send(e, s->at, source);
        return;
    }
    const uint8_t *p = table->entries;
    for (uint32_t entry = 0; entry < table->entry_count; entry++) {
        if ((source & hb_get32(p + 4)) == hb_get32(p)) {
            send(e, p, source);
            return;
        }
        p += 10u + 8u * hb_get16(p + 8);
    }
}

static void count_outputs(hb_engine *e) {
    const hb_image *image = e->image;
    for (uint32_t entry = 0; entry < image->output_entry_count; entry++) {
        const uint8_t *p = image->output_entries + 16u * entry;
        const hb_core *core = &image->cores[hb_get32(p)];
        uint32_t first = hb_get32(p + 4), n = hb_get32(p + 8), out = hb_get32(p + 12);
        for (uint32_t k = 0; k < n; k++) count(&e->output_counts[out + k], e->fired[core->state_offset + first + k]);
    }
}

/* Steps 1 and 2 of docs/emulator.md; the caller routes the inputs (step 3). */
static void run_cores(hb_engine *e) {
    const hb_image *image = e->image;
    for (uint32_t c = 0; c < image->core_count; c++) update_core(e, c);
    count_outputs(e);
    for (uint32_t c = 0; c < image->core_count; c++) {
        const hb_core *core = &image->cores[c];
        if (e->core_spikes[c] == 0) continue;
        router_step s = router_begin(e, c);
        for (uint32_t k = 0; k < core->neuron_count; k++) {
            if (e->fired[core->state_offset + k]) offer(e, &s, k);
        }
    }
}

hb_status hb_engine_step(hb_engine *e, const uint32_t *inputs, uint32_t n) {
    if (!e->image || e->step >= e->image->time_steps) return HB_CMD_BAD_ARGUMENT;
    for (uint32_t k = 0; k < n; k++) {
        if (inputs[k] >= e->image->input_count || (k > 0 && inputs[k] <= inputs[k - 1])) return HB_CMD_BAD_ARGUMENT;
    }
    run_cores(e);
    router_step s = router_begin(e, e->image->core_count);
    for (uint32_t k = 0; k < n; k++) offer(e, &s, inputs[k]);
    e->step++;
    return HB_OK;
}

hb_status hb_engine_step_bitmap(hb_engine *e, const uint8_t *bitmap) {
    if (!e->image || e->step >= e->image->time_steps) return HB_CMD_BAD_ARGUMENT;
    const uint32_t inputs = e->image->input_count;
    if ((inputs & 7u) != 0 && (bitmap[inputs >> 3] >> (inputs & 7u)) != 0) return HB_CMD_BAD_ARGUMENT;
    run_cores(e);
    router_step s = router_begin(e, e->image->core_count);
    for (uint32_t byte = 0; byte < (inputs + 7u) / 8u; byte++) {
        for (uint32_t bit = 0; bitmap[byte] >> bit; bit++) {
            if (bitmap[byte] >> bit & 1u) offer(e, &s, byte * 8u + bit);
        }
    }
    e->step++;
    return HB_OK;
}
