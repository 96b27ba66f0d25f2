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

typedef struct hb_layer {
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
    const uint8_t *weights;               /* packed q[a * neuron_count + k], LSB first */
    uint32_t state_offset;                /* index of the core's neuron 0 among all cores' neurons */
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

/* Weight q[axon * neuron_count + neuron] of a core (sign-extended from its W bits). */
int32_t hb_core_weight(const hb_core *core, uint32_t axon, uint32_t neuron);

/* The section names in file order ("HEAD", ... "META"). */
extern const char hb_section_tags[8][5];

#endif
