/* The image parser and validator: every check of docs/image-format.md, one refusal code each
 * (status.h), plus the board's identity (profile.h). It never allocates and never copies: the
 * parsed hb_image points into the image bytes, which must stay in place (memory-mapped flash
 * on a board) while the image is used. */
#ifndef HB_IMAGE_H
#define HB_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "engine_limits.h"
#include "profile.h"
#include "status.h"

#define HB_IMAGE_DIGEST_BYTES 32u
#define HB_IMAGE_MIN_BYTES 48u /* magic + version + section count + digest */

enum hb_decay_kind { HB_DECAY_SHIFT = 0, HB_DECAY_MULTIPLIER = 1 };
/* Version 2 (docs/image-format.md, "Version 2: convolution and pooling layers"); a version-1
 * image has dense layers and expanded cores only. */
enum hb_layer_kind { HB_LAYER_DENSE = 0, HB_LAYER_CONVOLUTION = 1, HB_LAYER_POOLING = 2 };
enum hb_synapse_form { HB_FORM_EXPANDED = 0, HB_FORM_SHARED = 1 };

typedef struct hb_layer {
    uint8_t kind;                         /* enum hb_layer_kind */
    /* A spatial layer's geometry (0 for a dense layer): channel-major maps, kernel K, stride S. */
    uint16_t in_channels, in_height, in_width, out_channels, out_height, out_width;
    uint8_t kernel_size, stride;
    uint32_t input_count, neuron_count;
    uint8_t state_bits, threshold_bits, weight_bits, weight_shift;
    uint8_t current_kind, membrane_kind;  /* enum hb_decay_kind */
    uint32_t current_param, membrane_param;
    uint16_t refractory_steps;
    uint8_t lateral;                      /* 0 or 1 */
    const uint8_t *neurons;               /* neuron_count records of 12 bytes: u32 threshold, i32 lateral, f32 step */
} hb_layer;

typedef struct hb_core {
    uint32_t layer, first_neuron, neuron_count, axon_count;
    uint8_t weight_bits;
    uint8_t form;                         /* enum hb_synapse_form; HB_FORM_EXPANDED for a dense core */
    const uint8_t *weights;               /* packed, LSB first: expanded q[a * neuron_count + k]; shared: the
                                             tile channels' kernels (docs/image-format.md, version 2 SYNS) */
    uint32_t state_offset;                /* index of the core's neuron 0 among all cores' neurons */
    /* A spatial core (its layer's kind is not dense): the output tile, and what the engine needs
     * of the layer to expand a shared kernel without the image at hand. */
    uint8_t kind, kernel_size, stride;    /* the layer's kind, K and S */
    uint16_t in_channels;                 /* the layer's input channels (a convolution kernel's depth) */
    uint16_t channel0, channel_count, row0, row_count, column0, column_count;
    uint32_t window_rows, window_columns; /* the input window; its channels: in_channels (convolution)
                                             or channel_count (pooling), axon_count in all */
} hb_core;

typedef struct hb_table {
    uint32_t spike_budget;                /* 0 = none */
    uint32_t entry_count;
    uint32_t source_count;                /* the core's neurons, or the network inputs */
    const uint8_t *entries;               /* entry: u32 key, u32 mask, u16 n, n x (u32 core, u32 axonBase) */
} hb_table;

typedef struct hb_image {
    const uint8_t *bytes;
    uint32_t length;
    uint32_t version;                     /* image format version, 1 or 2 */
    uint32_t input_count, output_count, time_steps, layer_count, core_count;
    const uint8_t *target_name;
    uint32_t target_name_length;
    uint8_t target_kind;                  /* 0 emulator, 1 board */
    uint16_t usb_vendor_id, usb_product_id, protocol_version;
    hb_layer layers[HB_MAX_LAYERS];
    hb_core cores[HB_MAX_CORES];
    hb_table routes[HB_MAX_CORES];
    hb_table input_map;
    const uint8_t *output_entries;        /* u32 core, u32 firstNeuron, u32 count, u32 firstOutput */
    uint32_t output_entry_count;
    uint32_t total_neurons;               /* of all cores */
    const uint8_t *digest;                /* the image's trailing SHA-256 */
    uint8_t scratch[HB_MAX_NEURONS / 8u]; /* output coverage bitmap while validating */
} hb_image;

/* Parses and validates `length` bytes. With a profile, also refuses an image for another board
 * (name, kind, USB identity, protocol version) or larger than its maxImageBytes. `failed_section`
 * (may be NULL) receives the index 0 ... 7 of the section at fault (HEAD ... META), or -1. */
hb_status hb_image_parse(hb_image *image, const uint8_t *bytes, size_t length, const hb_profile *profile,
                         int *failed_section);

/* The file length the framing announces, walking the section headers of the `available` bytes
 * read so far: returns 1 and sets *total when all section headers are present, 0 when more bytes
 * are needed to know. Used to tell a truncated download from a damaged one. */
int hb_image_expected_length(const uint8_t *bytes, size_t available, uint64_t *total);

/* Weight `index` of a packed bitstream of `bits`-bit two's-complement weights, LSB first. */
static inline int32_t hb_packed_weight(const uint8_t *weights, uint64_t index, uint32_t bits) {
    if (bits == 8) return (int8_t)weights[index];
    uint64_t bit = index * bits;
    uint32_t field = 0;
    for (uint32_t b = 0; b < bits; b++, bit++) field |= (uint32_t)(weights[bit >> 3] >> (bit & 7u) & 1u) << b;
    uint32_t sign = 1u << (bits - 1u);
    return (int32_t)(field ^ sign) - (int32_t)sign;
}

/* Index in a shared-kernel core's weights of the kernel entry (ky, kx) of tile channel `channel`
 * (relative to channel0) and window channel `input_channel` (convolution; pooling kernels are
 * depthwise and ignore it). */
static inline uint64_t hb_kernel_index(const hb_core *core, uint32_t channel, uint32_t input_channel, uint32_t ky, uint32_t kx) {
    const uint64_t kernel = core->kind == HB_LAYER_CONVOLUTION ? (uint64_t)channel * core->in_channels + input_channel : channel;
    return (kernel * core->kernel_size + ky) * core->kernel_size + kx;
}

/* The effective weight from `axon` to local `neuron` of a core (sign-extended from its W bits):
 * q[axon * neuron_count + neuron] of an expanded core, the kernel entry the axon's window position
 * meets (or 0) of a shared-kernel core. */
int32_t hb_core_weight(const hb_core *core, uint32_t axon, uint32_t neuron);

/* The section names in file order ("HEAD", ... "META"). */
extern const char hb_section_tags[8][5];

#endif
