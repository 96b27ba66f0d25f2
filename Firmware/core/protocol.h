/* The board's USB function as a transport-independent unit (docs/usb-protocol.md).
 *
 * The unit knows nothing of a USB controller: a transport (the MCU's device controller driver,
 * the umockdev virtual board, a test) hands it EP0 setup requests with their data stage, bulk OUT
 * packets, and asks it for bulk IN packets. It answers with its own descriptors (built from the
 * board profile), DFU 1.1 on interface 1 (image download into the inactive store slot, upload of
 * the active image) and framed vendor messages on interface 0 (info, status, reset, run).
 *
 * No allocation: the caller owns every object; hb_protocol holds its buffers inline.
 * Not thread-safe: a transport calling from several threads takes one lock around every call.
 * Every call finishes its side effects before it returns (so a transport may complete the
 * control status stage right after hb_protocol_setup returns). */
#ifndef HB_PROTOCOL_H
#define HB_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

#include "profile.h"
#include "status.h"

struct hb_store;  /* store.h: the two-slot image store over a flash interface */
struct hb_engine; /* engine.h: the integer engine and its state memory */

/* ---- Fixed numbers of protocol version 1 (docs/usb-protocol.md) ---- */
#define HB_PROTOCOL_VERSION 1u          /* the version this firmware speaks */
#define HB_PROTOCOL_MIN_VERSION 1u      /* the oldest version it still accepts */
#define HB_FIRMWARE_VERSION 0x00010000u /* major << 16 | minor << 8 | patch: 1.0.0 */

#define HB_EP0_MAX_PACKET 64u
#define HB_BULK_MAX_PACKET 64u          /* full-speed bulk */
#define HB_EP_BULK_OUT 0x01u            /* descriptors are the truth; hosts must read them */
#define HB_EP_BULK_IN 0x81u
#define HB_INTERFACE_VENDOR 0u
#define HB_INTERFACE_DFU 1u

#define HB_FRAME_MAGIC "HBPF"
#define HB_FRAME_HEADER_BYTES 16u
#define HB_FRAME_CRC_BYTES 4u
#define HB_MAX_PAYLOAD 4096u
#define HB_MAX_FRAME (HB_FRAME_HEADER_BYTES + HB_MAX_PAYLOAD + HB_FRAME_CRC_BYTES)
/* A host reads replies with a buffer of this size: a multiple of the packet size larger than any
 * frame, so a reply always ends with a short (or zero-length) packet before the buffer is full. */
#define HB_HOST_READ_BUFFER 4160u

#define HB_DFU_TRANSFER_SIZE 1024u      /* wTransferSize of the DFU functional descriptor */
#define HB_CONTROL_BUFFER HB_DFU_TRANSFER_SIZE

/* Vendor frame commands; a reply has the command's code with bit 15 set. */
enum hb_command {
    HB_CMD_INFO = 0x0001,
    HB_CMD_STATUS = 0x0002,
    HB_CMD_RESET = 0x0003,
    HB_CMD_RUN_BEGIN = 0x0010,
    HB_CMD_RUN_STEPS = 0x0011,
    HB_CMD_RUN_RESULT = 0x0012
};
#define HB_REPLY_BIT 0x8000u
#define HB_RUN_FLAG_TRACE 0x00000001u   /* RUN_STEPS replies carry every core's spikes */

/* Vendor control request on EP0 (device recipient): 4 bytes, u16 version, u16 min version. */
#define HB_VENDOR_REQUEST_GET_VERSION 0x01u

/* DFU 1.1 class requests, states and status codes (DFU 1.1 spec, section 6). */
enum hb_dfu_request {
    HB_DFU_DETACH = 0, HB_DFU_DNLOAD = 1, HB_DFU_UPLOAD = 2, HB_DFU_GETSTATUS = 3,
    HB_DFU_CLRSTATUS = 4, HB_DFU_GETSTATE = 5, HB_DFU_ABORT = 6
};
enum hb_dfu_state {
    HB_DFU_STATE_APP_IDLE = 0, HB_DFU_STATE_APP_DETACH = 1, HB_DFU_STATE_IDLE = 2,
    HB_DFU_STATE_DNLOAD_SYNC = 3, HB_DFU_STATE_DNBUSY = 4, HB_DFU_STATE_DNLOAD_IDLE = 5,
    HB_DFU_STATE_MANIFEST_SYNC = 6, HB_DFU_STATE_MANIFEST = 7, HB_DFU_STATE_MANIFEST_WAIT_RESET = 8,
    HB_DFU_STATE_UPLOAD_IDLE = 9, HB_DFU_STATE_ERROR = 10
};
enum hb_dfu_status {
    HB_DFU_OK = 0x00, HB_DFU_ERR_TARGET = 0x01, HB_DFU_ERR_FILE = 0x02, HB_DFU_ERR_WRITE = 0x03,
    HB_DFU_ERR_ERASE = 0x04, HB_DFU_ERR_CHECK_ERASED = 0x05, HB_DFU_ERR_PROG = 0x06,
    HB_DFU_ERR_VERIFY = 0x07, HB_DFU_ERR_ADDRESS = 0x08, HB_DFU_ERR_NOTDONE = 0x09,
    HB_DFU_ERR_FIRMWARE = 0x0A, HB_DFU_ERR_VENDOR = 0x0B, HB_DFU_ERR_USBR = 0x0C,
    HB_DFU_ERR_POR = 0x0D, HB_DFU_ERR_UNKNOWN = 0x0E, HB_DFU_ERR_STALLEDPKT = 0x0F
};

/* String descriptor indices. */
enum hb_string_index {
    HB_STRING_LANGUAGES = 0, HB_STRING_MANUFACTURER = 1, HB_STRING_PRODUCT = 2,
    HB_STRING_SERIAL = 3, HB_STRING_VENDOR_INTERFACE = 4, HB_STRING_DFU_INTERFACE = 5,
    HB_STRING_LAST_ERROR = 6 /* GETSTATUS iString: the last refusal in words */
};

/* ---- What a transport gets back ---- */

/* An EP0 setup packet, fields as on the wire (little-endian decoded). */
typedef struct hb_setup {
    uint8_t bmRequestType;
    uint8_t bRequest;
    uint16_t wValue;
    uint16_t wIndex;
    uint16_t wLength;
} hb_setup;

typedef enum hb_ep0_result {
    HB_EP0_ACK = 0,  /* complete the request: IN: send *in_length bytes; OUT: status stage */
    HB_EP0_STALL = 1 /* stall the request (unknown, malformed or not allowed now) */
} hb_ep0_result;

typedef enum hb_bulk_result {
    HB_BULK_ACK = 0,   /* OUT: packet taken */
    HB_BULK_NAK = -1,  /* IN: nothing to send yet; ask again later */
    HB_BULK_STALL = -2 /* the endpoint is halted until the host clears the halt */
} hb_bulk_result;

/* ---- The unit ---- */

typedef struct hb_protocol {
    /* Read-only for callers; the fields below are the implementation's. */
    const hb_profile *profile;
    struct hb_store *store;
    struct hb_engine *engine;
    uint8_t configuration;            /* 0 = not configured, 1 = configured */

    /* vendor bulk: frame being received */
    uint8_t rx[HB_MAX_FRAME];
    uint32_t rx_length;               /* bytes received of the current frame */
    uint32_t rx_expected;             /* frame length once the header is in, else 0 */
    uint8_t out_halted, in_halted;
    /* vendor bulk: reply being sent */
    uint8_t tx[HB_MAX_FRAME];
    uint32_t tx_length, tx_sent;      /* tx_sent == tx_length: nothing left */
    uint8_t tx_needs_zlp;
    uint8_t have_last;                /* a retry of the last request gets the last reply again */
    uint16_t last_sequence;
    uint32_t last_crc;

    /* run state */
    uint8_t run_active;
    uint32_t run_flags;
    uint32_t run_next_step;

    /* counters and last error (STATUS) */
    hb_status last_error;
    uint16_t last_error_sequence;
    uint32_t frames_accepted, frames_rejected, runs_completed;

    /* DFU */
    uint8_t dfu_state;                /* enum hb_dfu_state */
    uint8_t dfu_status;               /* enum hb_dfu_status */
    hb_status dfu_detail;             /* the refusal behind dfu_status */
    uint16_t dfu_next_block;
    uint32_t dfu_offset;              /* bytes downloaded or uploaded so far */
} hb_protocol;

/* Boot: bind the profile, the store (already opened with hb_store_open) and the engine; load the
 * store's active image into the engine if there is one. Returns HB_OK, or the reason the active
 * image could not be loaded (the board still runs: DFU works, INFO reports no image). */
hb_status hb_protocol_init(hb_protocol *p, const hb_profile *profile,
                           struct hb_store *store, struct hb_engine *engine);

/* A USB bus reset: deconfigure, drop partial frames and pending replies, abort a DFU transfer
 * (back to dfuIDLE; the active image is untouched). */
void hb_protocol_bus_reset(hb_protocol *p);

/* An EP0 control request. For host-to-device requests `out` holds the wLength bytes of the data
 * stage (NULL when wLength is 0). For device-to-host requests the answer goes to `in`
 * (capacity `in_capacity` >= wLength), its length to *in_length (<= wLength). Covers the
 * standard requests (GET_DESCRIPTOR, SET_ADDRESS, SET/GET_CONFIGURATION, GET_STATUS,
 * SET/GET_INTERFACE, CLEAR/SET_FEATURE ENDPOINT_HALT), the DFU class requests on interface 1
 * and the vendor request GET_VERSION. SET_ADDRESS is acknowledged; the address is the
 * transport's business. */
hb_ep0_result hb_protocol_setup(hb_protocol *p, const hb_setup *setup, const uint8_t *out,
                                uint8_t *in, size_t in_capacity, size_t *in_length);

/* One bulk OUT packet (0 ... HB_BULK_MAX_PACKET bytes) on HB_EP_BULK_OUT. When it completes a
 * frame, the frame is executed before the call returns and its reply queued for bulk IN.
 * Returns HB_BULK_ACK, or HB_BULK_STALL when the endpoint is (or just became) halted. */
hb_bulk_result hb_protocol_bulk_out(hb_protocol *p, const uint8_t *packet, size_t length);

/* The next bulk IN packet on HB_EP_BULK_IN into `packet` (capacity >= HB_BULK_MAX_PACKET).
 * Returns its length (0 = a zero-length packet that ends a reply), HB_BULK_NAK when no reply is
 * pending, or HB_BULK_STALL when the endpoint is halted. */
int hb_protocol_bulk_in(hb_protocol *p, uint8_t *packet, size_t capacity);

/* The host cleared ENDPOINT_HALT on `endpoint` (also reachable as a CLEAR_FEATURE setup request):
 * resets that endpoint's side (OUT: drop the partial frame; IN: drop the pending reply). */
void hb_protocol_clear_halt(hb_protocol *p, uint8_t endpoint);

/* The descriptors, as GET_DESCRIPTOR answers them (a virtual board needs them up front).
 * Return the full length written, or 0 when `capacity` is too small. */
size_t hb_protocol_device_descriptor(const hb_protocol *p, uint8_t *out, size_t capacity);
size_t hb_protocol_config_descriptor(const hb_protocol *p, uint8_t *out, size_t capacity);
/* String descriptor `index` (UTF-16LE with its 2-byte header); 0 when there is none. */
size_t hb_protocol_string_descriptor(const hb_protocol *p, uint8_t index, uint8_t *out,
                                     size_t capacity);

#endif
