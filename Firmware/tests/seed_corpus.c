/* Writes the fuzz harnesses' seed corpora (run once; the files are committed in tests/corpus/):
 * images from the image builder (versions 1 and 2), and protocol scripts for a DFU download,
 * INFO, a traced run and a bad-magic stall with its clear. `seed-corpus DIR` */
#include <stdio.h>
#include <string.h>

#include "bytes.h"
#include "checksum.h"
#include "image_builder.h"
#include "protocol.h"

static void save(const char *dir, const char *name, const uint8_t *bytes, size_t n) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(bytes, 1, n, f) != n) { perror(path); return; }
    fclose(f);
}

static size_t setup(uint8_t *s, uint8_t type, uint8_t request, uint16_t value, uint16_t index, uint16_t length) {
    s[0] = 0; s[1] = type; s[2] = request;
    hb_put16(s + 3, value); hb_put16(s + 5, index); hb_put16(s + 7, length);
    return 9;
}

static size_t frame_packets(uint8_t *s, uint16_t type, uint16_t seq, const uint8_t *payload, uint32_t length) {
    uint8_t f[HB_MAX_FRAME];
    memcpy(f, "HBPF", 4);
    hb_put16(f + 4, 1); hb_put16(f + 6, type); hb_put16(f + 8, seq); hb_put16(f + 10, 0); hb_put32(f + 12, length);
    if (length) memcpy(f + 16, payload, length);
    hb_put32(f + 16 + length, hb_crc32(0, f, 16 + length));
    size_t n = 0, total = 20 + length;
    for (size_t at = 0; at < total; at += 64) {
        size_t k = total - at < 64 ? total - at : 64;
        s[n++] = 1; s[n++] = (uint8_t)k;
        memcpy(s + n, f + at, k);
        n += k;
    }
    s[n++] = 2;
    return n;
}

int main(int argc, char **argv) {
    if (argc != 2) return 2;
    char images[512], scripts[512];
    snprintf(images, sizeof images, "%s/image", argv[1]);
    snprintf(scripts, sizeof scripts, "%s/protocol", argv[1]);
    static uint8_t bytes[8192], s[16384];
    static tb_image im;
    tb_worked_example(&im, 10);
    size_t n = tb_encode(&im, bytes, sizeof bytes);
    save(images, "worked-example.img", bytes, n);
    tb_two_layers(&im);
    n = tb_encode(&im, bytes, sizeof bytes);
    save(images, "two-layers.img", bytes, n);
    im.layer[0].weight_bits = 3;
    im.input_map.budget = 2;
    n = tb_encode(&im, bytes, sizeof bytes);
    save(images, "three-bit-budget.img", bytes, n);
    /* version 2: convolution and pooling cores, shared kernels and expanded synapses */
    tb_conv_pool(&im, 1);
    n = tb_encode(&im, bytes, sizeof bytes);
    save(images, "conv-pool-shared.img", bytes, n);
    tb_conv_pool(&im, 0);
    n = tb_encode(&im, bytes, sizeof bytes);
    save(images, "conv-pool-expanded.img", bytes, n);

    /* DFU: download the worked example (T = 40) in 64-byte blocks, GETSTATUS after each, end, upload */
    tb_worked_example(&im, 40);
    n = tb_encode(&im, bytes, sizeof bytes);
    size_t k = 0;
    uint16_t block = 0;
    for (size_t at = 0; at < n; at += 64, block++) {
        uint16_t len = (uint16_t)(n - at < 64 ? n - at : 64);
        k += setup(s + k, 0x21, HB_DFU_DNLOAD, block, 1, len);
        memcpy(s + k, bytes + at, len);
        k += len;
        k += setup(s + k, 0xA1, HB_DFU_GETSTATUS, 0, 1, 6);
    }
    k += setup(s + k, 0x21, HB_DFU_DNLOAD, block, 1, 0);
    k += setup(s + k, 0xA1, HB_DFU_GETSTATUS, 0, 1, 6);
    k += setup(s + k, 0xA1, HB_DFU_UPLOAD, 0, 1, 256);
    k += setup(s + k, 0xA1, HB_DFU_UPLOAD, 1, 1, 256);
    save(scripts, "dfu-download-upload", s, k);

    /* vendor: descriptors, INFO, STATUS, a traced run of 40 steps, RUN_RESULT */
    k = 0;
    k += setup(s + k, 0x80, 6, 0x0100, 0, 18);
    k += setup(s + k, 0x80, 6, 0x0200, 0, 255);
    k += setup(s + k, 0x00, 9, 1, 0, 0);
    k += frame_packets(s + k, HB_CMD_INFO, 1, NULL, 0);
    k += frame_packets(s + k, HB_CMD_STATUS, 2, NULL, 0);
    uint8_t p[64];
    hb_put32(p, HB_RUN_FLAG_TRACE); hb_put32(p + 4, 40);
    k += frame_packets(s + k, HB_CMD_RUN_BEGIN, 3, p, 8);
    hb_put32(p, 0); hb_put32(p + 4, 40);
    for (int t = 0; t < 40; t++) p[8 + t] = t < 8;
    k += frame_packets(s + k, HB_CMD_RUN_STEPS, 4, p, 48);
    k += frame_packets(s + k, HB_CMD_RUN_RESULT, 5, NULL, 0);
    save(scripts, "vendor-run", s, k);

    /* a bad magic, the stall, CLEAR_FEATURE(HALT), then STATUS; a power cut mid-download */
    k = 0;
    k += frame_packets(s + k, HB_CMD_INFO, 9, NULL, 0);
    s[2] = 'X';
    k += setup(s + k, 0x02, 1, 0, HB_EP_BULK_OUT, 0);
    k += frame_packets(s + k, HB_CMD_STATUS, 10, NULL, 0);
    s[k++] = 5; s[k++] = 20;
    k += setup(s + k, 0x21, HB_DFU_DNLOAD, 0, 1, 64);
    memcpy(s + k, bytes, 64);
    k += 64;
    s[k++] = 6;
    save(scripts, "stall-and-power-cut", s, k);
    return 0;
}
