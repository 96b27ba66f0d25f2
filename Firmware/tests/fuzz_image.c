/* libFuzzer harness for the image parser: any bytes give a refusal or a valid image, never a
 * crash, a hang or an out-of-bounds read; a valid image also runs a few engine steps. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "engine.h"
#include "image.h"

static hb_image image;
static hb_engine engine;
static const hb_profile profile = {"test-board", 0x1209, 0xb2b0, 1, 1u << 20, "F0001"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    hb_image_parse(&image, data, size, &profile, NULL);
    if (hb_image_parse(&image, data, size, NULL, NULL) != HB_OK) return 0;
    hb_engine_load(&engine, &image);
    static uint8_t bitmap[(1u << 24) / 8u];
    uint32_t bytes = (image.input_count + 7u) / 8u;
    memset(bitmap, 0, bytes);
    for (uint32_t i = 0; i < image.input_count; i += 3) bitmap[i >> 3] |= (uint8_t)(1u << (i & 7u));
    for (uint32_t t = 0; t < image.time_steps && t < 4; t++) hb_engine_step_bitmap(&engine, bitmap);
    return 0;
}
