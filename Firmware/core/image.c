#include "image.h"

#include <string.h>

#include "bytes.h"
#include "checksum.h"

const char hb_section_tags[8][5] = {"HEAD", "TRGT", "NEUR", "SYNS", "ROUT", "IMAP", "OMAP", "META"};

enum { SEC_HEAD, SEC_TRGT, SEC_NEUR, SEC_SYNS, SEC_ROUT, SEC_IMAP, SEC_OMAP, SEC_META };

/* A bounds-checked cursor over one section's payload. `ok` drops to 0 at the first read past
 * the end; later reads then return zeros, so a parser checks `ok` once per record. */
typedef struct reader {
    const uint8_t *p;
    uint32_t left;
    int ok;
} reader;

static const uint8_t *take(reader *r, uint32_t n) {
    if (!r->ok || n > r->left) { r->ok = 0; return NULL; }
    const uint8_t *at = r->p;
    r->p += n;
    r->left -= n;
    return at;
}
static uint32_t u8(reader *r) { const uint8_t *b = take(r, 1); return b ? b[0] : 0; }
static uint32_t u16(reader *r) { const uint8_t *b = take(r, 2); return b ? hb_get16(b) : 0; }
static uint32_t u32(reader *r) { const uint8_t *b = take(r, 4); return b ? hb_get32(b) : 0; }

/* Well-formed UTF-8 as Swift's String(validating:) reads it: no overlong forms, no surrogates,
 * nothing above U+10FFFF. */
static int valid_utf8(const uint8_t *s, uint32_t n) {
    uint32_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        uint32_t extra, min;
        uint32_t cp;
        if (c < 0x80) { i++; continue; }
        if (c >= 0xC2 && c <= 0xDF) { extra = 1; cp = c & 0x1Fu; min = 0x80; }
        else if (c >= 0xE0 && c <= 0xEF) { extra = 2; cp = c & 0x0Fu; min = 0x800; }
        else if (c >= 0xF0 && c <= 0xF4) { extra = 3; cp = c & 0x07u; min = 0x10000; }
        else return 0;
        if (n - i <= extra) return 0;
        for (uint32_t k = 1; k <= extra; k++) {
            if ((s[i + k] & 0xC0u) != 0x80u) return 0;
            cp = cp << 6 | (s[i + k] & 0x3Fu);
        }
        if (cp < min || cp > 0x10FFFFu || (cp >= 0xD800u && cp <= 0xDFFFu)) return 0;
        i += extra + 1;
    }
    return 1;
}

/* string = u32 length + UTF-8 bytes */
static int string(reader *r, const uint8_t **text, uint32_t *length) {
    uint32_t n = u32(r);
    const uint8_t *s = take(r, n);
    if (!r->ok || !valid_utf8(s, n)) return 0;
    if (text) *text = s;
    if (length) *length = n;
    return 1;
}

/* f32 checks on the bit pattern, so the parser needs no floating point. */
static int finite_bits(uint32_t bits) { return (bits & 0x7F800000u) != 0x7F800000u; }
static int positive_finite_bits(uint32_t bits) { return bits != 0 && bits < 0x7F800000u; }

static int64_t state_max(uint32_t bits) { return ((int64_t)1 << (bits - 1)) - 1; }

typedef struct frame {
    uint32_t version;
    const uint8_t *payload[8];
    uint32_t length[8];
} frame;

static hb_status parse_framing(const uint8_t *bytes, size_t length, frame *f, int *section) {
    if (length < HB_IMAGE_MIN_BYTES) return HB_IMG_TRUNCATED;
    if (!hb_same(bytes, "HM2BPIMG", 8)) return HB_IMG_BAD_MAGIC;
    f->version = hb_get32(bytes + 8);
    if (f->version != 1u && f->version != 2u) return HB_IMG_UNSUPPORTED_VERSION;
    if (hb_get32(bytes + 12) != 8u) return HB_IMG_BAD_SECTION_COUNT;
    reader body = {bytes + 16, (uint32_t)(length - 16u - 32u), 1};
    for (int s = 0; s < 8; s++) {
        *section = s;
        const uint8_t *tag = take(&body, 4);
        if (!tag) return HB_IMG_BAD_SECTION_LENGTH;
        if (!hb_same(tag, hb_section_tags[s], 4)) return HB_IMG_BAD_SECTION_TAG;
        uint32_t n = u32(&body);
        const uint8_t *payload = take(&body, n);
        uint32_t crc = u32(&body);
        if (!body.ok) return HB_IMG_BAD_SECTION_LENGTH;
        if (hb_crc32(0, payload, n) != crc) return HB_IMG_BAD_SECTION_CRC;
        f->payload[s] = payload;
        f->length[s] = n;
    }
    *section = -1;
    if (body.left != 0) return HB_IMG_TRAILING_BYTES;
    /* The digest last: the section CRC32s (checked first, unlike the Swift decoder; the same
     * files are accepted) name the damaged section of a corrupt download. */
    uint8_t digest[32];
    hb_sha256(bytes, length - 32u, digest);
    if (!hb_same(digest, bytes + length - 32u, 32)) return HB_IMG_BAD_SHA256;
    return HB_OK;
}

/* The geometry rules of version 2: sizes 1 ... 65535 (u16 and non-zero), K and S 1 ... 64, the
 * maps' products equal to the layer's counts; convolution valid with S = 1, pooling S = K over
 * whole windows with the channels kept; no lateral inhibition. */
static int valid_geometry(const hb_layer *layer) {
    const uint32_t K = layer->kernel_size, S = layer->stride;
    if (!layer->in_channels || !layer->in_height || !layer->in_width || !layer->out_channels || !layer->out_height ||
        !layer->out_width) return 0;
    if (K < 1 || K > 64 || S < 1 || S > 64 || layer->lateral) return 0;
    if ((uint64_t)layer->in_channels * layer->in_height * layer->in_width != layer->input_count) return 0;
    if ((uint64_t)layer->out_channels * layer->out_height * layer->out_width != layer->neuron_count) return 0;
    if (layer->kind == HB_LAYER_CONVOLUTION) {
        return S == 1 && (uint32_t)layer->out_height + K - 1u == layer->in_height &&
               (uint32_t)layer->out_width + K - 1u == layer->in_width;
    }
    return S == K && layer->out_channels == layer->in_channels && (uint32_t)layer->out_height * K == layer->in_height &&
           (uint32_t)layer->out_width * K == layer->in_width;
}

static hb_status parse_layer(reader *r, hb_layer *layer, uint32_t version) {
    memset(layer, 0, sizeof *layer);
    if (version >= 2u) {
        layer->kind = (uint8_t)u8(r);
        if (!r->ok) return HB_IMG_BAD_NEUR;
        if (layer->kind > HB_LAYER_POOLING) return HB_IMG_BAD_LAYER_GEOMETRY;
        if (layer->kind != HB_LAYER_DENSE) {
            layer->in_channels = (uint16_t)u16(r);
            layer->in_height = (uint16_t)u16(r);
            layer->in_width = (uint16_t)u16(r);
            layer->out_channels = (uint16_t)u16(r);
            layer->out_height = (uint16_t)u16(r);
            layer->out_width = (uint16_t)u16(r);
            layer->kernel_size = (uint8_t)u8(r);
            layer->stride = (uint8_t)u8(r);
        }
    }
    layer->input_count = u32(r);
    layer->neuron_count = u32(r);
    layer->state_bits = (uint8_t)u8(r);
    layer->threshold_bits = (uint8_t)u8(r);
    layer->weight_bits = (uint8_t)u8(r);
    layer->weight_shift = (uint8_t)u8(r);
    layer->current_kind = (uint8_t)u8(r);
    layer->current_param = u32(r);
    layer->membrane_kind = (uint8_t)u8(r);
    layer->membrane_param = u32(r);
    uint32_t refractory = u16(r);
    uint32_t lateral = u8(r);
    uint32_t tau_s = u32(r), vth = u32(r);
    if (!r->ok) return HB_IMG_BAD_NEUR;
    if (layer->input_count < 1 || layer->input_count > (1u << 24)) return HB_IMG_BAD_NEUR;
    if (layer->state_bits < 2 || layer->state_bits > 32) return HB_IMG_BAD_NEUR;
    if (layer->threshold_bits < 1 || layer->threshold_bits > layer->state_bits - 1) return HB_IMG_BAD_NEUR;
    if (layer->weight_bits < 2 || layer->weight_bits > 8) return HB_IMG_BAD_NEUR;
    if (layer->weight_shift > 24) return HB_IMG_BAD_NEUR;
    if (layer->current_kind > 1 || layer->membrane_kind > 1) return HB_IMG_BAD_NEUR;
    if (layer->current_kind == HB_DECAY_SHIFT ? layer->current_param > 30 : layer->current_param > 65536) return HB_IMG_BAD_NEUR;
    if (layer->membrane_kind == HB_DECAY_SHIFT ? layer->membrane_param > 30 : layer->membrane_param > 65536) return HB_IMG_BAD_NEUR;
    if (refractory > 255 || lateral > 1) return HB_IMG_BAD_NEUR;
    /* tauS finite and >= 1 (as a positive float, bits >= those of 1.0f), VTH finite */
    if (!finite_bits(tau_s) || (tau_s & 0x80000000u) || tau_s < 0x3F800000u || !finite_bits(vth)) return HB_IMG_BAD_NEUR;
    layer->refractory_steps = (uint16_t)refractory;
    layer->lateral = (uint8_t)lateral;
    if (layer->neuron_count < 1 || layer->neuron_count > r->left / 12u) return HB_IMG_BAD_NEUR;
    layer->neurons = r->p;
    int64_t range_max = state_max(layer->state_bits), range_min = -range_max - 1;
    int64_t threshold_max = ((int64_t)1 << layer->threshold_bits) - 1;
    if (threshold_max > range_max) threshold_max = range_max;
    for (uint32_t i = 0; i < layer->neuron_count; i++) {
        uint32_t theta = u32(r);
        int32_t l = (int32_t)u32(r);
        uint32_t step = u32(r);
        if ((int64_t)theta > threshold_max) return HB_IMG_BAD_NEUR;
        if (l < range_min || l > range_max || (lateral == 0 && l != 0)) return HB_IMG_BAD_NEUR;
        if (!positive_finite_bits(step)) return HB_IMG_BAD_NEUR;
    }
    if (layer->kind != HB_LAYER_DENSE && !valid_geometry(layer)) return HB_IMG_BAD_LAYER_GEOMETRY;
    return HB_OK;
}

/* A spatial core's tile, form and window (version 2 SYNS); returns the number of weights its
 * synapse memory holds, or 0 when the record breaks a rule. */
static uint64_t check_tile(hb_core *core, const hb_layer *layer) {
    const uint32_t K = layer->kernel_size, S = layer->stride;
    core->kind = layer->kind;
    core->kernel_size = layer->kernel_size;
    core->stride = layer->stride;
    core->in_channels = layer->in_channels;
    if (core->form > HB_FORM_SHARED) return 0;
    if (!core->channel_count || !core->row_count || !core->column_count) return 0;
    if ((uint32_t)core->channel0 + core->channel_count > layer->out_channels ||
        (uint32_t)core->row0 + core->row_count > layer->out_height ||
        (uint32_t)core->column0 + core->column_count > layer->out_width) return 0;
    if ((uint64_t)core->channel_count * core->row_count * core->column_count != core->neuron_count) return 0;
    core->window_rows = (core->row_count - 1u) * S + K;
    core->window_columns = (core->column_count - 1u) * S + K;
    const uint64_t window_channels = layer->kind == HB_LAYER_CONVOLUTION ? layer->in_channels : core->channel_count;
    if (window_channels * core->window_rows * core->window_columns != core->axon_count) return 0;
    if (core->form == HB_FORM_EXPANDED) return (uint64_t)core->axon_count * core->neuron_count;
    const uint64_t kernels = layer->kind == HB_LAYER_CONVOLUTION ? (uint64_t)core->channel_count * layer->in_channels
                                                                  : core->channel_count;
    return kernels * K * K;
}

static hb_status parse_core(reader *r, hb_image *image, hb_core *core) {
    memset(core, 0, sizeof *core);
    core->layer = u32(r);
    core->first_neuron = u32(r);
    core->neuron_count = u32(r);
    core->axon_count = u32(r);
    core->weight_bits = (uint8_t)u8(r);
    if (!r->ok || core->layer >= image->layer_count) return HB_IMG_BAD_SYNS;
    const hb_layer *layer = &image->layers[core->layer];
    if (core->neuron_count < 1 || core->first_neuron > layer->neuron_count ||
        core->neuron_count > layer->neuron_count - core->first_neuron) return HB_IMG_BAD_SYNS;
    if (core->weight_bits != layer->weight_bits) return HB_IMG_BAD_SYNS;
    uint64_t weights = (uint64_t)core->axon_count * core->neuron_count;
    if (layer->kind == HB_LAYER_DENSE) {
        if (core->axon_count != layer->input_count) return HB_IMG_BAD_SYNS;
    } else {
        core->channel0 = (uint16_t)u16(r);
        core->channel_count = (uint16_t)u16(r);
        core->row0 = (uint16_t)u16(r);
        core->row_count = (uint16_t)u16(r);
        core->column0 = (uint16_t)u16(r);
        core->column_count = (uint16_t)u16(r);
        core->form = (uint8_t)u8(r);
        if (!r->ok) return HB_IMG_BAD_SYNS;
        weights = check_tile(core, layer);
        if (weights == 0) return HB_IMG_BAD_CORE_TILE;
    }
    uint64_t packed = (weights * core->weight_bits + 7u) / 8u;
    if (packed > r->left) return HB_IMG_BAD_SYNS;
    core->weights = take(r, (uint32_t)packed);
    return HB_OK;
}

static hb_status parse_table(reader *r, hb_table *table, hb_status failure) {
    table->spike_budget = u32(r);
    table->entry_count = u32(r);
    if (!r->ok || table->entry_count > r->left / 10u) return failure;
    table->entries = r->p;
    for (uint32_t e = 0; e < table->entry_count; e++) {
        uint32_t key = u32(r), mask = u32(r), targets = u16(r);
        if (!r->ok || targets > r->left / 8u) return failure;
        if ((key & ~mask) != 0) return failure;
        take(r, targets * 8u);
    }
    return r->ok ? HB_OK : failure;
}

static hb_status check_targets(const hb_image *image, const hb_table *table, hb_status failure) {
    const uint8_t *p = table->entries;
    for (uint32_t e = 0; e < table->entry_count; e++) {
        uint64_t span = ~hb_get32(p + 4) & 0xFFFFFFFFu;
        uint32_t targets = hb_get16(p + 8);
        p += 10;
        for (uint32_t t = 0; t < targets; t++, p += 8) {
            uint32_t core = hb_get32(p);
            if (core >= image->core_count) return failure;
            if ((uint64_t)hb_get32(p + 4) + span >= image->cores[core].axon_count) return failure;
        }
    }
    return HB_OK;
}

static int tiles_overlap(const hb_core *a, const hb_core *b) {
    return a->channel0 < b->channel0 + b->channel_count && b->channel0 < a->channel0 + a->channel_count &&
           a->row0 < b->row0 + b->row_count && b->row0 < a->row0 + a->row_count &&
           a->column0 < b->column0 + b->column_count && b->column0 < a->column0 + a->column_count;
}

/* The cores of spatial layer l, in core order, hold consecutive neuron ranges from 0 to the
 * layer's width, and their tiles do not overlap. Every tile lies inside the output map and holds
 * neuronCount neurons (parse_core), and the map has the layer's width of neurons (NEUR), so the
 * tiles then cover the map exactly once. */
static int tiles_cover_map(const hb_image *image, uint32_t l) {
    uint64_t next = 0;
    for (uint32_t c = 0; c < image->core_count; c++) {
        const hb_core *core = &image->cores[c];
        if (core->layer != l) continue;
        if (core->first_neuron != next) return 0;
        next += core->neuron_count;
        for (uint32_t other = 0; other < c; other++) {
            if (image->cores[other].layer == l && tiles_overlap(core, &image->cores[other])) return 0;
        }
    }
    return next == image->layers[l].neuron_count;
}

static hb_status check_cross_sections(hb_image *image) {
    if (image->layers[0].input_count != image->input_count) return HB_IMG_LAYER_CHAIN;
    for (uint32_t l = 1; l < image->layer_count; l++) {
        if (image->layers[l].input_count != image->layers[l - 1].neuron_count) return HB_IMG_LAYER_CHAIN;
    }
    if (image->layers[image->layer_count - 1].neuron_count != image->output_count) return HB_IMG_LAYER_CHAIN;

    /* Tiling: walk each layer from neuron 0, each time finding the core that starts where the
     * last one ended; exactly once means every core of the layer is used and the walk ends at
     * the layer's width. A spatial layer's neurons are its tiles in core order. */
    for (uint32_t l = 0; l < image->layer_count; l++) {
        if (image->layers[l].kind != HB_LAYER_DENSE) {
            if (!tiles_cover_map(image, l)) return HB_IMG_CORE_TILING;
            continue;
        }
        uint32_t cores_in_layer = 0, used = 0;
        uint64_t next = 0;
        for (uint32_t c = 0; c < image->core_count; c++) cores_in_layer += image->cores[c].layer == l;
        for (;;) {
            uint32_t c = 0;
            while (c < image->core_count && !(image->cores[c].layer == l && image->cores[c].first_neuron == next)) c++;
            if (c == image->core_count) break;
            next += image->cores[c].neuron_count;
            used++;
            if (used > cores_in_layer) return HB_IMG_CORE_TILING;
        }
        if (used != cores_in_layer || next != image->layers[l].neuron_count) return HB_IMG_CORE_TILING;
        if (image->layers[l].lateral && cores_in_layer != 1) return HB_IMG_CORE_TILING;
    }

    for (uint32_t c = 0; c < image->core_count; c++) {
        hb_status s = check_targets(image, &image->routes[c], HB_IMG_ROUTE_TARGET);
        if (s != HB_OK) return s;
    }
    hb_status s = check_targets(image, &image->input_map, HB_IMG_ROUTE_TARGET);
    if (s != HB_OK) return s;

    /* Output map: inside cores of the last layer, every output exactly once. */
    memset(image->scratch, 0, (image->output_count + 7u) / 8u);
    uint32_t covered = 0;
    for (uint32_t e = 0; e < image->output_entry_count; e++) {
        const uint8_t *p = image->output_entries + 16u * e;
        uint32_t core = hb_get32(p), first = hb_get32(p + 4), count = hb_get32(p + 8), out = hb_get32(p + 12);
        if (core >= image->core_count || image->cores[core].layer != image->layer_count - 1) return HB_IMG_OUTPUT_COVER;
        uint32_t width = image->cores[core].neuron_count;
        if (count < 1 || first > width || count > width - first || out > image->output_count ||
            count > image->output_count - out) return HB_IMG_OUTPUT_COVER;
        for (uint32_t o = out; o < out + count; o++) {
            if (image->scratch[o >> 3] & (1u << (o & 7u))) return HB_IMG_OUTPUT_COVER;
            image->scratch[o >> 3] |= (uint8_t)(1u << (o & 7u));
        }
        covered += count;
    }
    if (covered != image->output_count) return HB_IMG_OUTPUT_COVER;
    return HB_OK;
}

/* a * b, or UINT64_MAX when it overflows (the bound below only needs to know "too big"). */
static uint64_t mul_sat(uint64_t a, uint64_t b) { return a != 0 && b > UINT64_MAX / a ? UINT64_MAX : a * b; }
static uint64_t add_sat(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }

/* The most events one step can deliver to core `c`: every source of every router fires, each
 * through the entry that sends it most often to c (a source uses one entry). */
static uint64_t deliveries_bound(const hb_image *image, uint32_t c) {
    uint64_t total = 0;
    for (uint32_t r = 0; r <= image->core_count; r++) {
        const hb_table *table = r < image->core_count ? &image->routes[r] : &image->input_map;
        const uint8_t *p = table->entries;
        uint64_t most = 0;
        for (uint32_t e = 0; e < table->entry_count; e++) {
            uint32_t targets = hb_get16(p + 8), here = 0;
            for (uint32_t t = 0; t < targets; t++) here += hb_get32(p + 10 + 8 * t) == c;
            if (here > most) most = here;
            p += 10u + 8u * targets;
        }
        uint64_t sources = table->source_count;
        if (table->spike_budget != 0 && table->spike_budget < sources) sources = table->spike_budget;
        total = add_sat(total, mul_sat(sources, most));
    }
    return total;
}

/* docs/fixed-point.md section 3: the drive of any neuron in any step stays below 2^62, so the
 * engine's 64-bit sums are exact. */
static hb_status check_drive_bound(const hb_image *image) {
    for (uint32_t c = 0; c < image->core_count; c++) {
        const hb_core *core = &image->cores[c];
        const hb_layer *layer = &image->layers[core->layer];
        uint64_t sum = mul_sat(deliveries_bound(image, c), (uint64_t)1 << (layer->weight_bits - 1));
        uint64_t lateral = mul_sat(core->neuron_count, (uint64_t)1 << (layer->state_bits - 1));
        if (add_sat(mul_sat(sum, (uint64_t)1 << layer->weight_shift), lateral) >= ((uint64_t)1 << 62)) {
            return HB_IMG_EXCEEDS_BOARD;
        }
    }
    return HB_OK;
}

static hb_status check_board(const hb_image *image, const hb_profile *profile) {
    size_t name_length = hb_text_length(profile->target_name, HB_TARGET_NAME_MAX);
    if (image->target_kind != 1 || image->target_name_length != name_length ||
        !hb_same(image->target_name, profile->target_name, name_length)) return HB_IMG_WRONG_TARGET;
    if (image->usb_vendor_id != profile->usb_vendor_id || image->usb_product_id != profile->usb_product_id) return HB_IMG_WRONG_USB_ID;
    if (image->protocol_version != profile->protocol_version) return HB_IMG_WRONG_PROTOCOL;
    return HB_OK;
}

static hb_status parse(hb_image *image, const uint8_t *bytes, size_t length, const hb_profile *profile, int *section) {
    *section = -1;
    if (profile && length > profile->max_image_bytes) return HB_IMG_TOO_LARGE;
    if (length > 0xFFFFFFFFu) return HB_IMG_TOO_LARGE;
    frame f;
    hb_status s = parse_framing(bytes, length, &f, section);
    if (s != HB_OK) return s;
    image->bytes = bytes;
    image->length = (uint32_t)length;
    image->version = f.version;
    image->digest = bytes + length - 32u;

    *section = SEC_HEAD;
    reader r = {f.payload[SEC_HEAD], f.length[SEC_HEAD], 1};
    image->input_count = u32(&r);
    image->output_count = u32(&r);
    image->time_steps = u32(&r);
    image->layer_count = u32(&r);
    image->core_count = u32(&r);
    if (!r.ok) return HB_IMG_BAD_HEAD;
    if (r.left != 0) return HB_IMG_SECTION_NOT_CONSUMED;
    if (image->layer_count < 1 || image->layer_count > 4096u) return HB_IMG_BAD_HEAD;
    if (image->core_count < 1 || image->core_count > 65536u) return HB_IMG_BAD_HEAD;
    if (image->time_steps < 1) return HB_IMG_BAD_HEAD;
    if (image->layer_count > HB_MAX_LAYERS || image->core_count > HB_MAX_CORES) return HB_IMG_EXCEEDS_BOARD;

    *section = SEC_TRGT;
    r = (reader){f.payload[SEC_TRGT], f.length[SEC_TRGT], 1};
    if (!string(&r, &image->target_name, &image->target_name_length)) return HB_IMG_BAD_TRGT;
    image->target_kind = (uint8_t)u8(&r);
    take(&r, 32);
    image->usb_vendor_id = (uint16_t)u16(&r);
    image->usb_product_id = (uint16_t)u16(&r);
    image->protocol_version = (uint16_t)u16(&r);
    if (!r.ok || image->target_kind > 1) return HB_IMG_BAD_TRGT;
    if (r.left != 0) return HB_IMG_SECTION_NOT_CONSUMED;

    *section = SEC_NEUR;
    r = (reader){f.payload[SEC_NEUR], f.length[SEC_NEUR], 1};
    for (uint32_t l = 0; l < image->layer_count; l++) {
        s = parse_layer(&r, &image->layers[l], image->version);
        if (s != HB_OK) return s;
    }
    if (r.left != 0) return HB_IMG_SECTION_NOT_CONSUMED;

    *section = SEC_SYNS;
    r = (reader){f.payload[SEC_SYNS], f.length[SEC_SYNS], 1};
    uint64_t neurons = 0;
    for (uint32_t c = 0; c < image->core_count; c++) {
        s = parse_core(&r, image, &image->cores[c]);
        if (s != HB_OK) return s;
        image->cores[c].state_offset = (uint32_t)neurons;
        neurons += image->cores[c].neuron_count;
        if (neurons > HB_MAX_NEURONS) return HB_IMG_EXCEEDS_BOARD;
    }
    image->total_neurons = (uint32_t)neurons;
    if (r.left != 0) return HB_IMG_SECTION_NOT_CONSUMED;

    *section = SEC_ROUT;
    r = (reader){f.payload[SEC_ROUT], f.length[SEC_ROUT], 1};
    for (uint32_t c = 0; c < image->core_count; c++) {
        s = parse_table(&r, &image->routes[c], HB_IMG_BAD_ROUT);
        if (s != HB_OK) return s;
        image->routes[c].source_count = image->cores[c].neuron_count;
    }
    if (r.left != 0) return HB_IMG_SECTION_NOT_CONSUMED;

    *section = SEC_IMAP;
    r = (reader){f.payload[SEC_IMAP], f.length[SEC_IMAP], 1};
    s = parse_table(&r, &image->input_map, HB_IMG_BAD_IMAP);
    if (s != HB_OK) return s;
    image->input_map.source_count = image->input_count;
    if (r.left != 0) return HB_IMG_SECTION_NOT_CONSUMED;

    *section = SEC_OMAP;
    r = (reader){f.payload[SEC_OMAP], f.length[SEC_OMAP], 1};
    image->output_entry_count = u32(&r);
    if (!r.ok || image->output_entry_count > r.left / 16u) return HB_IMG_BAD_OMAP;
    image->output_entries = take(&r, image->output_entry_count * 16u);
    if (r.left != 0) return HB_IMG_SECTION_NOT_CONSUMED;

    *section = SEC_META;
    r = (reader){f.payload[SEC_META], f.length[SEC_META], 1};
    take(&r, 32);
    if (!r.ok || !string(&r, NULL, NULL) || !string(&r, NULL, NULL) || !string(&r, NULL, NULL)) return HB_IMG_BAD_META;
    if (r.left != 0) return HB_IMG_SECTION_NOT_CONSUMED;

    /* The engine's state arrays and the output bitmap are sized by HB_MAX_NEURONS. */
    if (image->output_count > HB_MAX_NEURONS) return HB_IMG_EXCEEDS_BOARD;
    *section = -1;
    s = check_cross_sections(image);
    if (s == HB_OK) s = check_drive_bound(image);
    if (s != HB_OK) return s;
    return profile ? check_board(image, profile) : HB_OK;
}

hb_status hb_image_parse(hb_image *image, const uint8_t *bytes, size_t length, const hb_profile *profile,
                         int *failed_section) {
    int section = -1;
    hb_status s = parse(image, bytes, length, profile, &section);
    if (failed_section) *failed_section = s == HB_OK ? -1 : section;
    return s;
}

int hb_image_expected_length(const uint8_t *bytes, size_t available, uint64_t *total) {
    uint64_t at = 16;
    for (int s = 0; s < 8; s++) {
        if (at + 8u > available) return 0;
        at += 8u + (uint64_t)hb_get32(bytes + at + 4) + 4u;
    }
    *total = at + 32u;
    return 1;
}

int32_t hb_core_weight(const hb_core *core, uint32_t axon, uint32_t neuron) {
    if (core->form == HB_FORM_EXPANDED) {
        return hb_packed_weight(core->weights, (uint64_t)axon * core->neuron_count + neuron, core->weight_bits);
    }
    /* axon a = (ic' * rows + wy) * columns + wx of the window, neuron k = (oc' * rowCount + y) *
     * columnCount + x of the tile, both relative; window row wy meets output row y at ky = wy - y S. */
    const uint32_t plane = core->window_rows * core->window_columns, tile = (uint32_t)core->row_count * core->column_count;
    const uint32_t ic = axon / plane, wy = axon % plane / core->window_columns, wx = axon % core->window_columns;
    const uint32_t oc = neuron / tile, y = neuron % tile / core->column_count, x = neuron % core->column_count;
    const uint32_t S = core->stride, K = core->kernel_size;
    if (wy < y * S || wx < x * S || wy - y * S >= K || wx - x * S >= K) return 0;
    if (core->kind == HB_LAYER_POOLING && ic != oc) return 0;
    return hb_packed_weight(core->weights, hb_kernel_index(core, oc, ic, wy - y * S, wx - x * S), core->weight_bits);
}
