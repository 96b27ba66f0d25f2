/* Builds small images in the layout of docs/image-format.md for the unit tests and the fuzz
 * seed corpus (CRC32s and SHA-256 computed by the firmware's own checksum code, which the
 * checksum tests pin to published vectors). */
#ifndef HB_TEST_IMAGE_BUILDER_H
#define HB_TEST_IMAGE_BUILDER_H

#include <stddef.h>
#include <stdint.h>

#define TB_MAX 4             /* layers, cores, output entries, targets per route entry */
#define TB_MAX_NEURONS 1024  /* neurons of one layer */
#define TB_MAX_WEIGHTS 1024  /* weights of one core */
#define TB_MAX_ENTRIES 64    /* entries of one routing table */

typedef struct tb_layer {
    uint32_t inputs, neurons;
    uint8_t state_bits, threshold_bits, weight_bits, weight_shift;
    uint8_t current_kind, membrane_kind;
    uint32_t current_param, membrane_param;
    uint16_t refractory;
    uint8_t lateral;
    uint32_t threshold[TB_MAX_NEURONS];
    int32_t lateral_weight[TB_MAX_NEURONS];
    /* version 2: kind (0 dense, 1 convolution, 2 pooling); a spatial layer's geometry
     * {inC, inH, inW, outC, outH, outW}, kernel K and stride S */
    uint8_t kind;
    uint16_t geometry[6];
    uint8_t kernel, stride;
} tb_layer;

typedef struct tb_core {
    uint32_t layer, first, count;
    int8_t weights[TB_MAX_WEIGHTS]; /* form 0: q[a * count + k]; form 1: the tile channels' kernels */
    /* version 2, a spatial layer's core: form (0 expanded, 1 shared kernel), the output tile
     * {channel0, channelCount, row0, rowCount, column0, columnCount} */
    uint8_t form;
    uint16_t tile[6];
    uint32_t axons;                 /* axonCount written; 0: the layer's inputs, or the tile's window */
} tb_core;

typedef struct tb_entry {
    uint32_t key, mask;
    uint16_t targets;
    uint32_t core[TB_MAX], axon_base[TB_MAX];
    uint16_t copies;                /* each target written this many times (0: once) */
} tb_entry;

typedef struct tb_table {
    uint32_t budget, entries;
    tb_entry entry[TB_MAX_ENTRIES];
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
    uint32_t version;           /* image format version; 0: 1 */
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

/* Version 2: a convolution layer (2x5x5 inputs, K 2, 2 output channels, 4-bit weights) on two
 * cores of 2x2x4 output tiles, then a pooling layer (K = S = 2, 8-bit) on two cores of 2x1x2
 * tiles, whose 8 neurons are the outputs; every core in `form`. Kernels tb_conv_kernels and
 * tb_pool_kernels; routes by tb_route_spatial. */
void tb_conv_pool(tb_image *image, uint8_t form);
extern const int8_t tb_conv_kernels[16], tb_pool_kernels[8];
/* The window of a spatial core: rows, columns and channels (docs/image-format.md, version 2). */
void tb_window(const tb_image *image, uint32_t core, uint32_t *rows, uint32_t *columns, uint32_t *channels);
/* Fills a spatial core's weights from its layer's kernels (convolution: [oc][ic][ky][kx],
 * pooling: [c][ky][kx]): form 1 the tile channels' kernels, form 0 every effective synapse,
 * evaluated axon by neuron straight from the format's definition. */
void tb_set_kernels(tb_image *image, uint32_t core, const int8_t *kernels);
/* The input map and every core's routes of a chain of layers, one exact-key entry per source:
 * a source's position in its feature map goes to every next-layer core whose window holds it
 * (a dense layer: its axon is the map index). */
void tb_route_spatial(tb_image *image);

#endif
