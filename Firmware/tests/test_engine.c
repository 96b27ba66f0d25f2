#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "engine.h"
#include "image_builder.h"

static hb_image image;
static hb_engine engine;
static uint8_t bytes[8192];

static int load(const tb_image *im) {
    size_t n = tb_encode(im, bytes, sizeof bytes);
    return n > 0 && hb_image_parse(&image, bytes, n, NULL, NULL) == HB_OK && hb_engine_load(&engine, &image) == HB_OK;
}

/* docs/fixed-point.md section 5, row by row: c, u at the threshold test, r, s, saturation count. */
static void worked_example(void) {
    static const int rows[10][9] = {
        {0, 0, 0, 0, 0, 0, 0, 0, 0},         {60, 60, 0, 0, 24, 24, 0, 0, 0},  {112, 127, 2, 1, 45, 69, 2, 1, 1},
        {127, 0, 1, 0, 57, 0, 1, 0, 2},      {127, 0, 0, 0, 74, 0, 0, 0, 3},   {127, 127, 2, 1, 89, 89, 2, 1, 4},
        {127, 0, 1, 0, 96, 0, 1, 0, 5},      {127, 0, 0, 0, 108, 0, 0, 0, 6}, {127, 127, 2, 1, 118, 118, 2, 1, 7},
        {105, 0, 1, 0, 97, 0, 1, 0, 7}};
    tb_image im;
    tb_worked_example(&im, 10);
    CHECK(load(&im));
    for (uint32_t t = 0; t < 10; t++) {
        uint32_t input = 0;
        CHECK_EQ(hb_engine_step(&engine, &input, t < 8 ? 1u : 0u), HB_OK);
        for (int i = 0; i < 2; i++) {
            const int *r = rows[t] + 4 * i;
            CHECK_EQ(engine.current[i], r[0]);
            /* u after the reset is 0 for a spike; else it is u at the test */
            CHECK_EQ(engine.membrane[i], r[3] ? 0 : r[1]);
            CHECK_EQ(engine.refractory[i], r[2]);
            CHECK_EQ(engine.fired[i], r[3]);
        }
        CHECK_EQ(engine.saturations[0], rows[t][8]);
    }
    CHECK_EQ(engine.output_counts[0], 3);
    CHECK_EQ(engine.output_counts[1], 3);
    CHECK_EQ(hb_engine_step(&engine, NULL, 0), HB_CMD_BAD_ARGUMENT); /* past T */
}

/* rshift and rmul examples of docs/fixed-point.md section 2 through one neuron's decay:
 * with no input, c(t) = decay(c(t-1)); a drive sets c first. */
static void decay_rounding(void) {
    tb_image im;
    tb_worked_example(&im, 4);
    im.layer[0].state_bits = 16;
    im.layer[0].threshold_bits = 15;
    im.layer[0].threshold[0] = im.layer[0].threshold[1] = 32767;
    im.layer[0].lateral_weight[0] = im.layer[0].lateral_weight[1] = 0;
    im.layer[0].weight_shift = 0;
    im.layer[0].current_kind = 1;
    im.layer[0].current_param = 8192;
    im.core[0].weights[0] = 100;
    im.core[0].weights[1] = -5;
    CHECK(load(&im));
    uint32_t input = 0;
    hb_engine_step(&engine, &input, 1);         /* t = 0: decays of 0 */
    hb_engine_step(&engine, NULL, 0);           /* t = 1: c = 100, -5 */
    CHECK_EQ(engine.current[0], 100);
    CHECK_EQ(engine.current[1], -5);
    hb_engine_step(&engine, NULL, 0);           /* t = 2: c - rmul(c, 8192) */
    CHECK_EQ(engine.current[0], 100 - 13);      /* rmul(100, 8192) = (819200 + 32768) >> 16 = 13 */
    CHECK_EQ(engine.current[1], -5 - (-1));     /* rmul(-5, 8192) = (-40960 + 32768) >> 16 = -1 */
    /* shift 3: rshift(-4, 3) = 0, rshift(-5, 3) = -1 */
    im.layer[0].current_kind = 0;
    im.layer[0].current_param = 3;
    im.core[0].weights[0] = -4;
    im.core[0].weights[1] = -5;
    CHECK(load(&im));
    hb_engine_step(&engine, &input, 1);
    hb_engine_step(&engine, NULL, 0);
    hb_engine_step(&engine, NULL, 0);
    CHECK_EQ(engine.current[0], -4);
    CHECK_EQ(engine.current[1], -4);
}

/* Budgets: the first `budget` source spikes of a step (ascending) use the budget whether or not
 * an entry matches them; the rest are dropped and counted. */
static void spike_budgets(void) {
    tb_image im;
    tb_two_layers(&im);
    for (int i = 0; i < 4; i++) im.layer[0].threshold[i] = 0;
    for (int k = 0; k < 8; k++) im.core[0].weights[k] = im.core[1].weights[k] = 7;
    im.layer[0].refractory = 0;
    im.route[0].budget = 1;                     /* core 0: neuron 1 is always dropped */
    im.route[1].budget = 1;
    im.route[1].entry[0].key = 1;               /* core 1: only neuron 1 has a route ... */
    im.route[1].entry[0].mask = 0xFFFFFFFFu;    /* ... and neuron 0 uses up the budget */
    im.route[1].entry[0].axon_base[0] = 3;
    CHECK(load(&im));
    uint32_t inputs[4] = {0, 1, 2, 3};
    uint32_t steps_firing = 0;
    for (uint32_t t = 0; t < im.time_steps; t++) {
        CHECK_EQ(hb_engine_step(&engine, inputs, 4), HB_OK);
        steps_firing += engine.core_spikes[0] == 2;
        CHECK_EQ(engine.core_spikes[0], t == 0 ? 0 : 2);
        CHECK_EQ(engine.core_spikes[1], t == 0 ? 0 : 2);
    }
    CHECK_EQ(engine.dropped[0], steps_firing);
    CHECK_EQ(engine.dropped[1], steps_firing);
    CHECK_EQ(engine.dropped[3], 0);
    /* the input map's budget counts too */
    im.input_map.budget = 3;
    CHECK(load(&im));
    for (uint32_t t = 0; t < im.time_steps; t++) hb_engine_step(&engine, inputs, 4);
    CHECK_EQ(engine.dropped[3], im.time_steps);
}

/* The list and bitmap forms of the input are the same step; input lists are checked. */
static void list_and_bitmap_inputs_agree(void) {
    tb_image im;
    tb_two_layers(&im);
    CHECK(load(&im));
    static hb_engine other;
    hb_engine_load(&other, &image);
    srand(3);
    for (uint32_t t = 0; t < im.time_steps; t++) {
        uint32_t list[4], n = 0;
        uint8_t bitmap[1] = {0};
        for (uint32_t i = 0; i < 4; i++) {
            if (rand() % 2) { list[n++] = i; bitmap[0] |= (uint8_t)(1u << i); }
        }
        CHECK_EQ(hb_engine_step(&engine, list, n), HB_OK);
        CHECK_EQ(hb_engine_step_bitmap(&other, bitmap), HB_OK);
    }
    CHECK(memcmp(engine.current, other.current, 6 * sizeof(int32_t)) == 0);
    CHECK(memcmp(engine.membrane, other.membrane, 6 * sizeof(int32_t)) == 0);
    CHECK(memcmp(engine.output_counts, other.output_counts, 2 * sizeof(uint32_t)) == 0);
    hb_engine_reset(&engine);
    uint32_t unordered[2] = {2, 1}, outside[1] = {4};
    uint8_t high_bit[1] = {0x10};
    CHECK_EQ(hb_engine_step(&engine, unordered, 2), HB_CMD_BAD_ARGUMENT);
    CHECK_EQ(hb_engine_step(&engine, outside, 1), HB_CMD_BAD_ARGUMENT);
    CHECK_EQ(hb_engine_step_bitmap(&engine, high_bit), HB_CMD_BAD_ARGUMENT);
    CHECK_EQ(engine.step, 0);
}

/* Two deliveries to one axon in one step add its row twice (docs/fixed-point.md section 3). */
static void double_delivery_counts_twice(void) {
    tb_image im;
    tb_worked_example(&im, 3);
    im.layer[0].lateral = 0;
    im.layer[0].lateral_weight[0] = im.layer[0].lateral_weight[1] = 0;
    im.input_map.entry[0].targets = 2;
    im.input_map.entry[0].core[1] = 0;
    im.input_map.entry[0].axon_base[1] = 0;
    CHECK(load(&im));
    uint32_t input = 0;
    hb_engine_step(&engine, &input, 1);
    hb_engine_step(&engine, NULL, 0);
    CHECK_EQ(engine.current[0], 2 * 30 * 2);
    CHECK_EQ(engine.current[1], 2 * 12 * 2);
}

/* Negative saturation, each clamp counted (c and u separately). */
static void saturation_counts_each_clamp(void) {
    tb_image im;
    tb_worked_example(&im, 3);
    im.layer[0].lateral = 0;
    im.layer[0].lateral_weight[0] = im.layer[0].lateral_weight[1] = 0;
    im.core[0].weights[0] = -128;
    im.core[0].weights[1] = -100;
    CHECK(load(&im));
    uint32_t input = 0;
    hb_engine_step(&engine, &input, 1);
    hb_engine_step(&engine, NULL, 0);
    /* c0 = -256 -> -128 (1), u0 = -128 (no clamp); c1 = -200 -> -128 (2), u1 -128 */
    CHECK_EQ(engine.current[0], -128);
    CHECK_EQ(engine.membrane[1], -128);
    CHECK_EQ(engine.saturations[0], 2);
    hb_engine_step(&engine, NULL, 0);
    /* c = -128 + 16 = -112; u = -128 + 2 - 112 = -238 -> -128: one clamp per neuron */
    CHECK_EQ(engine.saturations[0], 4);
}

/* Version 2: the conv/pool network with shared kernels (expanded per event) and with the same
 * synapses written out run spike for spike alike, and every core spikes on the way. */
static hb_image expanded_image;
static hb_engine expanded_engine;
static uint8_t expanded_bytes[8192];

static int load_both(tb_image *shared, tb_image *expanded) {
    size_t n = tb_encode(expanded, expanded_bytes, sizeof expanded_bytes);
    return load(shared) && n > 0 && hb_image_parse(&expanded_image, expanded_bytes, n, NULL, NULL) == HB_OK &&
           hb_engine_load(&expanded_engine, &expanded_image) == HB_OK;
}

static void shared_and_expanded_kernels_agree(void) {
    static tb_image shared, expanded;
    tb_conv_pool(&shared, 1);
    tb_conv_pool(&expanded, 0);
    CHECK(load_both(&shared, &expanded));
    srand(5);
    uint32_t spikes[4] = {0, 0, 0, 0}, differing = 0;
    for (uint32_t t = 0; t < shared.time_steps; t++) {
        uint32_t inputs[50], n = 0;
        for (uint32_t i = 0; i < 50; i++) {
            if (rand() % 3 == 0) inputs[n++] = i;
        }
        CHECK_EQ(hb_engine_step(&engine, inputs, n), HB_OK);
        CHECK_EQ(hb_engine_step(&expanded_engine, inputs, n), HB_OK);
        differing += memcmp(engine.fired, expanded_engine.fired, 40) != 0;
        differing += memcmp(engine.current, expanded_engine.current, 40 * sizeof(int32_t)) != 0;
        differing += memcmp(engine.membrane, expanded_engine.membrane, 40 * sizeof(int32_t)) != 0;
        for (uint32_t c = 0; c < 4; c++) spikes[c] += engine.core_spikes[c];
    }
    CHECK_EQ(differing, 0);
    CHECK(memcmp(engine.output_counts, expanded_engine.output_counts, 8 * sizeof(uint32_t)) == 0);
    CHECK_EQ(engine.saturations[0], expanded_engine.saturations[0]);
    CHECK_EQ(engine.saturations[1], expanded_engine.saturations[1]);
    for (uint32_t c = 0; c < 4; c++) {
        if (spikes[c] == 0) printf("    core %u never spiked\n", (unsigned)c);
        CHECK(spikes[c] > 0);
    }
}

/* One event on a convolution tile, by hand: input (channel 1, row 2, column 3) = index
 * (1 * 5 + 2) * 5 + 3 = 38 lies in the windows of both conv cores (rows 0-2 and 2-4). Core 0
 * (tile rows 0-1): only output row 1 reaches window row 2 (ky = 1), columns 2 and 3 (kx = 1, 0);
 * core 1 (tile rows 2-3): output row 2 (ky = 0). Kernel [oc][ic = 1][ky][kx]: oc 0 {5, -6, 7, -8},
 * oc 1 {2, -4, 6, -7}. Local neuron k = (oc * 2 + y - row0) * 4 + x. */
static void conv_tile_drive_by_hand(void) {
    static const int64_t core0[16] = {[6] = -8, [7] = 7, [14] = -7, [15] = 6};
    static const int64_t core1[16] = {[2] = -6, [3] = 5, [10] = -4, [11] = 2};
    for (uint8_t form = 0; form < 2; form++) {
        static tb_image im;
        tb_conv_pool(&im, form);
        CHECK(load(&im));
        uint32_t input = 38;
        CHECK_EQ(hb_engine_step(&engine, &input, 1), HB_OK);
        for (uint32_t k = 0; k < 16; k++) {
            CHECK_EQ(engine.row_sum[k], core0[k]);
            CHECK_EQ(engine.row_sum[16 + k], core1[k]);
        }
        CHECK_EQ(hb_engine_step(&engine, NULL, 0), HB_OK);
        CHECK_EQ(engine.current[6], -8 * 4); /* the drive is the sum times 2^F, F = 2 */
        CHECK_EQ(engine.current[16 + 11], 2 * 4);
    }
}

/* Events on a pooling tile, by hand: the pooling layer alone (2x4x4 inputs, K = S = 2), cores
 * of output row 0 and row 1, each with both channels. Input (1, 3, 2) = (1 * 4 + 3) * 4 + 2 = 30
 * reaches core 1's neuron (1, 1, 1) only (k = 1 * 2 + 1 = 3), kernel [1][ky 1][kx 0] = 7; input
 * (0, 0, 1) = 1 reaches core 0's neuron (0, 0, 0), kernel [0][0][1] = 2. Depthwise: channel 0's
 * neurons of core 1 and channel 1's of core 0 get nothing. */
static void pool_tile_drive_by_hand(void) {
    static const int64_t expected[8] = {2, 0, 0, 0, 0, 0, 0, 7};
    for (uint8_t form = 0; form < 2; form++) {
        static tb_image im;
        tb_conv_pool(&im, form);
        im.layers = 1;
        im.layer[0] = im.layer[1];
        im.inputs = 32;
        im.cores = 2;
        im.core[0] = im.core[2];
        im.core[1] = im.core[3];
        im.core[0].layer = im.core[1].layer = 0;
        tb_route_spatial(&im);
        im.output[0][0] = 0;
        im.output[1][0] = 1;
        CHECK(load(&im));
        uint32_t inputs[2] = {1, 30};
        CHECK_EQ(hb_engine_step(&engine, inputs, 2), HB_OK);
        for (uint32_t k = 0; k < 8; k++) CHECK_EQ(engine.row_sum[k], expected[k]);
    }
}

const hb_test engine_tests[] = {
    {"engine: version 2, shared kernels and expanded synapses spike alike", shared_and_expanded_kernels_agree},
    {"engine: version 2, one event on a convolution tile by hand", conv_tile_drive_by_hand},
    {"engine: version 2, events on a pooling tile by hand", pool_tile_drive_by_hand},
    {"engine: docs/fixed-point.md worked example, row by row", worked_example},
    {"engine: rshift and rmul rounding", decay_rounding},
    {"engine: spike budgets count unmatched sources, input map budget", spike_budgets},
    {"engine: list and bitmap inputs agree, bad inputs refused", list_and_bitmap_inputs_agree},
    {"engine: two deliveries to one axon add twice", double_delivery_counts_twice},
    {"engine: saturation events per clamp", saturation_counts_each_clamp},
    {NULL, NULL}};
