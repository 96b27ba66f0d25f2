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
        uint32_t copies = t->entry[e].copies ? t->entry[e].copies : 1u;
        u16(w, t->entry[e].targets * copies);
        for (uint32_t k = 0; k < t->entry[e].targets; k++) {
            for (uint32_t copy = 0; copy < copies; copy++) {
                u32(w, t->entry[e].core[k]);
                u32(w, t->entry[e].axon_base[k]);
            }
        }
    }
}

size_t tb_encode(const tb_image *im, uint8_t *out, size_t capacity) {
    writer w = {out, 0, capacity};
    const uint32_t version = im->version ? im->version : 1u;
    put(&w, "HM2BPIMG", 8);
    u32(&w, version);
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
        if (version >= 2) {
            u8(&w, L->kind);
            if (L->kind != 0) {
                for (int g = 0; g < 6; g++) u16(&w, L->geometry[g]);
                u8(&w, L->kernel); u8(&w, L->stride);
            }
        }
        u32(&w, L->inputs); u32(&w, L->neurons);
        u8(&w, L->state_bits); u8(&w, L->threshold_bits); u8(&w, L->weight_bits); u8(&w, L->weight_shift);
        u8(&w, L->current_kind); u32(&w, L->current_param);
        u8(&w, L->membrane_kind); u32(&w, L->membrane_param);
        u16(&w, L->refractory); u8(&w, L->lateral);
        u32(&w, 0x41000000u); /* tauS 8.0f */
        u32(&w, 0x3F800000u); /* VTH 1.0f */
        for (uint32_t i = 0; i < L->neurons; i++) {
            u32(&w, i < TB_MAX_NEURONS ? L->threshold[i] : 0u);
            u32(&w, i < TB_MAX_NEURONS ? (uint32_t)L->lateral_weight[i] : 0u);
            u32(&w, 0x3C23D70Au); /* weightStep 0.01f */
        }
    }
    close_section(&w, s);
    s = open_section(&w, "SYNS");
    for (uint32_t c = 0; c < im->cores; c++) {
        const tb_core *C = &im->core[c];
        const tb_layer *L = &im->layer[C->layer < TB_MAX ? C->layer : 0];
        const int spatial = version >= 2 && L->kind != 0;
        uint32_t rows = 0, columns = 0, channels = 0;
        if (spatial) tb_window(im, c, &rows, &columns, &channels);
        uint32_t axons = C->axons ? C->axons : spatial ? channels * rows * columns : L->inputs;
        u32(&w, C->layer); u32(&w, C->first); u32(&w, C->count); u32(&w, axons); u8(&w, L->weight_bits);
        uint32_t n = axons * C->count, bits = L->weight_bits;
        if (spatial) {
            for (int t = 0; t < 6; t++) u16(&w, C->tile[t]);
            u8(&w, C->form);
            if (C->form == 1) n = C->tile[1] * (L->kind == 1 ? L->geometry[0] : 1u) * L->kernel * L->kernel;
        }
        /* the bitstream, one byte at a time (weights past TB_MAX_WEIGHTS are 0) */
        uint32_t pending = 0, filled = 0;
        for (uint32_t k = 0; k < n; k++) {
            uint32_t field = k < TB_MAX_WEIGHTS ? (uint32_t)(uint8_t)C->weights[k] & ((1u << bits) - 1u) : 0u;
            pending |= field << filled;
            for (filled += bits; filled >= 8; filled -= 8, pending >>= 8) u8(&w, pending & 0xFFu);
        }
        if (filled) u8(&w, pending);
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
    im->core[0] = (tb_core){0, 0, 2, {30, 12}, 0, {0}, 0};
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
    im->core[0] = (tb_core){0, 0, 2, {7, 3, -2, 5, 4, -8, 6, 1}, 0, {0}, 0};
    im->core[1] = (tb_core){0, 2, 2, {2, 7, 5, -1, -3, 6, 7, 7}, 0, {0}, 0};
    im->core[2] = (tb_core){1, 0, 2, {7, 1, 6, -4, 5, 7, -2, 3}, 0, {0}, 0};
    /* inputs 0-3 to axons 0-3 of cores 0 and 1 */
    im->input_map.entries = 1;
    im->input_map.entry[0] = (tb_entry){0, ~3u, 2, {0, 1}, {0, 0}, 0};
    /* core 0's neurons 0-1 -> core 2 axons 0-1; core 1's -> axons 2-3 */
    im->route[0] = one_to_one(2, 0, 1);
    im->route[1] = one_to_one(2, 2, 1);
    im->outputs_entries = 1;
    im->output[0][0] = 2; im->output[0][1] = 0; im->output[0][2] = 2; im->output[0][3] = 0;
}

void tb_window(const tb_image *im, uint32_t c, uint32_t *rows, uint32_t *columns, uint32_t *channels) {
    const tb_core *C = &im->core[c];
    const tb_layer *L = &im->layer[C->layer < TB_MAX ? C->layer : 0];
    *rows = (C->tile[3] - 1u) * L->stride + L->kernel;
    *columns = (C->tile[5] - 1u) * L->stride + L->kernel;
    *channels = L->kind == 1 ? L->geometry[0] : C->tile[1];
}

void tb_set_kernels(tb_image *im, uint32_t c, const int8_t *kernels) {
    tb_core *C = &im->core[c];
    const tb_layer *L = &im->layer[C->layer];
    const uint32_t K = L->kernel, S = L->stride, depth = L->kind == 1 ? L->geometry[0] : 1u;
    memset(C->weights, 0, sizeof C->weights);
    if (C->form == 1) {
        memcpy(C->weights, kernels + (size_t)C->tile[0] * depth * K * K, (size_t)C->tile[1] * depth * K * K);
        return;
    }
    uint32_t rows, columns, channels;
    tb_window(im, c, &rows, &columns, &channels);
    const uint32_t first_channel = L->kind == 1 ? 0u : C->tile[0];
    for (uint32_t a = 0; a < channels * rows * columns; a++) {
        /* absolute input position of the axon, output position of the neuron */
        uint32_t ic = first_channel + a / (rows * columns);
        uint32_t wy = C->tile[2] * S + a / columns % rows, wx = C->tile[4] * S + a % columns;
        for (uint32_t k = 0; k < C->count; k++) {
            uint32_t oc = C->tile[0] + k / (C->tile[3] * C->tile[5]);
            uint32_t y = C->tile[2] + k / C->tile[5] % C->tile[3], x = C->tile[4] + k % C->tile[5];
            int ky = (int)wy - (int)(y * S), kx = (int)wx - (int)(x * S);
            if (ky < 0 || kx < 0 || ky >= (int)K || kx >= (int)K || (L->kind == 2 && ic != oc)) continue;
            uint32_t kernel = L->kind == 1 ? oc * depth + ic : oc;
            C->weights[a * C->count + k] = kernels[(kernel * K + (uint32_t)ky) * K + (uint32_t)kx];
        }
    }
}

/* Map position (channel, row, column) of source `n`: input n of layer 0 (layer = -1), or local
 * neuron n of core `c`. A dense map is one channel of one row. */
static void source_position(const tb_image *im, int c, uint32_t n, uint32_t position[3]) {
    if (c < 0) {
        const tb_layer *L = &im->layer[0];
        uint32_t H = L->kind ? L->geometry[1] : 1u, W = L->kind ? L->geometry[2] : L->inputs;
        position[0] = n / (H * W); position[1] = n / W % H; position[2] = n % W;
        return;
    }
    const tb_core *C = &im->core[c];
    if (im->layer[C->layer].kind == 0) { position[0] = 0; position[1] = 0; position[2] = C->first + n; return; }
    position[0] = C->tile[0] + n / (C->tile[3] * C->tile[5]);
    position[1] = C->tile[2] + n / C->tile[5] % C->tile[3];
    position[2] = C->tile[4] + n % C->tile[5];
}

static void route_sources(tb_image *im, tb_table *table, int c, uint32_t sources, uint32_t next_layer) {
    memset(table, 0, sizeof *table);
    for (uint32_t n = 0; n < sources && table->entries < TB_MAX_ENTRIES; n++) {
        uint32_t p[3];
        source_position(im, c, n, p);
        tb_entry *e = &table->entry[table->entries];
        memset(e, 0, sizeof *e);
        e->key = n;
        e->mask = 0xFFFFFFFFu;
        const tb_layer *L = &im->layer[next_layer];
        for (uint32_t t = 0; t < im->cores && e->targets < TB_MAX; t++) {
            const tb_core *T = &im->core[t];
            if (T->layer != next_layer) continue;
            if (L->kind == 0) {
                uint32_t H = c < 0 ? 1u : im->layer[next_layer - 1].kind ? im->layer[next_layer - 1].geometry[4] : 1u;
                uint32_t W = c < 0 ? L->inputs : im->layer[next_layer - 1].kind ? im->layer[next_layer - 1].geometry[5] : L->inputs;
                e->core[e->targets] = t;
                e->axon_base[e->targets++] = (p[0] * H + p[1]) * W + p[2];
                continue;
            }
            uint32_t rows, columns, channels;
            tb_window(im, t, &rows, &columns, &channels);
            uint32_t c0 = L->kind == 1 ? 0u : T->tile[0], r0 = T->tile[2] * L->stride, x0 = T->tile[4] * L->stride;
            if (p[0] < c0 || p[0] >= c0 + channels || p[1] < r0 || p[1] >= r0 + rows || p[2] < x0 || p[2] >= x0 + columns) continue;
            e->core[e->targets] = t;
            e->axon_base[e->targets++] = ((p[0] - c0) * rows + (p[1] - r0)) * columns + (p[2] - x0);
        }
        if (e->targets) table->entries++;
    }
}

void tb_route_spatial(tb_image *im) {
    route_sources(im, &im->input_map, -1, im->inputs, 0);
    for (uint32_t c = 0; c < im->cores; c++) {
        if (im->core[c].layer + 1 < im->layers) route_sources(im, &im->route[c], (int)c, im->core[c].count, im->core[c].layer + 1);
        else memset(&im->route[c], 0, sizeof im->route[c]);
    }
}

const int8_t tb_conv_kernels[16] = {1, 2, 3, 4, 5, -6, 7, -8, -1, 3, -5, 7, 2, -4, 6, -7};
const int8_t tb_pool_kernels[8] = {1, 2, 3, 4, 5, 6, 7, -8};

void tb_conv_pool(tb_image *im, uint8_t form) {
    memset(im, 0, sizeof *im);
    im->version = 2;
    im->inputs = 50; im->outputs = 8; im->time_steps = 24; im->layers = 2; im->cores = 4;
    im->target = "test-board"; im->kind = 1; im->vendor = 0x1209; im->product = 0xb2b0; im->protocol = 1;
    for (int l = 0; l < 2; l++) {
        tb_layer *L = &im->layer[l];
        L->state_bits = 16; L->threshold_bits = 15; L->weight_shift = 2;
        L->current_kind = 0; L->current_param = 1; L->membrane_kind = 1; L->membrane_param = 8192;
        L->refractory = 1;
        L->kernel = 2;
        for (int i = 0; i < 32; i++) L->threshold[i] = l == 0 ? 12u : 20u;
    }
    tb_layer *conv = &im->layer[0], *pool = &im->layer[1];
    conv->kind = 1; conv->inputs = 50; conv->neurons = 32; conv->weight_bits = 4; conv->stride = 1;
    const uint16_t conv_geometry[6] = {2, 5, 5, 2, 4, 4}, pool_geometry[6] = {2, 4, 4, 2, 2, 2};
    memcpy(conv->geometry, conv_geometry, sizeof conv_geometry);
    pool->kind = 2; pool->inputs = 32; pool->neurons = 8; pool->weight_bits = 8; pool->stride = 2;
    memcpy(pool->geometry, pool_geometry, sizeof pool_geometry);
    static const uint16_t tiles[4][6] = {{0, 2, 0, 2, 0, 4}, {0, 2, 2, 2, 0, 4}, {0, 2, 0, 1, 0, 2}, {0, 2, 1, 1, 0, 2}};
    for (uint32_t c = 0; c < 4; c++) {
        tb_core *C = &im->core[c];
        C->layer = c / 2;
        C->count = c < 2 ? 16u : 4u;
        C->first = c % 2 * C->count;
        C->form = form;
        memcpy(C->tile, tiles[c], sizeof tiles[c]);
        tb_set_kernels(im, c, c < 2 ? tb_conv_kernels : tb_pool_kernels);
    }
    tb_route_spatial(im);
    im->outputs_entries = 2;
    im->output[0][0] = 2; im->output[0][1] = 0; im->output[0][2] = 4; im->output[0][3] = 0;
    im->output[1][0] = 3; im->output[1][1] = 0; im->output[1][2] = 4; im->output[1][3] = 4;
}
