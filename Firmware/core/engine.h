/* The integer engine: docs/fixed-point.md exactly, cores stepped in lockstep through the image's
 * routing tables with their spike budgets (docs/emulator.md, "What the emulator executes").
 * Plain portable C with 64-bit sums; it is the firmware's reference and its only engine. */
#ifndef HB_ENGINE_H
#define HB_ENGINE_H

#include <stdint.h>

#include "image.h"
#include "engine_limits.h"
#include "status.h"

typedef struct hb_engine {
    const hb_image *image;               /* NULL: nothing loaded */
    uint32_t step;                       /* the next step to run, 0 ... time_steps */
    int32_t current[HB_MAX_NEURONS];     /* c of every neuron of every core (core.state_offset + k) */
    int32_t membrane[HB_MAX_NEURONS];    /* u */
    int64_t row_sum[HB_MAX_NEURONS];     /* sum of q over the events delivered for the next step */
    uint8_t refractory[HB_MAX_NEURONS];  /* r */
    uint8_t fired[HB_MAX_NEURONS];       /* s of the last step run */
    uint32_t core_spikes[HB_MAX_CORES];  /* spikes of each core in the last step run */
    /* Counters of the sample so far (docs/golden-format.md); they saturate at 2^32 - 1. */
    uint32_t output_counts[HB_MAX_NEURONS];
    uint32_t saturations[HB_MAX_LAYERS];  /* clamps that changed c or u, counted separately */
    uint32_t dropped[HB_MAX_CORES + 1];   /* budget drops per router; the last is the input map */
    uint64_t synaptic_events;             /* events consumed x neurons of the receiving core (docs/emulator.md) */
    uint32_t core_events[HB_MAX_CORES];   /* events delivered to each core for the next step */
    /* Routers whose entries all have mask 0xFFFFFFFF and strictly ascending keys (what the
     * compiler writes): a step's ascending sources are matched by one forward scan. */
    uint8_t exact_keys[HB_MAX_CORES + 1];
} hb_engine;

/* Binds a parsed image (which must outlive the engine's use of it) and resets the state. The
 * parser has already refused images whose drive could leave the 64-bit sums (HB_IMG_EXCEEDS_BOARD). */
hb_status hb_engine_load(hb_engine *e, const hb_image *image);

/* Every state variable and counter to 0, step 0: the start of a sample. */
void hb_engine_reset(hb_engine *e);

/* Runs step `e->step` with the network inputs that spike at this step: `inputs` ascending, each
 * below the image's input_count. Refuses (HB_CMD_BAD_ARGUMENT, nothing changed) an unordered or
 * out-of-range list, a step past T or an engine without image. */
hb_status hb_engine_step(hb_engine *e, const uint32_t *inputs, uint32_t count);

/* The same with the inputs as a bitmap: input i is bit i % 8 of byte i / 8. */
hb_status hb_engine_step_bitmap(hb_engine *e, const uint8_t *bitmap);

#endif
