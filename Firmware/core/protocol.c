#include "protocol.h"

#include <string.h>

#include "bytes.h"
#include "checksum.h"
#include "engine.h"
#include "store.h"

/* ---- Descriptors (docs/usb-protocol.md, "Device layout") ---- */

#define CONFIG_TOTAL_LENGTH 50u

size_t hb_protocol_device_descriptor(const hb_protocol *p, uint8_t *out, size_t capacity) {
    if (capacity < 18) return 0;
    const uint8_t d[18] = {18, 1, 0x00, 0x02, 0, 0, 0, HB_EP0_MAX_PACKET,
                           (uint8_t)p->profile->usb_vendor_id, (uint8_t)(p->profile->usb_vendor_id >> 8),
                           (uint8_t)p->profile->usb_product_id, (uint8_t)(p->profile->usb_product_id >> 8),
                           (uint8_t)(HB_FIRMWARE_VERSION >> 8), (uint8_t)(HB_FIRMWARE_VERSION >> 16),
                           HB_STRING_MANUFACTURER, HB_STRING_PRODUCT, HB_STRING_SERIAL, 1};
    memcpy(out, d, sizeof d);
    return sizeof d;
}

size_t hb_protocol_config_descriptor(const hb_protocol *p, uint8_t *out, size_t capacity) {
    (void)p;
    if (capacity < CONFIG_TOTAL_LENGTH) return 0;
    const uint8_t d[CONFIG_TOTAL_LENGTH] = {
        9, 2, CONFIG_TOTAL_LENGTH, 0, 2, 1, 0, 0x80, 50,                  /* configuration 1, 100 mA */
        9, 4, HB_INTERFACE_VENDOR, 0, 2, 0xFF, 0x00, 0x00, HB_STRING_VENDOR_INTERFACE,
        7, 5, HB_EP_BULK_OUT, 2, HB_BULK_MAX_PACKET, 0, 0,
        7, 5, HB_EP_BULK_IN, 2, HB_BULK_MAX_PACKET, 0, 0,
        9, 4, HB_INTERFACE_DFU, 0, 0, 0xFE, 0x01, 0x02, HB_STRING_DFU_INTERFACE,
        9, 0x21, 0x07, 0, 0, (uint8_t)HB_DFU_TRANSFER_SIZE, (uint8_t)(HB_DFU_TRANSFER_SIZE >> 8), 0x10, 0x01};
    memcpy(out, d, sizeof d);
    return sizeof d;
}

static size_t ascii_string(const char *a, const char *b, const char *c, uint8_t *out, size_t capacity) {
    const char *parts[3] = {a, b, c};
    size_t n = 2;
    for (int k = 0; k < 3; k++) {
        for (const char *s = parts[k]; s && *s; s++) {
            if (n + 2 > capacity || n + 2 > 254) return 0;
            out[n++] = (uint8_t)*s;
            out[n++] = 0;
        }
    }
    out[0] = (uint8_t)n;
    out[1] = 3;
    return n;
}

size_t hb_protocol_string_descriptor(const hb_protocol *p, uint8_t index, uint8_t *out, size_t capacity) {
    switch (index) {
    case HB_STRING_LANGUAGES:
        if (capacity < 4) return 0;
        out[0] = 4; out[1] = 3; out[2] = 0x09; out[3] = 0x04; /* English (US) */
        return 4;
    case HB_STRING_MANUFACTURER: return ascii_string("hm2bp", NULL, NULL, out, capacity);
    case HB_STRING_PRODUCT: return ascii_string("hm2bp board (", p->profile->target_name, ")", out, capacity);
    case HB_STRING_SERIAL: return ascii_string(p->profile->serial, NULL, NULL, out, capacity);
    case HB_STRING_VENDOR_INTERFACE: return ascii_string("hm2bp protocol v1", NULL, NULL, out, capacity);
    case HB_STRING_DFU_INTERFACE: return ascii_string("hm2bp model image", NULL, NULL, out, capacity);
    case HB_STRING_LAST_ERROR: return ascii_string(hb_status_text(p->dfu_detail), NULL, NULL, out, capacity);
    default: return 0;
    }
}

/* ---- Board state ---- */

static const hb_image *active_image(const hb_protocol *p) {
    return p->engine->image;
}

/* Loads the store's active image into the engine (or none) and abandons any run. */
static void load_active(hb_protocol *p) {
    const hb_image *image = hb_store_active_image(p->store);
    p->engine->image = NULL;
    if (image) hb_engine_load(p->engine, image);
    p->run_active = 0;
    p->run_next_step = 0;
}

static void reset_bulk(hb_protocol *p) {
    p->rx_length = 0;
    p->rx_expected = 0;
    p->tx_length = 0;
    p->tx_sent = 0;
    p->tx_needs_zlp = 0;
    p->have_last = 0;
    p->out_halted = 0;
    p->in_halted = 0;
}

static void reset_dfu(hb_protocol *p) {
    if (p->dfu_state == HB_DFU_STATE_DNLOAD_IDLE || p->dfu_state == HB_DFU_STATE_DNLOAD_SYNC ||
        p->dfu_state == HB_DFU_STATE_MANIFEST_SYNC) {
        hb_store_abort(p->store);
    }
    p->dfu_state = HB_DFU_STATE_IDLE;
    p->dfu_status = HB_DFU_OK;
    p->dfu_detail = HB_OK;
    p->dfu_next_block = 0;
    p->dfu_offset = 0;
}

hb_status hb_protocol_init(hb_protocol *p, const hb_profile *profile, struct hb_store *store, struct hb_engine *engine) {
    memset(p, 0, sizeof *p);
    p->profile = profile;
    p->store = store;
    p->engine = engine;
    p->dfu_state = HB_DFU_STATE_IDLE;
    reset_bulk(p);
    load_active(p);
    return active_image(p) ? HB_OK : HB_STORE_NO_IMAGE;
}

void hb_protocol_bus_reset(hb_protocol *p) {
    p->configuration = 0;
    reset_bulk(p);
    reset_dfu(p);
}

static void note_error(hb_protocol *p, hb_status status, uint16_t sequence) {
    p->last_error = status;
    p->last_error_sequence = sequence;
}

/* ---- DFU (docs/usb-protocol.md, "Image transfer") ---- */

static uint8_t dfu_status_of(hb_status s) {
    switch (s) {
    case HB_OK: return HB_DFU_OK;
    case HB_DFU_BAD_BLOCK: case HB_IMG_TOO_LARGE: return HB_DFU_ERR_ADDRESS;
    case HB_IMG_WRONG_TARGET: case HB_IMG_WRONG_USB_ID: case HB_IMG_WRONG_PROTOCOL: case HB_IMG_EXCEEDS_BOARD:
        return HB_DFU_ERR_TARGET;
    case HB_STORE_INCOMPLETE: return HB_DFU_ERR_NOTDONE;
    case HB_STORE_ERASE_FAILED: return HB_DFU_ERR_ERASE;
    case HB_STORE_PROGRAM_FAILED: return HB_DFU_ERR_PROG;
    case HB_STORE_VERIFY_FAILED: return HB_DFU_ERR_VERIFY;
    case HB_STORE_NO_IMAGE: return HB_DFU_ERR_FIRMWARE;
    case HB_DFU_BAD_REQUEST: return HB_DFU_ERR_STALLEDPKT;
    default: return HB_DFU_ERR_FILE;
    }
}

static void dfu_fail(hb_protocol *p, hb_status s) {
    if (p->dfu_state == HB_DFU_STATE_DNLOAD_IDLE || p->dfu_state == HB_DFU_STATE_DNLOAD_SYNC ||
        p->dfu_state == HB_DFU_STATE_MANIFEST_SYNC || p->dfu_state == HB_DFU_STATE_IDLE) {
        hb_store_abort(p->store);
    }
    p->dfu_state = HB_DFU_STATE_ERROR;
    p->dfu_status = dfu_status_of(s);
    p->dfu_detail = s;
    note_error(p, s, 0);
}

static hb_ep0_result dfu_stall(hb_protocol *p, hb_status s) {
    dfu_fail(p, s);
    return HB_EP0_STALL;
}

static hb_ep0_result dfu_download(hb_protocol *p, const hb_setup *setup, const uint8_t *data) {
    const int idle = p->dfu_state == HB_DFU_STATE_IDLE, downloading = p->dfu_state == HB_DFU_STATE_DNLOAD_IDLE;
    if (!idle && !downloading) return dfu_stall(p, HB_DFU_BAD_REQUEST);
    if (setup->wLength == 0) {
        if (idle) return dfu_stall(p, HB_DFU_BAD_REQUEST);
        p->dfu_state = HB_DFU_STATE_MANIFEST_SYNC;
        return HB_EP0_ACK;
    }
    if (idle) {
        hb_store_begin(p->store);
        p->dfu_next_block = setup->wValue;
        p->dfu_offset = 0;
        if (setup->wValue != 0) {
            dfu_fail(p, HB_DFU_BAD_BLOCK);
            return HB_EP0_ACK;
        }
    }
    if (setup->wValue != p->dfu_next_block || setup->wLength > HB_DFU_TRANSFER_SIZE || data == NULL) {
        dfu_fail(p, HB_DFU_BAD_BLOCK);
        return HB_EP0_ACK;
    }
    hb_status s = hb_store_write(p->store, data, setup->wLength);
    if (s != HB_OK) {
        dfu_fail(p, s);
        return HB_EP0_ACK;
    }
    p->dfu_next_block++;
    p->dfu_offset += setup->wLength;
    p->dfu_state = HB_DFU_STATE_DNLOAD_SYNC;
    return HB_EP0_ACK;
}

/* Manifestation: verify everything and commit; the engine follows the new image. */
static void dfu_manifest(hb_protocol *p) {
    hb_status s = hb_store_commit(p->store);
    load_active(p);
    if (s != HB_OK) {
        dfu_fail(p, s);
        return;
    }
    p->dfu_state = HB_DFU_STATE_IDLE;
    p->dfu_status = HB_DFU_OK;
    p->dfu_detail = HB_OK;
}

static hb_ep0_result dfu_upload(hb_protocol *p, const hb_setup *setup, uint8_t *in, size_t *in_length) {
    if (p->dfu_state == HB_DFU_STATE_IDLE) {
        p->dfu_offset = 0;
        p->dfu_next_block = setup->wValue;
    } else if (p->dfu_state != HB_DFU_STATE_UPLOAD_IDLE) {
        return dfu_stall(p, HB_DFU_BAD_REQUEST);
    }
    const hb_image *image = hb_store_active_image(p->store);
    if (!image) return dfu_stall(p, HB_STORE_NO_IMAGE);
    if (setup->wValue != p->dfu_next_block || setup->wLength > HB_DFU_TRANSFER_SIZE) return dfu_stall(p, HB_DFU_BAD_BLOCK);
    uint32_t left = image->length - p->dfu_offset;
    uint32_t n = setup->wLength < left ? setup->wLength : left;
    memcpy(in, image->bytes + p->dfu_offset, n);
    *in_length = n;
    p->dfu_offset += n;
    p->dfu_next_block++;
    p->dfu_state = n < setup->wLength ? HB_DFU_STATE_IDLE : HB_DFU_STATE_UPLOAD_IDLE;
    return HB_EP0_ACK;
}

static hb_ep0_result dfu_request(hb_protocol *p, const hb_setup *setup, const uint8_t *out, uint8_t *in,
                                 size_t *in_length) {
    const int to_host = (setup->bmRequestType & 0x80u) != 0;
    switch (setup->bRequest) {
    case HB_DFU_DNLOAD:
        if (to_host) return HB_EP0_STALL;
        return dfu_download(p, setup, out);
    case HB_DFU_UPLOAD:
        if (!to_host) return HB_EP0_STALL;
        return dfu_upload(p, setup, in, in_length);
    case HB_DFU_GETSTATUS:
        if (!to_host || setup->wLength < 6) return HB_EP0_STALL;
        if (p->dfu_state == HB_DFU_STATE_DNLOAD_SYNC) p->dfu_state = HB_DFU_STATE_DNLOAD_IDLE;
        else if (p->dfu_state == HB_DFU_STATE_MANIFEST_SYNC) dfu_manifest(p);
        in[0] = p->dfu_status;
        in[1] = in[2] = in[3] = 0; /* bwPollTimeout: the work is already done */
        in[4] = p->dfu_state;
        in[5] = p->dfu_status != HB_DFU_OK ? HB_STRING_LAST_ERROR : 0;
        *in_length = 6;
        return HB_EP0_ACK;
    case HB_DFU_CLRSTATUS:
        if (to_host || p->dfu_state != HB_DFU_STATE_ERROR) return dfu_stall(p, HB_DFU_BAD_REQUEST);
        reset_dfu(p);
        return HB_EP0_ACK;
    case HB_DFU_GETSTATE:
        if (!to_host || setup->wLength < 1) return HB_EP0_STALL;
        in[0] = p->dfu_state;
        *in_length = 1;
        return HB_EP0_ACK;
    case HB_DFU_ABORT:
        if (to_host || !(p->dfu_state == HB_DFU_STATE_IDLE || p->dfu_state == HB_DFU_STATE_DNLOAD_IDLE ||
                         p->dfu_state == HB_DFU_STATE_UPLOAD_IDLE)) {
            return dfu_stall(p, HB_DFU_BAD_REQUEST);
        }
        reset_dfu(p);
        return HB_EP0_ACK;
    default: /* DFU_DETACH and anything else: this interface is always in DFU mode */
        return dfu_stall(p, HB_DFU_BAD_REQUEST);
    }
}

/* ---- EP0 ---- */

static hb_ep0_result answer(const uint8_t *data, size_t length, const hb_setup *setup, uint8_t *in, size_t capacity,
                            size_t *in_length) {
    if (length == 0) return HB_EP0_STALL;
    size_t n = length < setup->wLength ? length : setup->wLength;
    if (n > capacity) return HB_EP0_STALL;
    memcpy(in, data, n);
    *in_length = n;
    return HB_EP0_ACK;
}

static hb_ep0_result standard_request(hb_protocol *p, const hb_setup *setup, uint8_t *in, size_t capacity,
                                      size_t *in_length) {
    const uint8_t recipient = setup->bmRequestType & 0x1Fu;
    const int to_host = (setup->bmRequestType & 0x80u) != 0;
    uint8_t buffer[256];
    switch (setup->bRequest) {
    case 0: { /* GET_STATUS */
        if (!to_host) return HB_EP0_STALL;
        uint8_t status[2] = {0, 0};
        if (recipient == 2) {
            if (setup->wIndex == HB_EP_BULK_OUT) status[0] = p->out_halted;
            else if (setup->wIndex == HB_EP_BULK_IN) status[0] = p->in_halted;
            else if ((setup->wIndex & 0x7Fu) != 0) return HB_EP0_STALL;
        } else if (recipient == 1 && setup->wIndex > HB_INTERFACE_DFU) {
            return HB_EP0_STALL;
        }
        return answer(status, 2, setup, in, capacity, in_length);
    }
    case 1:   /* CLEAR_FEATURE */
    case 3: { /* SET_FEATURE */
        if (to_host) return HB_EP0_STALL;
        if (recipient == 2 && setup->wValue == 0) { /* ENDPOINT_HALT */
            if (setup->wIndex != HB_EP_BULK_OUT && setup->wIndex != HB_EP_BULK_IN) return HB_EP0_STALL;
            if (setup->bRequest == 1) hb_protocol_clear_halt(p, (uint8_t)setup->wIndex);
            else if (setup->wIndex == HB_EP_BULK_OUT) p->out_halted = 1;
            else p->in_halted = 1;
            return HB_EP0_ACK;
        }
        return recipient == 0 ? HB_EP0_ACK : HB_EP0_STALL; /* device remote wakeup: nothing to do */
    }
    case 5: /* SET_ADDRESS: the transport's business */
        return to_host ? HB_EP0_STALL : HB_EP0_ACK;
    case 6: { /* GET_DESCRIPTOR */
        if (!to_host) return HB_EP0_STALL;
        size_t n = 0;
        switch (setup->wValue >> 8) {
        case 1: n = hb_protocol_device_descriptor(p, buffer, sizeof buffer); break;
        case 2: n = hb_protocol_config_descriptor(p, buffer, sizeof buffer); break;
        case 3: n = hb_protocol_string_descriptor(p, (uint8_t)setup->wValue, buffer, sizeof buffer); break;
        default: n = 0; /* device qualifier and others: a full-speed device has none */
        }
        return answer(buffer, n, setup, in, capacity, in_length);
    }
    case 8: /* GET_CONFIGURATION */
        if (!to_host) return HB_EP0_STALL;
        return answer(&p->configuration, 1, setup, in, capacity, in_length);
    case 9: /* SET_CONFIGURATION */
        if (to_host || setup->wValue > 1) return HB_EP0_STALL;
        p->configuration = (uint8_t)setup->wValue;
        reset_bulk(p);
        return HB_EP0_ACK;
    case 10: { /* GET_INTERFACE */
        if (!to_host || setup->wIndex > HB_INTERFACE_DFU) return HB_EP0_STALL;
        uint8_t alternate = 0;
        return answer(&alternate, 1, setup, in, capacity, in_length);
    }
    case 11: /* SET_INTERFACE: only alternate setting 0 exists */
        if (to_host || setup->wIndex > HB_INTERFACE_DFU || setup->wValue != 0) return HB_EP0_STALL;
        if (setup->wIndex == HB_INTERFACE_VENDOR) reset_bulk(p);
        return HB_EP0_ACK;
    default:
        return HB_EP0_STALL;
    }
}

hb_ep0_result hb_protocol_setup(hb_protocol *p, const hb_setup *setup, const uint8_t *out, uint8_t *in,
                                size_t in_capacity, size_t *in_length) {
    *in_length = 0;
    const uint8_t type = (setup->bmRequestType >> 5) & 3u, recipient = setup->bmRequestType & 0x1Fu;
    const int to_host = (setup->bmRequestType & 0x80u) != 0;
    if (to_host && in_capacity < setup->wLength) return HB_EP0_STALL;
    if (!to_host && setup->wLength > 0 && out == NULL) return HB_EP0_STALL;
    if (type == 0) return standard_request(p, setup, in, in_capacity, in_length);
    if (type == 1 && recipient == 1 && (setup->wIndex & 0xFFu) == HB_INTERFACE_DFU) {
        return dfu_request(p, setup, out, in, in_length);
    }
    if (type == 2 && recipient == 0 && to_host && setup->bRequest == HB_VENDOR_REQUEST_GET_VERSION) {
        uint8_t version[4];
        hb_put16(version, HB_PROTOCOL_VERSION);
        hb_put16(version + 2, HB_PROTOCOL_MIN_VERSION);
        return answer(version, 4, setup, in, in_capacity, in_length);
    }
    return HB_EP0_STALL;
}

/* ---- Vendor frames (docs/usb-protocol.md, "Frames" and "Commands") ---- */

static uint8_t *reply_payload(hb_protocol *p) { return p->tx + HB_FRAME_HEADER_BYTES; }

static void queue_reply(hb_protocol *p, uint16_t type, uint16_t sequence, hb_status status, uint32_t length) {
    memcpy(p->tx, HB_FRAME_MAGIC, 4);
    hb_put16(p->tx + 4, HB_PROTOCOL_VERSION);
    hb_put16(p->tx + 6, (uint16_t)(type | HB_REPLY_BIT));
    hb_put16(p->tx + 8, sequence);
    hb_put16(p->tx + 10, (uint16_t)status);
    hb_put32(p->tx + 12, length);
    hb_put32(p->tx + HB_FRAME_HEADER_BYTES + length, hb_crc32(0, p->tx, HB_FRAME_HEADER_BYTES + length));
    p->tx_length = HB_FRAME_HEADER_BYTES + length + HB_FRAME_CRC_BYTES;
    p->tx_sent = 0;
    p->tx_needs_zlp = 0;
    if (status == HB_OK) p->frames_accepted++;
    else {
        p->frames_rejected++;
        note_error(p, status, sequence);
    }
}

static uint32_t trace_bytes_per_step(const hb_image *image) {
    uint32_t n = 0;
    for (uint32_t c = 0; c < image->core_count; c++) n += (image->cores[c].neuron_count + 7u) / 8u;
    return n;
}

static uint32_t info(hb_protocol *p, uint8_t *out) {
    const hb_image *image = active_image(p);
    memset(out, 0, 184);
    hb_put16(out, HB_PROTOCOL_VERSION);
    hb_put16(out + 2, HB_PROTOCOL_MIN_VERSION);
    hb_put32(out + 4, HB_FIRMWARE_VERSION);
    hb_put32(out + 8, HB_MAX_PAYLOAD);
    memcpy(out + 12, p->profile->target_name, hb_text_length(p->profile->target_name, HB_TARGET_NAME_MAX));
    memcpy(out + 76, p->profile->serial, hb_text_length(p->profile->serial, HB_SERIAL_MAX));
    hb_put16(out + 108, p->profile->usb_vendor_id);
    hb_put16(out + 110, p->profile->usb_product_id);
    hb_put32(out + 112, p->profile->max_image_bytes);
    out[116] = image ? (uint8_t)p->store->active_slot : 0xFFu;
    if (image) {
        hb_put32(out + 120, image->length);
        memcpy(out + 124, image->digest, 32);
        hb_put32(out + 156, image->time_steps);
        hb_put32(out + 160, image->input_count);
        hb_put32(out + 164, image->output_count);
        hb_put32(out + 168, image->core_count);
        hb_put32(out + 172, image->layer_count);
        hb_put32(out + 176, (image->input_count + 7u) / 8u);
        hb_put32(out + 180, trace_bytes_per_step(image));
    }
    return 184;
}

static uint32_t status_reply(hb_protocol *p, uint8_t *out) {
    const hb_image *image = active_image(p);
    memset(out, 0, 28);
    out[0] = !image ? 0 : !p->run_active ? 1 : p->run_next_step < image->time_steps ? 2 : 3;
    out[1] = image ? (uint8_t)p->store->active_slot : 0xFFu;
    out[2] = p->dfu_state;
    out[3] = p->dfu_status;
    hb_put16(out + 4, (uint16_t)p->last_error);
    hb_put16(out + 6, p->last_error_sequence);
    hb_put32(out + 8, p->frames_accepted);
    hb_put32(out + 12, p->frames_rejected);
    hb_put32(out + 16, p->runs_completed);
    hb_put32(out + 20, p->run_next_step);
    hb_put32(out + 24, image ? image->time_steps : 0u);
    return 28;
}

static hb_status run_begin(hb_protocol *p, const uint8_t *in, uint32_t length) {
    const hb_image *image = active_image(p);
    if (length != 8) return HB_FRAME_BAD_PAYLOAD_LENGTH;
    if (!image) return HB_CMD_NO_IMAGE;
    uint32_t flags = hb_get32(in), steps = hb_get32(in + 4);
    if ((flags & ~HB_RUN_FLAG_TRACE) != 0 || steps != image->time_steps) return HB_CMD_BAD_ARGUMENT;
    hb_engine_reset(p->engine);
    p->run_active = 1;
    p->run_flags = flags;
    p->run_next_step = 0;
    return HB_OK;
}

static hb_status run_steps(hb_protocol *p, const uint8_t *in, uint32_t length, uint8_t *out, uint32_t *out_length) {
    const hb_image *image = active_image(p);
    if (length < 8) return HB_FRAME_BAD_PAYLOAD_LENGTH;
    if (!image) return HB_CMD_NO_IMAGE;
    if (!p->run_active) return HB_CMD_NO_RUN;
    const uint32_t first = hb_get32(in), count = hb_get32(in + 4);
    const uint32_t input_bytes = (image->input_count + 7u) / 8u;
    if (count == 0 || (uint64_t)count * input_bytes != length - 8u) return HB_FRAME_BAD_PAYLOAD_LENGTH;
    if (first != p->run_next_step) return HB_CMD_STEP_OUT_OF_ORDER;
    if (count > image->time_steps - first) return HB_CMD_BAD_ARGUMENT;
    const int trace = (p->run_flags & HB_RUN_FLAG_TRACE) != 0;
    const uint32_t trace_bytes = trace_bytes_per_step(image);
    if (trace && 8u + (uint64_t)count * trace_bytes > HB_MAX_PAYLOAD) return HB_CMD_REPLY_TOO_LARGE;
    const uint32_t spare = image->input_count & 7u;
    for (uint32_t t = 0; t < count && spare != 0; t++) {
        if (in[8 + t * input_bytes + input_bytes - 1u] >> spare) return HB_CMD_BAD_ARGUMENT;
    }
    hb_put32(out, first);
    hb_put32(out + 4, count);
    uint8_t *trace_out = out + 8;
    for (uint32_t t = 0; t < count; t++) {
        hb_engine_step_bitmap(p->engine, in + 8 + t * input_bytes);
        if (!trace) continue;
        for (uint32_t c = 0; c < image->core_count; c++) {
            const hb_core *core = &image->cores[c];
            const uint8_t *fired = p->engine->fired + core->state_offset;
            uint32_t bytes = (core->neuron_count + 7u) / 8u;
            memset(trace_out, 0, bytes);
            for (uint32_t k = 0; k < core->neuron_count; k++) trace_out[k >> 3] |= (uint8_t)(fired[k] << (k & 7u));
            trace_out += bytes;
        }
    }
    p->run_next_step = first + count;
    if (p->run_next_step == image->time_steps) p->runs_completed++;
    *out_length = (uint32_t)(trace_out - out);
    return HB_OK;
}

static hb_status run_result(hb_protocol *p, uint32_t length, uint8_t *out, uint32_t *out_length) {
    const hb_image *image = active_image(p);
    if (length != 0) return HB_FRAME_BAD_PAYLOAD_LENGTH;
    if (!image) return HB_CMD_NO_IMAGE;
    if (!p->run_active) return HB_CMD_NO_RUN;
    if (p->run_next_step < image->time_steps) return HB_CMD_RUN_INCOMPLETE;
    uint64_t size = 16u + 4u * ((uint64_t)image->output_count + image->layer_count + image->core_count + 1u);
    if (size > HB_MAX_PAYLOAD) return HB_CMD_REPLY_TOO_LARGE;
    uint8_t *o = out;
    hb_put32(o, image->time_steps); o += 4;
    hb_put32(o, image->output_count); o += 4;
    for (uint32_t k = 0; k < image->output_count; k++, o += 4) hb_put32(o, p->engine->output_counts[k]);
    hb_put32(o, image->layer_count); o += 4;
    for (uint32_t k = 0; k < image->layer_count; k++, o += 4) hb_put32(o, p->engine->saturations[k]);
    hb_put32(o, image->core_count + 1u); o += 4;
    for (uint32_t k = 0; k <= image->core_count; k++, o += 4) hb_put32(o, p->engine->dropped[k]);
    *out_length = (uint32_t)(o - out);
    return HB_OK;
}

/* RESET: the state a power-up gives, except the USB configuration. */
static void reboot(hb_protocol *p) {
    hb_flash flash = p->store->flash;
    reset_dfu(p);
    hb_store_open(p->store, &flash, p->profile);
    load_active(p);
    p->last_error = HB_OK;
    p->last_error_sequence = 0;
    p->frames_accepted = p->frames_rejected = p->runs_completed = 0;
}

static void execute(hb_protocol *p) {
    const uint8_t *frame = p->rx;
    const uint16_t version = hb_get16(frame + 4), type = hb_get16(frame + 6), sequence = hb_get16(frame + 8);
    const uint32_t length = hb_get32(frame + 12);
    const uint32_t crc = hb_get32(frame + HB_FRAME_HEADER_BYTES + length);
    if (hb_crc32(0, frame, HB_FRAME_HEADER_BYTES + length) != crc) {
        queue_reply(p, type, sequence, HB_FRAME_BAD_CRC, 0);
        return;
    }
    if (version < HB_PROTOCOL_MIN_VERSION || version > HB_PROTOCOL_VERSION) {
        hb_put16(reply_payload(p), HB_PROTOCOL_VERSION);
        hb_put16(reply_payload(p) + 2, HB_PROTOCOL_MIN_VERSION);
        queue_reply(p, type, sequence, HB_FRAME_UNSUPPORTED_VERSION, 4);
        return;
    }
    if (p->have_last && sequence == p->last_sequence && crc == p->last_crc) {
        p->tx_sent = 0; /* a retry: the same reply again, nothing executed twice */
        p->tx_needs_zlp = 0;
        return;
    }
    const uint8_t *in = frame + HB_FRAME_HEADER_BYTES;
    uint8_t *out = reply_payload(p);
    uint32_t out_length = 0;
    hb_status status;
    switch (type) {
    case HB_CMD_INFO:
        status = length == 0 ? HB_OK : HB_FRAME_BAD_PAYLOAD_LENGTH;
        if (status == HB_OK) out_length = info(p, out);
        break;
    case HB_CMD_STATUS:
        status = length == 0 ? HB_OK : HB_FRAME_BAD_PAYLOAD_LENGTH;
        if (status == HB_OK) out_length = status_reply(p, out);
        break;
    case HB_CMD_RESET:
        status = length == 0 ? HB_OK : HB_FRAME_BAD_PAYLOAD_LENGTH;
        if (status == HB_OK) reboot(p);
        break;
    case HB_CMD_RUN_BEGIN: status = run_begin(p, in, length); break;
    case HB_CMD_RUN_STEPS: status = run_steps(p, in, length, out, &out_length); break;
    case HB_CMD_RUN_RESULT: status = run_result(p, length, out, &out_length); break;
    default: status = HB_FRAME_UNKNOWN_COMMAND;
    }
    if (status != HB_OK) out_length = 0;
    queue_reply(p, type, sequence, status, out_length);
    p->have_last = 1;
    p->last_sequence = sequence;
    p->last_crc = crc;
}

static hb_bulk_result halt_out(hb_protocol *p, hb_status reason) {
    p->out_halted = 1;
    p->rx_length = 0;
    p->rx_expected = 0;
    p->frames_rejected++;
    note_error(p, reason, 0);
    return HB_BULK_STALL;
}

hb_bulk_result hb_protocol_bulk_out(hb_protocol *p, const uint8_t *packet, size_t length) {
    if (p->out_halted) return HB_BULK_STALL;
    if (length > HB_BULK_MAX_PACKET) return halt_out(p, HB_FRAME_OVERRUN);
    if (length == 0) return HB_BULK_ACK;
    if (p->rx_length == 0) {
        p->tx_sent = p->tx_length; /* a new request: an unread reply is dropped */
        p->tx_needs_zlp = 0;
    }
    size_t at = 0;
    while (at < length) {
        if (p->rx_expected == 0) {
            size_t n = HB_FRAME_HEADER_BYTES - p->rx_length;
            if (n > length - at) n = length - at;
            memcpy(p->rx + p->rx_length, packet + at, n);
            p->rx_length += (uint32_t)n;
            at += n;
            if (p->rx_length < HB_FRAME_HEADER_BYTES) break;
            if (!hb_same(p->rx, HB_FRAME_MAGIC, 4)) return halt_out(p, HB_FRAME_BAD_MAGIC);
            uint32_t payload = hb_get32(p->rx + 12);
            if (payload > HB_MAX_PAYLOAD) return halt_out(p, HB_FRAME_TOO_LARGE);
            p->rx_expected = HB_FRAME_HEADER_BYTES + payload + HB_FRAME_CRC_BYTES;
        }
        size_t n = p->rx_expected - p->rx_length;
        if (n > length - at) n = length - at;
        memcpy(p->rx + p->rx_length, packet + at, n);
        p->rx_length += (uint32_t)n;
        at += n;
        if (p->rx_length == p->rx_expected) {
            if (at != length) return halt_out(p, HB_FRAME_OVERRUN);
            execute(p);
            p->rx_length = 0;
            p->rx_expected = 0;
        }
    }
    return HB_BULK_ACK;
}

int hb_protocol_bulk_in(hb_protocol *p, uint8_t *packet, size_t capacity) {
    if (p->in_halted) return HB_BULK_STALL;
    if (p->tx_sent < p->tx_length) {
        uint32_t n = p->tx_length - p->tx_sent;
        if (n > HB_BULK_MAX_PACKET) n = HB_BULK_MAX_PACKET;
        if (n > capacity) return HB_BULK_NAK;
        memcpy(packet, p->tx + p->tx_sent, n);
        p->tx_sent += n;
        if (p->tx_sent == p->tx_length && n == HB_BULK_MAX_PACKET) p->tx_needs_zlp = 1;
        return (int)n;
    }
    if (p->tx_needs_zlp) {
        p->tx_needs_zlp = 0;
        return 0;
    }
    return HB_BULK_NAK;
}

void hb_protocol_clear_halt(hb_protocol *p, uint8_t endpoint) {
    if (endpoint == HB_EP_BULK_OUT) {
        p->out_halted = 0;
        p->rx_length = 0;
        p->rx_expected = 0;
    } else if (endpoint == HB_EP_BULK_IN) {
        p->in_halted = 0;
        p->tx_sent = p->tx_length;
        p->tx_needs_zlp = 0;
    }
}
