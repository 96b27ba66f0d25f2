#include <string.h>

#include "bytes.h"
#include "check.h"
#include "checksum.h"
#include "engine.h"
#include "flash_ram.h"
#include "image_builder.h"
#include "protocol.h"
#include "store.h"

static const hb_profile profile = {"test-board", 0x1209, 0xb2b0, 1, 4096, "T0001"};
static uint8_t memory[2 * 1024 + 2 * 4096];
static hb_ram_flash ram;
static hb_flash flash;
static hb_store store;
static hb_engine engine;
static hb_protocol board;
static uint8_t image[2048];
static size_t image_length;
static uint16_t sequence;

static void power_up(void) {
    hb_ram_flash_init(&ram, memory, sizeof memory, 1024);
    flash = hb_ram_flash_interface(&ram);
    hb_store_open(&store, &flash, &profile);
    hb_protocol_init(&board, &profile, &store, &engine);
    hb_setup set_config = {0x00, 9, 1, 0, 0};
    size_t n;
    hb_protocol_setup(&board, &set_config, NULL, NULL, 0, &n);
    tb_image im;
    tb_worked_example(&im, 40);
    image_length = tb_encode(&im, image, sizeof image);
}

static hb_ep0_result control(uint8_t type, uint8_t request, uint16_t value, uint16_t index, uint16_t length,
                             const uint8_t *out, uint8_t *in, size_t *in_length) {
    hb_setup s = {type, request, value, index, length};
    static uint8_t scratch[HB_CONTROL_BUFFER];
    size_t n = 0;
    hb_ep0_result r = hb_protocol_setup(&board, &s, out, in ? in : scratch, in ? length : sizeof scratch, &n);
    if (in_length) *in_length = n;
    return r;
}

static void dfu_status(uint8_t *status, uint8_t *state) {
    uint8_t in[6];
    size_t n;
    CHECK_EQ(control(0xA1, HB_DFU_GETSTATUS, 0, HB_INTERFACE_DFU, 6, NULL, in, &n), HB_EP0_ACK);
    CHECK_EQ(n, 6);
    *status = in[0];
    *state = in[4];
}

/* dfu-util's download: blocks, GETSTATUS after each, a zero-length block, GETSTATUS. */
static uint8_t dfu_download(const uint8_t *bytes, size_t length, uint16_t block_size, uint8_t *state) {
    uint8_t status = 0;
    uint16_t block = 0;
    for (size_t at = 0; at < length; at += block_size, block++) {
        uint16_t n = (uint16_t)(length - at < block_size ? length - at : block_size);
        control(0x21, HB_DFU_DNLOAD, block, HB_INTERFACE_DFU, n, bytes + at, NULL, NULL);
        dfu_status(&status, state);
        if (status != HB_DFU_OK) return status;
        CHECK_EQ(*state, HB_DFU_STATE_DNLOAD_IDLE);
    }
    CHECK_EQ(control(0x21, HB_DFU_DNLOAD, block, HB_INTERFACE_DFU, 0, NULL, NULL, NULL), HB_EP0_ACK);
    dfu_status(&status, state);
    return status;
}

static size_t dfu_upload(uint8_t *out, size_t capacity) {
    size_t total = 0, n = 0;
    uint16_t block = 0;
    do {
        if (control(0xA1, HB_DFU_UPLOAD, block++, HB_INTERFACE_DFU, 256, NULL, out + total, &n) != HB_EP0_ACK) return 0;
        total += n;
    } while (n == 256 && total + 256 <= capacity);
    return total;
}

/* Sends a frame in 64-byte packets and collects the reply up to its short packet. */
static size_t exchange(const uint8_t *frame, size_t length, uint8_t *reply, int *packets) {
    for (size_t at = 0; at < length; at += HB_BULK_MAX_PACKET) {
        size_t n = length - at < HB_BULK_MAX_PACKET ? length - at : HB_BULK_MAX_PACKET;
        if (hb_protocol_bulk_out(&board, frame + at, n) != HB_BULK_ACK) return 0;
    }
    size_t total = 0;
    *packets = 0;
    for (;;) {
        int n = hb_protocol_bulk_in(&board, reply + total, HB_BULK_MAX_PACKET);
        if (n < 0) return total;
        (*packets)++;
        total += (size_t)n;
        if (n < (int)HB_BULK_MAX_PACKET) return total;
    }
}

static size_t frame(uint8_t *out, uint16_t version, uint16_t type, uint16_t seq, const uint8_t *payload, uint32_t length) {
    memcpy(out, "HBPF", 4);
    hb_put16(out + 4, version);
    hb_put16(out + 6, type);
    hb_put16(out + 8, seq);
    hb_put16(out + 10, 0);
    hb_put32(out + 12, length);
    if (length) memcpy(out + 16, payload, length);
    hb_put32(out + 16 + length, hb_crc32(0, out, 16 + length));
    return 20u + length;
}

/* One request and its reply; returns the reply status and the payload in `payload`. */
static uint16_t request(uint16_t type, const uint8_t *payload, uint32_t length, uint8_t *reply_payload, uint32_t *reply_length) {
    static uint8_t out[HB_MAX_FRAME], in[HB_HOST_READ_BUFFER];
    int packets;
    size_t n = frame(out, 1, type, ++sequence, payload, length);
    size_t got = exchange(out, n, in, &packets);
    CHECK(got >= 20);
    if (got < 20) return 0xFFFF;
    CHECK(memcmp(in, "HBPF", 4) == 0);
    CHECK_EQ(hb_get16(in + 6), type | 0x8000u);
    CHECK_EQ(hb_get16(in + 8), sequence);
    uint32_t len = hb_get32(in + 12);
    CHECK_EQ(got, 20u + len);
    CHECK_EQ(hb_get32(in + 16 + len), hb_crc32(0, in, 16 + len));
    if (reply_payload) memcpy(reply_payload, in + 16, len);
    if (reply_length) *reply_length = len;
    return hb_get16(in + 10);
}

static void descriptors_from_the_profile(void) {
    power_up();
    uint8_t d[256];
    size_t n;
    CHECK_EQ(control(0x80, 6, 0x0100, 0, 18, NULL, d, &n), HB_EP0_ACK);
    CHECK_EQ(n, 18);
    CHECK_EQ(hb_get16(d + 8), 0x1209);
    CHECK_EQ(hb_get16(d + 10), 0xb2b0);
    CHECK_EQ(control(0x80, 6, 0x0200, 0, 255, NULL, d, &n), HB_EP0_ACK);
    CHECK_EQ(n, 50);
    CHECK_EQ(hb_get16(d + 2), 50);
    CHECK_EQ(d[4], 2);                                   /* two interfaces */
    CHECK_EQ(d[9 + 5], 0xFF);                            /* vendor class */
    CHECK_EQ(d[18 + 2], HB_EP_BULK_OUT);
    CHECK_EQ(d[25 + 2], HB_EP_BULK_IN);
    CHECK(d[32 + 5] == 0xFE && d[32 + 6] == 0x01 && d[32 + 7] == 0x02); /* DFU, DFU mode */
    CHECK_EQ(d[41 + 1], 0x21);
    CHECK_EQ(d[41 + 2], 0x07);
    CHECK_EQ(hb_get16(d + 41 + 5), HB_DFU_TRANSFER_SIZE);
    CHECK_EQ(hb_get16(d + 41 + 7), 0x0110);
    CHECK_EQ(control(0x80, 6, 0x0303, 0, 255, NULL, d, &n), HB_EP0_ACK);
    CHECK(n == 12 && d[2] == 'T' && d[10] == '1');       /* serial "T0001" in UTF-16LE */
    CHECK_EQ(control(0x80, 6, 0x0200, 0, 9, NULL, d, &n), HB_EP0_ACK); /* header only */
    CHECK_EQ(n, 9);
    CHECK_EQ(control(0x80, 6, 0x0600, 0, 10, NULL, d, &n), HB_EP0_STALL); /* no device qualifier */
    CHECK_EQ(control(0xC0, HB_VENDOR_REQUEST_GET_VERSION, 0, 0, 4, NULL, d, &n), HB_EP0_ACK);
    CHECK(n == 4 && hb_get16(d) == HB_PROTOCOL_VERSION && hb_get16(d + 2) == HB_PROTOCOL_MIN_VERSION);
    CHECK_EQ(control(0x21, HB_DFU_DETACH, 1000, HB_INTERFACE_DFU, 0, NULL, NULL, NULL), HB_EP0_STALL);
}

static void dfu_download_upload_and_info(void) {
    power_up();
    uint8_t state, payload[HB_MAX_PAYLOAD];
    uint32_t length;
    CHECK_EQ(request(HB_CMD_INFO, NULL, 0, payload, &length), HB_OK);
    CHECK_EQ(length, 184);
    CHECK_EQ(payload[116], 0xFF);                        /* no image yet */
    CHECK_EQ(request(HB_CMD_RUN_BEGIN, (const uint8_t *)"\0\0\0\0\x28\0\0\0", 8, NULL, NULL), HB_CMD_NO_IMAGE);
    CHECK_EQ(dfu_download(image, image_length, 64, &state), HB_DFU_OK);
    CHECK_EQ(state, HB_DFU_STATE_IDLE);
    CHECK_EQ(request(HB_CMD_INFO, NULL, 0, payload, &length), HB_OK);
    CHECK(memcmp(payload + 12, "test-board", 11) == 0);
    CHECK(memcmp(payload + 76, "T0001", 6) == 0);
    CHECK_EQ(payload[116], 0);                           /* slot A */
    CHECK_EQ(hb_get32(payload + 120), image_length);
    CHECK(memcmp(payload + 124, image + image_length - 32, 32) == 0);
    CHECK_EQ(hb_get32(payload + 156), 40);               /* timeSteps */
    CHECK_EQ(hb_get32(payload + 176), 1);                /* inputBytesPerStep */
    CHECK_EQ(hb_get32(payload + 180), 1);                /* traceBytesPerStep */
    static uint8_t back[4096];
    CHECK_EQ(dfu_upload(back, sizeof back), image_length);
    CHECK(memcmp(back, image, image_length) == 0);
    /* a second image goes to slot B */
    CHECK_EQ(dfu_download(image, image_length, 1024, &state), HB_DFU_OK);
    CHECK_EQ(request(HB_CMD_INFO, NULL, 0, payload, &length), HB_OK);
    CHECK_EQ(payload[116], 1);
}

static void dfu_refusals(void) {
    power_up();
    uint8_t state, status, payload[256];
    uint32_t length;
    CHECK_EQ(dfu_download(image, image_length, 64, &state), HB_DFU_OK);

    tb_image other;
    tb_worked_example(&other, 40);
    other.product = 0xb2b1;
    uint8_t bytes[8192];
    size_t n = tb_encode(&other, bytes, sizeof bytes);
    CHECK_EQ(dfu_download(bytes, n, 64, &state), HB_DFU_ERR_TARGET);
    CHECK_EQ(state, HB_DFU_STATE_ERROR);
    uint8_t text[128];
    size_t text_length;
    CHECK_EQ(control(0x80, 6, 0x0306, 0, 128, NULL, text, &text_length), HB_EP0_ACK);
    CHECK(text_length > 10 && text[2] == 'i');           /* "image: built for another USB vendor:product" */
    CHECK_EQ(control(0x21, HB_DFU_DNLOAD, 0, HB_INTERFACE_DFU, 4, image, NULL, NULL), HB_EP0_STALL); /* not in dfuERROR */
    CHECK_EQ(control(0x21, HB_DFU_CLRSTATUS, 0, HB_INTERFACE_DFU, 0, NULL, NULL, NULL), HB_EP0_ACK);
    dfu_status(&status, &state);
    CHECK(status == HB_DFU_OK && state == HB_DFU_STATE_IDLE);

    memcpy(bytes, image, image_length);
    bytes[image_length - 1] ^= 1;
    CHECK_EQ(dfu_download(bytes, image_length, 64, &state), HB_DFU_ERR_FILE);
    control(0x21, HB_DFU_CLRSTATUS, 0, HB_INTERFACE_DFU, 0, NULL, NULL, NULL);

    /* a skipped block number */
    control(0x21, HB_DFU_DNLOAD, 0, HB_INTERFACE_DFU, 64, image, NULL, NULL);
    dfu_status(&status, &state);
    control(0x21, HB_DFU_DNLOAD, 2, HB_INTERFACE_DFU, 64, image + 64, NULL, NULL);
    dfu_status(&status, &state);
    CHECK_EQ(status, HB_DFU_ERR_ADDRESS);
    control(0x21, HB_DFU_CLRSTATUS, 0, HB_INTERFACE_DFU, 0, NULL, NULL, NULL);

    /* too large: 4096 bytes allowed */
    memset(bytes, 0, sizeof bytes);
    CHECK_EQ(dfu_download(bytes, 5000, 1024, &state), HB_DFU_ERR_ADDRESS);
    control(0x21, HB_DFU_CLRSTATUS, 0, HB_INTERFACE_DFU, 0, NULL, NULL, NULL);

    /* ended early */
    CHECK_EQ(dfu_download(image, image_length / 2, 64, &state), HB_DFU_ERR_NOTDONE);
    control(0x21, HB_DFU_CLRSTATUS, 0, HB_INTERFACE_DFU, 0, NULL, NULL, NULL);

    /* abort mid-way */
    control(0x21, HB_DFU_DNLOAD, 0, HB_INTERFACE_DFU, 64, image, NULL, NULL);
    dfu_status(&status, &state);
    CHECK_EQ(control(0x21, HB_DFU_ABORT, 0, HB_INTERFACE_DFU, 0, NULL, NULL, NULL), HB_EP0_ACK);

    /* the first image is still the one that runs */
    CHECK_EQ(request(HB_CMD_INFO, NULL, 0, payload, NULL), HB_OK);
    CHECK_EQ(payload[116], 0);
    CHECK_EQ(request(HB_CMD_STATUS, NULL, 0, payload, &length), HB_OK);
    CHECK_EQ(length, 28);
    CHECK_EQ(payload[0], 1);                              /* ready */
}

/* A run through the protocol equals the engine run directly, with traces. */
static void run_matches_the_engine(void) {
    power_up();
    uint8_t state;
    CHECK_EQ(dfu_download(image, image_length, 64, &state), HB_DFU_OK);
    uint8_t begin[8], payload[HB_MAX_PAYLOAD], steps[8 + 40];
    uint32_t length;
    hb_put32(begin, HB_RUN_FLAG_TRACE);
    hb_put32(begin + 4, 40);
    CHECK_EQ(request(HB_CMD_RUN_BEGIN, begin, 8, NULL, NULL), HB_OK);
    CHECK_EQ(request(HB_CMD_RUN_RESULT, NULL, 0, NULL, NULL), HB_CMD_RUN_INCOMPLETE);
    /* steps 0 ... 19 with input at t < 8, then 20 ... 39 silent */
    hb_put32(steps, 0);
    hb_put32(steps + 4, 20);
    for (int t = 0; t < 20; t++) steps[8 + t] = t < 8;
    CHECK_EQ(request(HB_CMD_RUN_STEPS, steps, 28, payload, &length), HB_OK);
    CHECK_EQ(length, 28);
    /* spikes at t = 2, 5, 8 for both neurons (the worked example) */
    CHECK_EQ(payload[8 + 2], 3);
    CHECK_EQ(payload[8 + 5], 3);
    CHECK_EQ(payload[8 + 8], 3);
    CHECK_EQ(payload[8 + 3], 0);
    CHECK_EQ(request(HB_CMD_RUN_STEPS, steps, 28, NULL, NULL), HB_CMD_STEP_OUT_OF_ORDER);
    hb_put32(steps, 20);
    memset(steps + 8, 0, 20);
    steps[8] = 2;                                         /* bit 1: no input 1 exists */
    CHECK_EQ(request(HB_CMD_RUN_STEPS, steps, 28, NULL, NULL), HB_CMD_BAD_ARGUMENT);
    steps[8] = 0;
    CHECK_EQ(request(HB_CMD_RUN_STEPS, steps, 27, NULL, NULL), HB_FRAME_BAD_PAYLOAD_LENGTH);
    CHECK_EQ(request(HB_CMD_RUN_STEPS, steps, 28, payload, &length), HB_OK);
    CHECK_EQ(request(HB_CMD_RUN_RESULT, NULL, 0, payload, &length), HB_OK);
    CHECK_EQ(length, 4 + 4 + 8 + 4 + 4 + 4 + 8);
    CHECK_EQ(hb_get32(payload), 40);
    CHECK_EQ(hb_get32(payload + 4), 2);
    /* the same 40 steps on the engine directly */
    static hb_engine reference;
    hb_engine_load(&reference, hb_store_active_image(&store));
    for (uint32_t t = 0; t < 40; t++) {
        uint8_t bit = t < 8;
        hb_engine_step_bitmap(&reference, &bit);
    }
    CHECK_EQ(hb_get32(payload + 8), reference.output_counts[0]);
    CHECK_EQ(hb_get32(payload + 12), reference.output_counts[1]);
    CHECK(reference.output_counts[0] >= 3);
    CHECK_EQ(hb_get32(payload + 16), 1);                  /* one layer */
    CHECK_EQ(hb_get32(payload + 20), reference.saturations[0]);
    CHECK_EQ(hb_get32(payload + 24), 2);                  /* routers */
    CHECK_EQ(request(HB_CMD_STATUS, NULL, 0, payload, NULL), HB_OK);
    CHECK_EQ(payload[0], 3);                              /* run complete */
    CHECK_EQ(hb_get32(payload + 16), 1);                  /* runs completed */
}

/* A version-2 image (convolution and pooling, shared kernels) is flashed and becomes active; one
 * whose pooling geometry breaks the rules is refused (errFILE, STATUS.lastError 0x0325) and the
 * first stays active. */
static void version_2_images(void) {
    power_up();
    static tb_image im;
    static uint8_t bytes[4096];
    uint8_t state, payload[256];
    tb_conv_pool(&im, 1);
    size_t n = tb_encode(&im, bytes, sizeof bytes);
    CHECK_EQ(dfu_download(bytes, n, 64, &state), HB_DFU_OK);
    CHECK_EQ(request(HB_CMD_INFO, NULL, 0, payload, NULL), HB_OK);
    CHECK_EQ(hb_get32(payload + 120), n);
    CHECK_EQ(hb_get32(payload + 168), 4);                 /* cores */
    CHECK_EQ(hb_store_active_image(&store)->cores[0].form, HB_FORM_SHARED);
    im.layer[1].stride = 1;
    size_t bad = tb_encode(&im, bytes, sizeof bytes);
    CHECK_EQ(dfu_download(bytes, bad, 64, &state), HB_DFU_ERR_FILE);
    control(0x21, HB_DFU_CLRSTATUS, 0, HB_INTERFACE_DFU, 0, NULL, NULL, NULL);
    CHECK_EQ(request(HB_CMD_STATUS, NULL, 0, payload, NULL), HB_OK);
    CHECK_EQ(hb_get16(payload + 4), HB_IMG_BAD_LAYER_GEOMETRY);
    CHECK_EQ(request(HB_CMD_INFO, NULL, 0, payload, NULL), HB_OK);
    CHECK_EQ(hb_get32(payload + 120), n);
}

static void frame_errors_stalls_and_retries(void) {
    power_up();
    uint8_t state, out[HB_MAX_FRAME], in[HB_HOST_READ_BUFFER], payload[256];
    int packets;
    CHECK_EQ(dfu_download(image, image_length, 64, &state), HB_DFU_OK);
    /* bad CRC: an error reply */
    size_t n = frame(out, 1, HB_CMD_INFO, 77, NULL, 0);
    out[n - 1] ^= 1;
    CHECK_EQ(exchange(out, n, in, &packets), 20);
    CHECK_EQ(hb_get16(in + 10), HB_FRAME_BAD_CRC);
    CHECK_EQ(hb_get16(in + 8), 77);
    /* a newer protocol version: refused with the board's range */
    n = frame(out, 2, HB_CMD_INFO, 78, NULL, 0);
    CHECK_EQ(exchange(out, n, in, &packets), 24);
    CHECK_EQ(hb_get16(in + 10), HB_FRAME_UNSUPPORTED_VERSION);
    CHECK(hb_get16(in + 16) == 1 && hb_get16(in + 18) == 1);
    CHECK_EQ(request(0x0042, NULL, 0, NULL, NULL), HB_FRAME_UNKNOWN_COMMAND);
    CHECK_EQ(request(HB_CMD_INFO, payload, 1, NULL, NULL), HB_FRAME_BAD_PAYLOAD_LENGTH);
    /* bad magic: the OUT endpoint halts until the host clears it */
    n = frame(out, 1, HB_CMD_INFO, 79, NULL, 0);
    out[0] = 'X';
    CHECK_EQ(hb_protocol_bulk_out(&board, out, n), HB_BULK_STALL);
    CHECK_EQ(hb_protocol_bulk_out(&board, out, n), HB_BULK_STALL);
    size_t got;
    uint8_t halt[2];
    CHECK_EQ(control(0x82, 0, 0, HB_EP_BULK_OUT, 2, NULL, halt, &got), HB_EP0_ACK);
    CHECK_EQ(halt[0], 1);
    CHECK_EQ(control(0x02, 1, 0, HB_EP_BULK_OUT, 0, NULL, NULL, NULL), HB_EP0_ACK); /* CLEAR_FEATURE(HALT) */
    CHECK_EQ(request(HB_CMD_STATUS, NULL, 0, payload, NULL), HB_OK);
    CHECK_EQ(hb_get16(payload + 4), HB_FRAME_BAD_MAGIC);
    /* too large a payload also halts */
    n = frame(out, 1, HB_CMD_INFO, 80, NULL, 0);
    hb_put32(out + 12, HB_MAX_PAYLOAD + 1);
    CHECK_EQ(hb_protocol_bulk_out(&board, out, 16), HB_BULK_STALL);
    hb_protocol_clear_halt(&board, HB_EP_BULK_OUT);
    /* a retry (same sequence and CRC) gets the same reply and runs nothing twice */
    uint8_t begin[8];
    hb_put32(begin, 0);
    hb_put32(begin + 4, 40);
    CHECK_EQ(request(HB_CMD_RUN_BEGIN, begin, 8, NULL, NULL), HB_OK);
    uint8_t steps[8 + 36];
    memset(steps, 0, sizeof steps);
    hb_put32(steps + 4, 36);
    steps[8] = 1;
    n = frame(out, 1, HB_CMD_RUN_STEPS, 500, steps, sizeof steps);
    size_t first = exchange(out, n, in, &packets);
    CHECK_EQ(hb_get16(in + 10), HB_OK);
    uint8_t again[HB_HOST_READ_BUFFER];
    CHECK_EQ(exchange(out, n, again, &packets), first);
    CHECK(memcmp(in, again, first) == 0);
    CHECK_EQ(board.run_next_step, 36);
    /* a reply of exactly 64 bytes ends with a zero-length packet: with tracing, 36 one-byte steps */
    hb_put32(begin, HB_RUN_FLAG_TRACE);
    CHECK_EQ(request(HB_CMD_RUN_BEGIN, begin, 8, NULL, NULL), HB_OK);
    n = frame(out, 1, HB_CMD_RUN_STEPS, 501, steps, sizeof steps);
    CHECK_EQ(exchange(out, n, in, &packets), 64);
    CHECK_EQ(packets, 2);
    CHECK_EQ(hb_protocol_bulk_in(&board, in, 64), HB_BULK_NAK);
    /* bytes past the end of a frame in the same packet halt the endpoint */
    n = frame(out, 1, HB_CMD_STATUS, 502, NULL, 0);
    CHECK_EQ(hb_protocol_bulk_out(&board, out, n + 3), HB_BULK_STALL);
    hb_protocol_clear_halt(&board, HB_EP_BULK_OUT);
    /* RESET reboots from the store and keeps the image */
    CHECK_EQ(request(HB_CMD_RESET, NULL, 0, NULL, NULL), HB_OK);
    CHECK_EQ(request(HB_CMD_STATUS, NULL, 0, payload, NULL), HB_OK);
    CHECK_EQ(payload[0], 1);
    CHECK_EQ(hb_get16(payload + 4), 0);
}

const hb_test protocol_tests[] = {
    {"protocol: descriptors from the profile, GET_VERSION, no DETACH", descriptors_from_the_profile},
    {"protocol: a version-2 image flashes, a bad geometry is refused with its code", version_2_images},
    {"protocol: DFU download, upload identical, INFO", dfu_download_upload_and_info},
    {"protocol: DFU refusals map to DFU status codes, image kept", dfu_refusals},
    {"protocol: RUN over bulk frames equals the engine run", run_matches_the_engine},
    {"protocol: CRC, version, magic stall + clear, retry, ZLP, overrun, reset", frame_errors_stalls_and_retries},
    {NULL, NULL}};
