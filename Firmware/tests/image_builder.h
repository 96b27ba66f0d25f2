/* Builds small images in the layout of docs/image-format.md for the unit tests and the fuzz
 * seed corpus (CRC32s and SHA-256 computed by the firmware's own checksum code, which the
 * checksum tests pin to published vectors). */
#ifndef HB_TEST_IMAGE_BUILDER_H
#define HB_TEST_IMAGE_BUILDER_H

#include <stddef.h>
#include <stdint.h>

#define TB_MAX 4
#define TB_MAX_NEURONS 16

typedef struct tb_layer {
    uint32_t inputs, neurons;
    uint8_t state_bits, threshold_bits, weight_bits, weight_shift;
    uint8_t current_kind, membrane_kind;
    uint32_t current_param, membrane_param;
    uint16_t refractory;
    uint8_t lateral;
    uint32_t threshold[TB_MAX_NEURONS];
    int32_t lateral_weight[TB_MAX_NEURONS];
} tb_layer;

typedef struct tb_core {
    uint32_t layer, first, count;
    int8_t weights[TB_MAX_NEURONS * TB_MAX_NEURONS]; /* q[a * count + k] */
} tb_core;

typedef struct tb_entry {
    uint32_t key, mask;
    uint16_t targets;
    uint32_t core[TB_MAX], axon_base[TB_MAX];
} tb_entry;

typedef struct tb_table {
    uint32_t budget, entries;
    tb_entry entry[TB_MAX];
} tb_table;

typedef struct tb_image {
    uint32_t inputs, outputs, time_steps, layers, cores;
    const char *target;
    uint8_t kind;
    uint16_t vendor, product, protocol;
    tb_layer layer[TB_MAX];
    tb_core core[TB_MAX];
    tb_table route[TB_MAX];
    tb_table input_map;
    uint32_t outputs_entries;
    uint32_t output[TB_MAX][4]; /* core, firstNeuron, count, firstOutput */
} tb_image;

/* Writes the image; returns its length (0 if `capacity` is too small). */
size_t tb_encode(const tb_image *image, uint8_t *out, size_t capacity);
/* Recomputes every section CRC32 and the digest after a test changed bytes (the section
 * lengths must still walk the file). */
void tb_reseal(uint8_t *bytes, size_t length);
/* Offset of the payload of section `index` (0 = HEAD ... 7 = META). */
size_t tb_section(const uint8_t *bytes, int index);

/* The worked example of docs/fixed-point.md section 5 for a board profile "test-board"
 * (1209:b2b0, protocol 1): one layer of two neurons with lateral inhibition, one input. */
void tb_worked_example(tb_image *image, uint32_t time_steps);
/* Two layers: 4 inputs -> 4 neurons on two cores -> 2 outputs on one core; budgets optional. */
void tb_two_layers(tb_image *image);

#endif
