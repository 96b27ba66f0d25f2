/* vb-board.h bound to the firmware's own host library (Firmware/core, `make -C Firmware lib`):
 * RAM flash, two-slot store, engine and the transport-independent protocol handler, exactly as
 * a real board wires them. The only additions are the scenario knobs that a real board cannot
 * be asked for: another firmware version in INFO, another protocol version in GET_VERSION. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/checksum.h"
#include "../core/engine.h"
#include "../core/flash_ram.h"
#include "../core/protocol.h"
#include "../core/store.h"
#include "vb-board.h"

#define SECTOR_BYTES 4096u

struct vb_board {
    hb_profile profile;
    uint8_t *flash_memory;
    uint32_t flash_bytes;
    char flash_file[1024];
    hb_ram_flash ram;
    hb_flash flash;
    hb_store store;
    hb_engine *engine;
    hb_protocol *protocol;
    uint32_t firmware_version_override;
    uint16_t protocol_version_override;
    long engine_fault;               /* flip a spike in this traced RUN_STEPS reply (1 = first) */
    long traced_replies;
    /* one reply frame gathered from the handler, served packet by packet (to patch INFO) */
    uint8_t reply[HB_MAX_FRAME + HB_BULK_MAX_PACKET];
    size_t reply_length, reply_sent;
    int reply_pending;
};

/* The number after "key": inside the "board" object of a target file; -1 when absent. */
static long board_field(const char *json, const char *key) {
    const char *board = strstr(json, "\"board\"");
    if (!board) return -1;
    char quoted[64];
    snprintf(quoted, sizeof quoted, "\"%s\"", key);
    const char *at = strstr(board, quoted);
    if (!at) return -1;
    at = strchr(at + strlen(quoted), ':');
    if (!at) return -1;
    char *end;
    long value = strtol(at + 1, &end, 10);
    return end == at + 1 ? -1 : value;
}

static char *read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    if (size <= 0 || size > (1 << 20)) { fclose(f); return NULL; }
    char *text = calloc(1, (size_t)size + 1);
    if (text && fread(text, 1, (size_t)size, f) != (size_t)size) { free(text); text = NULL; }
    fclose(f);
    return text;
}

vb_board *vb_board_new(const vb_board_config *config) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.json", config->targets_dir, config->target);
    char *json = read_file(path);
    if (!json) { fprintf(stderr, "virtual-board: cannot read the board profile %s\n", path); return NULL; }
    long vid = board_field(json, "usbVendorId"), pid = board_field(json, "usbProductId");
    long protocol = board_field(json, "protocolVersion"), max_bytes = board_field(json, "maxImageBytes");
    free(json);
    /* The limits of docs/targets.md, and what RAM flash here can hold. */
    if (vid < 1 || vid > 65535 || pid < 1 || pid > 65535 || protocol < 1 || protocol > 65535 ||
        max_bytes < 1024 || max_bytes > (64l << 20)) {
        fprintf(stderr, "virtual-board: %s is not a board profile (board.usbVendorId/usbProductId/protocolVersion/maxImageBytes)\n", path);
        return NULL;
    }
    if (strlen(config->target) > HB_TARGET_NAME_MAX || strlen(config->serial) > HB_SERIAL_MAX) {
        fprintf(stderr, "virtual-board: target name or serial too long\n");
        return NULL;
    }
    vb_board *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    strcpy(b->profile.target_name, config->target);
    strcpy(b->profile.serial, config->serial);
    b->profile.usb_vendor_id = (uint16_t)vid;
    b->profile.usb_product_id = (uint16_t)pid;
    b->profile.protocol_version = (uint16_t)protocol;
    b->profile.max_image_bytes = (uint32_t)max_bytes;
    b->firmware_version_override = config->firmware_version;
    b->protocol_version_override = config->protocol_version;

    uint32_t flash_bytes = hb_store_flash_bytes(b->profile.max_image_bytes, SECTOR_BYTES);
    b->flash_memory = malloc(flash_bytes);
    b->engine = calloc(1, sizeof *b->engine);
    b->protocol = calloc(1, sizeof *b->protocol);
    if (!b->flash_memory || !b->engine || !b->protocol) { vb_board_free(b); return NULL; }
    hb_ram_flash_init(&b->ram, b->flash_memory, flash_bytes, SECTOR_BYTES);
    b->flash = hb_ram_flash_interface(&b->ram);
    /* After init, which erases the RAM flash: the kept flash, if any, replaces it. */
    b->flash_bytes = flash_bytes;
    if (config->flash_file && strlen(config->flash_file) < sizeof b->flash_file - 8) {
        strcpy(b->flash_file, config->flash_file);
        FILE *f = fopen(config->flash_file, "rb");
        if (f) {
            /* A file of another size is another profile's flash: start erased instead. */
            if (fread(b->flash_memory, 1, flash_bytes, f) != flash_bytes || fgetc(f) != EOF) {
                fprintf(stderr, "virtual-board: %s is not a %s flash; starting erased\n", config->flash_file, config->target);
                hb_ram_flash_init(&b->ram, b->flash_memory, flash_bytes, SECTOR_BYTES);
            }
            fclose(f);
        }
    }
    hb_store_open(&b->store, &b->flash, &b->profile); /* an empty store is fine: no image yet */
    hb_protocol_init(b->protocol, &b->profile, &b->store, b->engine);
    return b;
}

void vb_board_free(vb_board *b) {
    if (!b) return;
    if (b->flash_file[0] && b->flash_memory) {
        char temporary[sizeof b->flash_file + 8];
        snprintf(temporary, sizeof temporary, "%s.tmp", b->flash_file);
        FILE *f = fopen(temporary, "wb");
        int ok = f && fwrite(b->flash_memory, 1, b->flash_bytes, f) == b->flash_bytes;
        if (f && fclose(f) != 0) ok = 0;
        if (!ok || rename(temporary, b->flash_file) != 0) {
            fprintf(stderr, "virtual-board: cannot keep the flash in %s\n", b->flash_file);
            remove(temporary);
        }
    }
    free(b->flash_memory);
    free(b->engine);
    free(b->protocol);
    free(b);
}

size_t vb_board_descriptors(vb_board *b, uint8_t *out, size_t capacity) {
    size_t device = hb_protocol_device_descriptor(b->protocol, out, capacity);
    if (device == 0) return 0;
    size_t config = hb_protocol_config_descriptor(b->protocol, out + device, capacity - device);
    return config == 0 ? 0 : device + config;
}

int vb_board_control(vb_board *b, const uint8_t raw[8], uint8_t *data, uint16_t length) {
    hb_setup setup = {raw[0], raw[1], (uint16_t)(raw[2] | raw[3] << 8), (uint16_t)(raw[4] | raw[5] << 8), length};
    if (b->protocol_version_override && raw[0] == 0xC0 && raw[1] == HB_VENDOR_REQUEST_GET_VERSION) {
        uint8_t answer[4] = {(uint8_t)b->protocol_version_override, (uint8_t)(b->protocol_version_override >> 8),
                             (uint8_t)b->protocol_version_override, (uint8_t)(b->protocol_version_override >> 8)};
        size_t n = length < 4 ? length : 4;
        memcpy(data, answer, n);
        return (int)n;
    }
    uint8_t in[HB_CONTROL_BUFFER > 4096 ? HB_CONTROL_BUFFER : 4096];
    size_t in_length = 0;
    int to_host = raw[0] & 0x80;
    if (to_host && length > sizeof in) return VB_STALL;
    hb_ep0_result r = hb_protocol_setup(b->protocol, &setup, to_host || length == 0 ? NULL : data, in, sizeof in, &in_length);
    if (r == HB_EP0_STALL) return VB_STALL;
    if (to_host) {
        if (in_length > length) in_length = length;
        memcpy(data, in, in_length);
        return (int)in_length;
    }
    return 0;
}

int vb_board_bulk_out(vb_board *b, uint8_t endpoint, const uint8_t *packet, size_t length) {
    (void)endpoint; /* one bulk OUT endpoint; the runner already checked it is in the descriptors */
    b->reply_pending = 0; /* a new request discards a reply never read */
    return hb_protocol_bulk_out(b->protocol, packet, length) == HB_BULK_STALL ? VB_STALL : 0;
}

/* Gathers a whole reply from the handler (its packets up to the short one), so that the knobs
 * can rewrite INFO's firmware version or a traced spike, and the CRC32, before the host sees it. */
static int gather_reply(vb_board *b) {
    b->reply_length = b->reply_sent = 0;
    for (;;) {
        uint8_t packet[HB_BULK_MAX_PACKET];
        int n = hb_protocol_bulk_in(b->protocol, packet, sizeof packet);
        if (n == HB_BULK_NAK) return b->reply_length ? 0 : VB_NAK;
        if (n == HB_BULK_STALL) return VB_STALL;
        if (b->reply_length + (size_t)n > sizeof b->reply) return VB_STALL;
        memcpy(b->reply + b->reply_length, packet, (size_t)n);
        b->reply_length += (size_t)n;
        if (n < (int)HB_BULK_MAX_PACKET) break;
    }
    if (b->firmware_version_override && b->reply_length == HB_FRAME_HEADER_BYTES + 184 + HB_FRAME_CRC_BYTES &&
        b->reply[6] == (HB_CMD_INFO & 0xFF) && b->reply[7] == ((HB_CMD_INFO | HB_REPLY_BIT) >> 8)) {
        uint32_t version = b->firmware_version_override;
        uint8_t *field = b->reply + HB_FRAME_HEADER_BYTES + 4;
        for (int i = 0; i < 4; i++) field[i] = (uint8_t)(version >> (8 * i));
        uint32_t crc = hb_crc32(0, b->reply, HB_FRAME_HEADER_BYTES + 184);
        for (int i = 0; i < 4; i++) b->reply[HB_FRAME_HEADER_BYTES + 184 + i] = (uint8_t)(crc >> (8 * i));
    }
    size_t traced = HB_FRAME_HEADER_BYTES + 8 + HB_FRAME_CRC_BYTES;
    if (b->engine_fault && b->reply_length > traced && b->reply[6] == (HB_CMD_RUN_STEPS & 0xFF) &&
        b->reply[7] == ((HB_CMD_RUN_STEPS | HB_REPLY_BIT) >> 8) && ++b->traced_replies == b->engine_fault) {
        b->reply[HB_FRAME_HEADER_BYTES + 8] ^= 1; /* first step of the frame, core 0, neuron 0 */
        size_t body = b->reply_length - HB_FRAME_CRC_BYTES;
        uint32_t crc = hb_crc32(0, b->reply, body);
        for (int i = 0; i < 4; i++) b->reply[body + i] = (uint8_t)(crc >> (8 * i));
    }
    b->reply_pending = 1;
    return 0;
}

int vb_board_bulk_in(vb_board *b, uint8_t endpoint, uint8_t *packet, size_t capacity) {
    (void)endpoint;
    if (!b->reply_pending) {
        int r = gather_reply(b);
        if (r != 0) return r;
    }
    size_t left = b->reply_length - b->reply_sent;
    size_t n = left < HB_BULK_MAX_PACKET ? left : HB_BULK_MAX_PACKET;
    if (n > capacity) n = capacity;
    memcpy(packet, b->reply + b->reply_sent, n);
    b->reply_sent += n;
    if (n < HB_BULK_MAX_PACKET) b->reply_pending = 0; /* the short (or zero-length) packet ends it */
    return (int)n;
}

void vb_board_set_faults(vb_board *b, const vb_board_faults *faults) {
    b->firmware_version_override = faults->firmware_version;
    b->protocol_version_override = faults->protocol_version;
    b->engine_fault = faults->engine_fault;
    b->traced_replies = 0;
}

void vb_board_clear_halt(vb_board *b, uint8_t endpoint) {
    if (endpoint & 0x80) b->reply_pending = 0;
    hb_protocol_clear_halt(b->protocol, endpoint);
}

void vb_board_reset(vb_board *b) {
    b->reply_pending = 0;
    hb_protocol_bus_reset(b->protocol);
}
