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

const hb_test image_tests[] = {
    {"image: accepts built images, reads 4-bit weights", accepts_built_images},
    {"image: 3-bit weights straddling bytes", unpacks_straddling_weights},
    {"image: one refusal code per rule", refuses_each_rule},
    {"image: framing faults, sections named", refuses_framing_faults},
    {"image: truncations and 4000 mutations", survives_truncation_and_mutation},
    {NULL, NULL}};
