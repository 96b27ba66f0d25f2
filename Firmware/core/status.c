#include "status.h"

const char *hb_status_text(hb_status status) {
    switch (status) {
    case HB_OK: return "ok";
    case HB_FRAME_BAD_MAGIC: return "frame: bad magic";
    case HB_FRAME_UNSUPPORTED_VERSION: return "frame: unsupported protocol version";
    case HB_FRAME_TOO_LARGE: return "frame: payload too large";
    case HB_FRAME_BAD_CRC: return "frame: bad CRC32";
    case HB_FRAME_UNKNOWN_COMMAND: return "frame: unknown command";
    case HB_FRAME_BAD_PAYLOAD_LENGTH: return "frame: wrong payload length for the command";
    case HB_FRAME_OVERRUN: return "frame: bytes past the end of the frame";
    case HB_CMD_NO_IMAGE: return "no valid image is active";
    case HB_CMD_BAD_ARGUMENT: return "bad argument";
    case HB_CMD_NO_RUN: return "no run begun";
    case HB_CMD_STEP_OUT_OF_ORDER: return "run step out of order";
    case HB_CMD_REPLY_TOO_LARGE: return "reply too large: send fewer steps";
    case HB_CMD_RUN_INCOMPLETE: return "run incomplete";
    case HB_IMG_TRUNCATED: return "image: truncated";
    case HB_IMG_BAD_MAGIC: return "image: bad magic";
    case HB_IMG_UNSUPPORTED_VERSION: return "image: unsupported format version";
    case HB_IMG_BAD_SHA256: return "image: SHA-256 mismatch";
    case HB_IMG_BAD_SECTION_COUNT: return "image: bad section count";
    case HB_IMG_BAD_SECTION_TAG: return "image: bad section tag";
    case HB_IMG_BAD_SECTION_LENGTH: return "image: bad section length";
    case HB_IMG_BAD_SECTION_CRC: return "image: section CRC32 mismatch";
    case HB_IMG_BAD_HEAD: return "image: bad HEAD";
    case HB_IMG_BAD_TRGT: return "image: bad TRGT";
    case HB_IMG_BAD_NEUR: return "image: bad NEUR";
    case HB_IMG_BAD_SYNS: return "image: bad SYNS";
    case HB_IMG_BAD_ROUT: return "image: bad ROUT";
    case HB_IMG_BAD_IMAP: return "image: bad IMAP";
    case HB_IMG_BAD_OMAP: return "image: bad OMAP";
    case HB_IMG_BAD_META: return "image: bad META";
    case HB_IMG_SECTION_NOT_CONSUMED: return "image: unexpected bytes at the end of a section";
    case HB_IMG_TRAILING_BYTES: return "image: unexpected bytes after the last section";
    case HB_IMG_LAYER_CHAIN: return "image: layer sizes do not chain";
    case HB_IMG_CORE_TILING: return "image: cores do not tile a layer exactly once";
    case HB_IMG_ROUTE_TARGET: return "image: a route lands outside the cores or axons";
    case HB_IMG_OUTPUT_COVER: return "image: output map does not cover every output once";
    case HB_IMG_WRONG_TARGET: return "image: built for another target";
    case HB_IMG_WRONG_USB_ID: return "image: built for another USB vendor:product";
    case HB_IMG_WRONG_PROTOCOL: return "image: built for another protocol version";
    case HB_IMG_TOO_LARGE: return "image: larger than the board's maxImageBytes";
    case HB_IMG_EXCEEDS_BOARD: return "image: exceeds the board's engine memory";
    case HB_IMG_BAD_LAYER_GEOMETRY: return "image: bad convolution or pooling layer geometry";
    case HB_IMG_BAD_CORE_TILE: return "image: bad spatial core tile, form or window";
    case HB_STORE_NO_SESSION: return "store: no download in progress";
    case HB_STORE_INCOMPLETE: return "store: image incomplete";
    case HB_STORE_ERASE_FAILED: return "store: flash erase failed";
    case HB_STORE_PROGRAM_FAILED: return "store: flash program failed";
    case HB_STORE_VERIFY_FAILED: return "store: flash read-back differs";
    case HB_STORE_NO_IMAGE: return "store: no valid image";
    case HB_DFU_BAD_BLOCK: return "dfu: bad block number or size";
    case HB_DFU_BAD_REQUEST: return "dfu: request not allowed in this state";
    }
    return "unknown code";
}
