#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "check.h"
#include "image.h"
#include "image_builder.h"

static hb_image image;
static const hb_profile test_profile = {"test-board", 0x1209, 0xb2b0, 1, 4096, "T0001"};

static size_t build(uint8_t *out, size_t capacity) {
    tb_image im;
    tb_two_layers(&im);
    return tb_encode(&im, out, capacity);
}

static void accepts_built_images(void) {
    uint8_t bytes[2048];
    size_t n = build(bytes, sizeof bytes);
    CHECK(n > 0);
    CHECK_EQ(hb_image_parse(&image, bytes, n, &test_profile, NULL), HB_OK);
    CHECK_EQ(image.layer_count, 2);
    CHECK_EQ(image.core_count, 3);
    CHECK_EQ(image.total_neurons, 6);
    CHECK_EQ(image.cores[1].state_offset, 2);
    /* 4-bit weights, LSB first, straddling nothing here but sign-extended */
    CHECK_EQ(hb_core_weight(&image.cores[0], 0, 0), 7);
    CHECK_EQ(hb_core_weight(&image.cores[0], 1, 0), -2);
    CHECK_EQ(hb_core_weight(&image.cores[0], 2, 1), -8);
    tb_image ex;
    tb_worked_example(&ex, 10);
    n = tb_encode(&ex, bytes, sizeof bytes);
    CHECK_EQ(hb_image_parse(&image, bytes, n, &test_profile, NULL), HB_OK);
    uint64_t total = 0;
    CHECK(hb_image_expected_length(bytes, n, &total) && total == n);
    CHECK(!hb_image_expected_length(bytes, 40, &total));
}

/* 3-bit weights straddle bytes: q[k] at bits 3k ... 3k+2 of the stream. */
static void unpacks_straddling_weights(void) {
    tb_image im;
    tb_two_layers(&im);
    im.layer[0].weight_bits = 3;
    int8_t w[8] = {3, -4, 1, -1, 2, 0, -3, 3};
    memcpy(im.core[0].weights, w, 8);
    for (int k = 0; k < 8; k++) im.core[1].weights[k] = 0;
    uint8_t bytes[2048];
    size_t n = tb_encode(&im, bytes, sizeof bytes);
    CHECK_EQ(hb_image_parse(&image, bytes, n, NULL, NULL), HB_OK);
    for (uint32_t a = 0; a < 4; a++) {
        for (uint32_t k = 0; k < 2; k++) CHECK_EQ(hb_core_weight(&image.cores[0], a, k), w[a * 2 + k]);
    }
}

typedef void (*mutation)(tb_image *);
static void m_threshold(tb_image *im) { im->layer[0].threshold[1] = 1u << 15; }
static void m_state_bits(tb_image *im) { im->layer[1].state_bits = 33; }
static void m_decay(tb_image *im) { im->layer[0].current_param = 31; }
static void m_multiplier(tb_image *im) { im->layer[0].membrane_param = 65537; }
static void m_lateral_flag(tb_image *im) { im->layer[0].lateral_weight[2] = -1; }
static void m_chain(tb_image *im) { im->outputs = 3; }
static void m_tiling(tb_image *im) { im->core[1].first = 1; im->core[1].count = 3; }
static void m_lateral_split(tb_image *im) { im->layer[0].lateral = 1; }
static void m_route_core(tb_image *im) { im->route[0].entry[0].core[0] = 3; }
static void m_route_axon(tb_image *im) { im->route[1].entry[0].axon_base[0] = 3; }
static void m_key_mask(tb_image *im) { im->input_map.entry[0].key = 1; }
static void m_output_twice(tb_image *im) { im->output[0][2] = 1; im->outputs_entries = 2; im->output[1][0] = 2; im->output[1][1] = 0; im->output[1][2] = 1; im->output[1][3] = 0; }
static void m_output_core(tb_image *im) { im->output[0][0] = 0; }
static void m_core_layer(tb_image *im) { im->core[2].layer = 2; }
static void m_time_steps(tb_image *im) { im->time_steps = 0; }
static void m_target(tb_image *im) { im->target = "hm2bp-nano"; }
static void m_kind(tb_image *im) { im->kind = 0; }
static void m_product(tb_image *im) { im->product = 0xb2b1; }
static void m_protocol(tb_image *im) { im->protocol = 2; }
static void m_bad_kind(tb_image *im) { im->kind = 2; }

static void refuses_each_rule(void) {
    static const struct { mutation m; hb_status expected; } cases[] = {
        {m_threshold, HB_IMG_BAD_NEUR}, {m_state_bits, HB_IMG_BAD_NEUR}, {m_decay, HB_IMG_BAD_NEUR},
        {m_multiplier, HB_IMG_BAD_NEUR}, {m_lateral_flag, HB_IMG_BAD_NEUR}, {m_chain, HB_IMG_LAYER_CHAIN},
        {m_tiling, HB_IMG_CORE_TILING}, {m_lateral_split, HB_IMG_CORE_TILING}, {m_route_core, HB_IMG_ROUTE_TARGET},
        {m_route_axon, HB_IMG_ROUTE_TARGET}, {m_key_mask, HB_IMG_BAD_IMAP}, {m_output_twice, HB_IMG_OUTPUT_COVER},
        {m_output_core, HB_IMG_OUTPUT_COVER}, {m_core_layer, HB_IMG_BAD_SYNS}, {m_time_steps, HB_IMG_BAD_HEAD},
        {m_target, HB_IMG_WRONG_TARGET}, {m_kind, HB_IMG_WRONG_TARGET}, {m_product, HB_IMG_WRONG_USB_ID},
        {m_protocol, HB_IMG_WRONG_PROTOCOL}, {m_bad_kind, HB_IMG_BAD_TRGT}};
    uint8_t bytes[2048];
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        tb_image im;
        tb_two_layers(&im);
        cases[k].m(&im);
        size_t n = tb_encode(&im, bytes, sizeof bytes);
        hb_status s = hb_image_parse(&image, bytes, n, &test_profile, NULL);
        if (s != cases[k].expected) printf("    case %zu: %s\n", k, hb_status_text(s));
        CHECK_EQ(s, cases[k].expected);
    }
}

static void refuses_framing_faults(void) {
    uint8_t good[2048], bytes[2048];
    size_t n = build(good, sizeof good);
    int section = 0;
    memcpy(bytes, good, n); bytes[0] = 'X';
    CHECK_EQ(hb_image_parse(&image, bytes, n, NULL, NULL), HB_IMG_BAD_MAGIC);
    memcpy(bytes, good, n); hb_put32(bytes + 8, 3);
    CHECK_EQ(hb_image_parse(&image, bytes, n, NULL, NULL), HB_IMG_UNSUPPORTED_VERSION);
    memcpy(bytes, good, n); hb_put32(bytes + 12, 7);
    CHECK_EQ(hb_image_parse(&image, bytes, n, NULL, NULL), HB_IMG_BAD_SECTION_COUNT);
    memcpy(bytes, good, n); bytes[n - 1] ^= 1;
    CHECK_EQ(hb_image_parse(&image, bytes, n, NULL, NULL), HB_IMG_BAD_SHA256);
    memcpy(bytes, good, n); bytes[tb_section(bytes, 3) + 30] ^= 0x40; /* a weight byte */
    CHECK_EQ(hb_image_parse(&image, bytes, n, NULL, &section), HB_IMG_BAD_SECTION_CRC);
    CHECK_EQ(section, 3);
    memcpy(bytes, good, n); bytes[tb_section(bytes, 4) - 8] = 'X';
    CHECK_EQ(hb_image_parse(&image, bytes, n, NULL, &section), HB_IMG_BAD_SECTION_TAG);
    CHECK_EQ(section, 4);
    CHECK_EQ(hb_image_parse(&image, good, 47, NULL, NULL), HB_IMG_TRUNCATED);
    CHECK_EQ(hb_image_parse(&image, good, n, NULL, NULL), HB_OK);
    hb_profile small = test_profile;
    small.max_image_bytes = (uint32_t)n - 1;
    CHECK_EQ(hb_image_parse(&image, good, n, &small, NULL), HB_IMG_TOO_LARGE);
    /* a byte inside a payload no field uses: HEAD one longer */
    size_t head = tb_section(good, 0);
    memcpy(bytes, good, head + 20);
    hb_put32(bytes + head - 4, 21);
    bytes[head + 20] = 0;
    memcpy(bytes + head + 21, good + head + 20, n - head - 20);
    tb_reseal(bytes, n + 1);
    CHECK_EQ(hb_image_parse(&image, bytes, n + 1, NULL, NULL), HB_IMG_SECTION_NOT_CONSUMED);
    /* bad UTF-8 in META */
    memcpy(bytes, good, n);
    bytes[tb_section(bytes, 7) + 32 + 4] = 0xC0;
    tb_reseal(bytes, n);
    CHECK_EQ(hb_image_parse(&image, bytes, n, NULL, NULL), HB_IMG_BAD_META);
}

/* Every truncation and thousands of random mutations (raw, and resealed so the section parsers
 * see them) give a refusal or a valid image, never a crash (the sanitizer build checks memory). */
static void survives_truncation_and_mutation(void) {
    uint8_t good[2048], bytes[2048];
    size_t n = build(good, sizeof good);
    uint32_t refused = 0, accepted = 0;
    for (size_t k = 0; k < n; k++) refused += hb_image_parse(&image, good, k, NULL, NULL) != HB_OK;
    CHECK_EQ(refused, n);
    srand(7);
    for (int trial = 0; trial < 4000; trial++) {
        memcpy(bytes, good, n);
        int flips = 1 + rand() % 4;
        for (int f = 0; f < flips; f++) bytes[(size_t)rand() % (n - 48) + 16] ^= (uint8_t)(1u << (rand() % 8));
        if (trial % 2) tb_reseal(bytes, n);
        hb_status s = hb_image_parse(&image, bytes, n, NULL, NULL);
        if (s == HB_OK) accepted++;
        else refused++;
        if (trial % 2 == 0) CHECK(s != HB_OK);
    }
    CHECK(accepted > 0); /* some resealed flips (weights, floats) leave a valid image */
}

/* Version 2: the conv/pool image in both forms; tiles, windows, and the effective weights of
 * hb_core_weight equal for both forms and to the builder's own expansion of the kernels. */
static hb_image expanded_image;
static void accepts_version_2(void) {
    static uint8_t shared_bytes[8192], expanded_bytes[8192];
    static tb_image shared, expanded;
    tb_conv_pool(&shared, 1);
    tb_conv_pool(&expanded, 0);
    size_t n1 = tb_encode(&shared, shared_bytes, sizeof shared_bytes), n0 = tb_encode(&expanded, expanded_bytes, sizeof expanded_bytes);
    CHECK(n1 > 0 && n0 > n1);
    CHECK_EQ(hb_image_parse(&image, shared_bytes, n1, &test_profile, NULL), HB_OK);
    CHECK_EQ(hb_image_parse(&expanded_image, expanded_bytes, n0, &test_profile, NULL), HB_OK);
    CHECK_EQ(image.version, 2);
    CHECK_EQ(image.layers[0].kind, HB_LAYER_CONVOLUTION);
    CHECK_EQ(image.layers[1].kind, HB_LAYER_POOLING);
    CHECK_EQ(image.layers[1].kernel_size, 2);
    CHECK_EQ(image.layers[1].stride, 2);
    static const uint32_t axons[4] = {30, 30, 16, 16}, rows[4] = {3, 3, 2, 2}, columns[4] = {5, 5, 4, 4};
    uint32_t nonzero = 0;
    for (uint32_t c = 0; c < 4; c++) {
        const hb_core *a = &image.cores[c], *b = &expanded_image.cores[c];
        CHECK_EQ(a->form, HB_FORM_SHARED);
        CHECK_EQ(b->form, HB_FORM_EXPANDED);
        CHECK_EQ(a->axon_count, axons[c]);
        CHECK_EQ(a->window_rows, rows[c]);
        CHECK_EQ(a->window_columns, columns[c]);
        CHECK_EQ(a->row0, c == 1 ? 2 : c == 3 ? 1 : 0);
        for (uint32_t axon = 0; axon < a->axon_count; axon++) {
            for (uint32_t k = 0; k < a->neuron_count; k++) {
                int32_t w = hb_core_weight(a, axon, k);
                CHECK_EQ(w, hb_core_weight(b, axon, k));
                CHECK_EQ(w, expanded.core[c].weights[axon * a->neuron_count + k]);
                nonzero += w != 0;
            }
        }
    }
    /* conv: every axon-neuron pair in reach of the kernel has a non-zero entry (the kernels have
     * no zeros): core 0 2 x 2 x (2 x 4 positions x 4 entries) = 128, core 1 the same; pool: 4 x 4 per core */
    CHECK_EQ(nonzero, 128 + 128 + 16 + 16);
    /* core 0, input channel 1 at window row 2, column 3 (axon (1 * 3 + 2) * 5 + 3 = 28) to neuron (1, 1, 2) (k 14):
     * kernel [1][1][1][1] = -7; to (0, 1, 3) (k 7): [0][1][1][0] = 7; to (0, 0, 3): out of reach */
    CHECK_EQ(hb_core_weight(&image.cores[0], 28, 14), -7);
    CHECK_EQ(hb_core_weight(&image.cores[0], 28, 7), 7);
    CHECK_EQ(hb_core_weight(&image.cores[0], 28, 3), 0);
    /* pooling is depthwise: channel 1's axon never reaches channel 0's neuron */
    CHECK_EQ(hb_core_weight(&image.cores[3], 8, 0), 0);
    CHECK_EQ(hb_core_weight(&image.cores[3], 8, 2), 5);
    /* an all-dense image may be written as version 2 too: the same cores */
    tb_image dense;
    tb_two_layers(&dense);
    dense.version = 2;
    uint8_t bytes[2048];
    size_t n = tb_encode(&dense, bytes, sizeof bytes);
    CHECK_EQ(hb_image_parse(&image, bytes, n, &test_profile, NULL), HB_OK);
    CHECK_EQ(hb_core_weight(&image.cores[0], 2, 1), -8);
    CHECK_EQ(image.cores[2].form, HB_FORM_EXPANDED);
}

static void g_kind(tb_image *im) { im->layer[0].kind = 3; }
static void g_conv_stride(tb_image *im) { im->layer[0].stride = 2; }
static void g_conv_size(tb_image *im) { im->layer[0].kernel = 3; }
static void g_kernel_zero(tb_image *im) { im->layer[1].kernel = 0; im->layer[1].stride = 0; }
static void g_kernel_65(tb_image *im) { im->layer[1].kernel = 65; im->layer[1].stride = 65; im->core[2].axons = im->core[3].axons = 16; }
static void g_in_product(tb_image *im) { im->layer[0].geometry[0] = 3; }
static void g_out_product(tb_image *im) { im->layer[0].geometry[3] = 3; }
static void g_zero_size(tb_image *im) { im->layer[0].geometry[1] = 0; }
static void g_pool_stride(tb_image *im) { im->layer[1].stride = 1; }
static void g_pool_channels(tb_image *im) { im->layer[1].geometry[0] = 1; im->layer[1].inputs = 16; }
static void g_pool_rows(tb_image *im) { im->layer[1].geometry[1] = 2; im->layer[1].geometry[2] = 8; }
static void g_lateral(tb_image *im) { im->layer[1].lateral = 1; }
static void t_form(tb_image *im) { im->core[2].form = 2; }
static void t_outside(tb_image *im) { im->core[1].tile[2] = 3; }
static void t_no_channels(tb_image *im) { im->core[3].tile[1] = 0; }
static void t_size(tb_image *im) { im->core[0].tile[5] = 3; }
static void t_axons(tb_image *im) { im->core[0].axons = 31; }
static void t_core_layer(tb_image *im) { im->core[0].layer = 5; } /* before its tile can be read */
static void t_overlap(tb_image *im) { im->core[1].tile[2] = 1; }
static void t_order(tb_image *im) { im->core[0].first = 16; im->core[1].first = 0; }
static void t_pool_order(tb_image *im) { im->core[2].first = 4; im->core[3].first = 0; }

static void refuses_each_version_2_rule(void) {
    static const struct { mutation m; hb_status expected; int section; } cases[] = {
        {g_kind, HB_IMG_BAD_LAYER_GEOMETRY, 2}, {g_conv_stride, HB_IMG_BAD_LAYER_GEOMETRY, 2},
        {g_conv_size, HB_IMG_BAD_LAYER_GEOMETRY, 2}, {g_kernel_zero, HB_IMG_BAD_LAYER_GEOMETRY, 2},
        {g_kernel_65, HB_IMG_BAD_LAYER_GEOMETRY, 2}, {g_in_product, HB_IMG_BAD_LAYER_GEOMETRY, 2},
        {g_out_product, HB_IMG_BAD_LAYER_GEOMETRY, 2}, {g_zero_size, HB_IMG_BAD_LAYER_GEOMETRY, 2},
        {g_pool_stride, HB_IMG_BAD_LAYER_GEOMETRY, 2}, {g_pool_channels, HB_IMG_BAD_LAYER_GEOMETRY, 2},
        {g_pool_rows, HB_IMG_BAD_LAYER_GEOMETRY, 2}, {g_lateral, HB_IMG_BAD_LAYER_GEOMETRY, 2},
        {t_form, HB_IMG_BAD_CORE_TILE, 3}, {t_outside, HB_IMG_BAD_CORE_TILE, 3}, {t_no_channels, HB_IMG_BAD_CORE_TILE, 3},
        {t_size, HB_IMG_BAD_CORE_TILE, 3}, {t_axons, HB_IMG_BAD_CORE_TILE, 3}, {t_core_layer, HB_IMG_BAD_SYNS, 3},
        {t_overlap, HB_IMG_CORE_TILING, -1}, {t_order, HB_IMG_CORE_TILING, -1}, {t_pool_order, HB_IMG_CORE_TILING, -1}};
    static uint8_t bytes[65536];
    hb_profile roomy = test_profile;
    roomy.max_image_bytes = sizeof bytes;
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        for (uint8_t form = 0; form < 2; form++) {
            static tb_image im;
            tb_conv_pool(&im, form);
            cases[k].m(&im);
            size_t n = tb_encode(&im, bytes, sizeof bytes);
            int section = 0;
            hb_status s = hb_image_parse(&image, bytes, n, &roomy, &section);
            if (s != cases[k].expected || section != cases[k].section) {
                printf("    case %zu form %u: %s (section %d)\n", k, form, hb_status_text(s), section);
            }
            CHECK_EQ(s, cases[k].expected);
            CHECK_EQ(section, cases[k].section);
        }
    }
    /* a fully connected layer's core in a version-2 image is a version-1 core: axonCount = inputs */
    tb_image dense;
    tb_two_layers(&dense);
    dense.version = 2;
    dense.core[2].axons = 3;
    size_t n = tb_encode(&dense, bytes, sizeof bytes);
    CHECK_EQ(hb_image_parse(&image, bytes, n, NULL, NULL), HB_IMG_BAD_SYNS);
    /* version-1 bytes read as version 2 (no kind bytes) are refused, never misread */
    tb_two_layers(&dense);
    n = tb_encode(&dense, bytes, sizeof bytes);
    hb_put32(bytes + 8, 2);
    tb_reseal(bytes, n);
    CHECK(hb_image_parse(&image, bytes, n, NULL, NULL) != HB_OK);
}

/* The 2^62 drive bound with a shared kernel: one pooling core whose 1024 x 1024 window gets every
 * one of the 2^20 inputs `copies` times per step: E = 2^20 copies, W = 8, F = 24, B = 24, so
 * E 2^7 2^24 + 1024 2^23 < 2^62 exactly when copies < 2048. */
static void wide_pool(tb_image *im, uint16_t copies) {
    memset(im, 0, sizeof *im);
    im->version = 2;
    im->inputs = 1u << 20; im->outputs = 1024; im->time_steps = 4; im->layers = 1; im->cores = 1;
    im->target = "test-board"; im->kind = 1; im->vendor = 0x1209; im->product = 0xb2b0; im->protocol = 1;
    tb_layer *L = &im->layer[0];
    L->kind = 2; L->inputs = 1u << 20; L->neurons = 1024; L->kernel = 32; L->stride = 32;
    const uint16_t geometry[6] = {1, 1024, 1024, 1, 32, 32};
    memcpy(L->geometry, geometry, sizeof geometry);
    L->state_bits = 24; L->threshold_bits = 23; L->weight_bits = 8; L->weight_shift = 24;
    L->current_kind = 0; L->current_param = 3; L->membrane_kind = 0; L->membrane_param = 3;
    for (int i = 0; i < 1024; i++) L->threshold[i] = 1000;
    tb_core *C = &im->core[0];
    C->count = 1024; C->form = 1;
    const uint16_t tile[6] = {0, 1, 0, 32, 0, 32};
    memcpy(C->tile, tile, sizeof tile);
    memset(C->weights, 1, sizeof C->weights);
    im->input_map.entries = 1;
    im->input_map.entry[0] = (tb_entry){0, 0xFFF00000u, 1, {0}, {0}, copies};
    im->outputs_entries = 1;
    im->output[0][2] = 1024;
}

static void version_2_drive_bound(void) {
    static uint8_t bytes[65536];
    static tb_image im;
    wide_pool(&im, 2047);
    size_t n = tb_encode(&im, bytes, sizeof bytes);
    CHECK(n > 0);
    CHECK_EQ(hb_image_parse(&image, bytes, n, NULL, NULL), HB_OK);
    CHECK_EQ(image.cores[0].axon_count, 1u << 20);
    wide_pool(&im, 2048);
    n = tb_encode(&im, bytes, sizeof bytes);
    int section = 0;
    CHECK_EQ(hb_image_parse(&image, bytes, n, NULL, &section), HB_IMG_EXCEEDS_BOARD);
    CHECK_EQ(section, -1);
}

/* The version-2 image under every truncation and random flips, as the version-1 one above. */
static void survives_version_2_mutation(void) {
    static uint8_t good[8192], bytes[8192];
    static tb_image im;
    tb_conv_pool(&im, 1);
    size_t n = tb_encode(&im, good, sizeof good);
    uint32_t refused = 0, accepted = 0;
    for (size_t k = 0; k < n; k++) refused += hb_image_parse(&image, good, k, NULL, NULL) != HB_OK;
    CHECK_EQ(refused, n);
    srand(12);
    for (int trial = 0; trial < 4000; trial++) {
        memcpy(bytes, good, n);
        int flips = 1 + rand() % 4;
        for (int f = 0; f < flips; f++) bytes[(size_t)rand() % (n - 48) + 16] ^= (uint8_t)(1u << (rand() % 8));
        tb_reseal(bytes, n);
        if (hb_image_parse(&image, bytes, n, NULL, NULL) == HB_OK) {
            accepted++;
            /* whatever was accepted has every effective weight in reach */
            for (uint32_t c = 0; c < image.core_count; c++) hb_core_weight(&image.cores[c], image.cores[c].axon_count - 1u, image.cores[c].neuron_count - 1u);
        }
    }
    CHECK(accepted > 0);
}

const hb_test image_tests[] = {
    {"image: version 2, both forms, tiles, windows, effective weights", accepts_version_2},
    {"image: version 2, one refusal code per rule", refuses_each_version_2_rule},
    {"image: version 2, the 2^62 drive bound over a shared-kernel window", version_2_drive_bound},
    {"image: version 2, truncations and 4000 resealed mutations", survives_version_2_mutation},
    {"image: accepts built images, reads 4-bit weights", accepts_built_images},
    {"image: 3-bit weights straddling bytes", unpacks_straddling_weights},
    {"image: one refusal code per rule", refuses_each_rule},
    {"image: framing faults, sections named", refuses_framing_faults},
    {"image: truncations and 4000 mutations", survives_truncation_and_mutation},
    {NULL, NULL}};
