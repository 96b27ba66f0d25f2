#include "image_builder.h"

#include <string.h>

#include "bytes.h"
#include "checksum.h"

typedef struct writer {
    uint8_t *out;
    size_t at, capacity;
} writer;

static void put(writer *w, const void *data, size_t n) {
    if (w->at + n <= w->capacity) memcpy(w->out + w->at, data, n);
    w->at += n;
}
static void u8(writer *w, uint32_t v) { uint8_t b = (uint8_t)v; put(w, &b, 1); }
static void u16(writer *w, uint32_t v) { uint8_t b[2]; hb_put16(b, (uint16_t)v); put(w, b, 2); }
static void u32(writer *w, uint32_t v) { uint8_t b[4]; hb_put32(b, v); put(w, b, 4); }
static void str(writer *w, const char *s) { u32(w, (uint32_t)strlen(s)); put(w, s, strlen(s)); }

/* Starts a section: tag and a length placeholder; returns where the payload starts. */
static size_t open_section(writer *w, const char *tag) {
    put(w, tag, 4);
    u32(w, 0);
    return w->at;
}
static void close_section(writer *w, size_t start) {
    if (w->at + 4 > w->capacity) { w->at += 4; return; }
    hb_put32(w->out + start - 4, (uint32_t)(w->at - start));
    u32(w, hb_crc32(0, w->out + start, w->at - start));
}

static void table(writer *w, const tb_table *t) {
    u32(w, t->budget);
    u32(w, t->entries);
    for (uint32_t e = 0; e < t->entries; e++) {
        u32(w, t->entry[e].key);
        u32(w, t->entry[e].mask);
        u16(w, t->entry[e].targets);
        for (uint32_t k = 0; k < t->entry[e].targets; k++) {
            u32(w, t->entry[e].core[k]);
            u32(w, t->entry[e].axon_base[k]);
        }
    }
}

size_t tb_encode(const tb_image *im, uint8_t *out, size_t capacity) {
    writer w = {out, 0, capacity};
    put(&w, "HM2BPIMG", 8);
    u32(&w, 1);
    u32(&w, 8);
    size_t s = open_section(&w, "HEAD");
    u32(&w, im->inputs); u32(&w, im->outputs); u32(&w, im->time_steps); u32(&w, im->layers); u32(&w, im->cores);
    close_section(&w, s);
    s = open_section(&w, "TRGT");
    str(&w, im->target);
    u8(&w, im->kind);
    uint8_t description[32];
    memset(description, 0xA5, sizeof description);
    put(&w, description, 32);
    u16(&w, im->vendor); u16(&w, im->product); u16(&w, im->protocol);
    close_section(&w, s);
    s = open_section(&w, "NEUR");
    for (uint32_t l = 0; l < im->layers; l++) {
        const tb_layer *L = &im->layer[l];
        u32(&w, L->inputs); u32(&w, L->neurons);
        u8(&w, L->state_bits); u8(&w, L->threshold_bits); u8(&w, L->weight_bits); u8(&w, L->weight_shift);
        u8(&w, L->current_kind); u32(&w, L->current_param);
        u8(&w, L->membrane_kind); u32(&w, L->membrane_param);
        u16(&w, L->refractory); u8(&w, L->lateral);
        u32(&w, 0x41000000u); /* tauS 8.0f */
        u32(&w, 0x3F800000u); /* VTH 1.0f */
        for (uint32_t i = 0; i < L->neurons; i++) {
            u32(&w, L->threshold[i]);
            u32(&w, (uint32_t)L->lateral_weight[i]);
            u32(&w, 0x3C23D70Au); /* weightStep 0.01f */
        }
    }
    close_section(&w, s);
    s = open_section(&w, "SYNS");
    for (uint32_t c = 0; c < im->cores; c++) {
        const tb_core *C = &im->core[c];
        const tb_layer *L = &im->layer[C->layer];
        u32(&w, C->layer); u32(&w, C->first); u32(&w, C->count); u32(&w, L->inputs); u8(&w, L->weight_bits);
        uint32_t n = L->inputs * C->count, bits = L->weight_bits;
        uint8_t packed[TB_MAX_NEURONS * TB_MAX_NEURONS];
        memset(packed, 0, sizeof packed);
        for (uint32_t k = 0; k < n; k++) {
            uint32_t field = (uint32_t)(uint8_t)C->weights[k] & ((1u << bits) - 1u);
            for (uint32_t b = 0; b < bits; b++) {
                if (field >> b & 1u) packed[(k * bits + b) >> 3] |= (uint8_t)(1u << ((k * bits + b) & 7u));
            }
        }
        put(&w, packed, (n * bits + 7u) / 8u);
    }
    close_section(&w, s);
    s = open_section(&w, "ROUT");
    for (uint32_t c = 0; c < im->cores; c++) table(&w, &im->route[c]);
    close_section(&w, s);
    s = open_section(&w, "IMAP");
    table(&w, &im->input_map);
    close_section(&w, s);
    s = open_section(&w, "OMAP");
    u32(&w, im->outputs_entries);
    for (uint32_t e = 0; e < im->outputs_entries; e++) {
        for (int k = 0; k < 4; k++) u32(&w, im->output[e][k]);
    }
    close_section(&w, s);
    s = open_section(&w, "META");
    uint8_t model[32];
    memset(model, 0x5A, sizeof model);
    put(&w, model, 32);
    str(&w, "test");
    str(&w, "Firmware/tests/image_builder.c");
    str(&w, "{}");
    close_section(&w, s);
    if (w.at + 32 > capacity) return 0;
    hb_sha256(out, w.at, out + w.at);
    return w.at + 32;
}

size_t tb_section(const uint8_t *bytes, int index) {
    size_t at = 16;
    for (int s = 0; s < index; s++) at += 8u + hb_get32(bytes + at + 4) + 4u;
    return at + 8u;
}

void tb_reseal(uint8_t *bytes, size_t length) {
    size_t at = 16;
    for (int s = 0; s < 8; s++) {
        uint32_t n = hb_get32(bytes + at + 4);
        if (at + 12u + n > length - 32u) break;
        hb_put32(bytes + at + 8 + n, hb_crc32(0, bytes + at + 8, n));
        at += 12u + n;
    }
    hb_sha256(bytes, length - 32u, bytes + length - 32u);
}

static tb_table one_to_one(uint32_t core, uint32_t axon_base, uint32_t sources_mask) {
    tb_table t;
    memset(&t, 0, sizeof t);
    t.entries = 1;
    t.entry[0].key = 0;
    t.entry[0].mask = ~sources_mask;
    t.entry[0].targets = 1;
    t.entry[0].core[0] = core;
    t.entry[0].axon_base[0] = axon_base;
    return t;
}

void tb_worked_example(tb_image *im, uint32_t time_steps) {
    memset(im, 0, sizeof *im);
    im->inputs = 1; im->outputs = 2; im->time_steps = time_steps; im->layers = 1; im->cores = 1;
    im->target = "test-board"; im->kind = 1; im->vendor = 0x1209; im->product = 0xb2b0; im->protocol = 1;
    tb_layer *L = &im->layer[0];
    L->inputs = 1; L->neurons = 2;
    L->state_bits = 8; L->threshold_bits = 7; L->weight_bits = 8; L->weight_shift = 1;
    L->current_kind = 0; L->current_param = 3; L->membrane_kind = 0; L->membrane_param = 6;
    L->refractory = 2; L->lateral = 1;
    L->threshold[0] = 100; L->threshold[1] = 60;
    L->lateral_weight[0] = -6; L->lateral_weight[1] = -6;
    im->core[0] = (tb_core){0, 0, 2, {30, 12}};
    im->input_map = one_to_one(0, 0, 0);
    im->outputs_entries = 1;
    im->output[0][0] = 0; im->output[0][1] = 0; im->output[0][2] = 2; im->output[0][3] = 0;
}

void tb_two_layers(tb_image *im) {
    memset(im, 0, sizeof *im);
    im->inputs = 4; im->outputs = 2; im->time_steps = 12; im->layers = 2; im->cores = 3;
    im->target = "test-board"; im->kind = 1; im->vendor = 0x1209; im->product = 0xb2b0; im->protocol = 1;
    for (int l = 0; l < 2; l++) {
        tb_layer *L = &im->layer[l];
        L->inputs = 4; L->neurons = l == 0 ? 4 : 2;
        L->state_bits = 16; L->threshold_bits = 15; L->weight_bits = 4; L->weight_shift = 2;
        L->current_kind = 0; L->current_param = 1; L->membrane_kind = 1; L->membrane_param = 8192;
        L->refractory = 1;
        for (int i = 0; i < 4; i++) L->threshold[i] = 5;
    }
    /* layer 0: neurons 0-1 on core 0, 2-3 on core 1; 4-bit weights (3 and -2 straddle bytes) */
    im->core[0] = (tb_core){0, 0, 2, {7, 3, -2, 5, 4, -8, 6, 1}};
    im->core[1] = (tb_core){0, 2, 2, {2, 7, 5, -1, -3, 6, 7, 7}};
    im->core[2] = (tb_core){1, 0, 2, {7, 1, 6, -4, 5, 7, -2, 3}};
    /* inputs 0-3 to axons 0-3 of cores 0 and 1 */
    im->input_map.entries = 1;
    im->input_map.entry[0] = (tb_entry){0, ~3u, 2, {0, 1}, {0, 0}};
    /* core 0's neurons 0-1 -> core 2 axons 0-1; core 1's -> axons 2-3 */
    im->route[0] = one_to_one(2, 0, 1);
    im->route[1] = one_to_one(2, 2, 1);
    im->outputs_entries = 1;
    im->output[0][0] = 2; im->output[0][1] = 0; im->output[0][2] = 2; im->output[0][3] = 0;
}
