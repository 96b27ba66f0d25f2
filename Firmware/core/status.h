/* Result codes shared by the image parser, the image store, the engine and the USB protocol.
 * The numbers are part of the USB protocol (docs/usb-protocol.md, "Result codes"): a reply frame
 * carries one in its status field and STATUS reports the last one, so they never change meaning. */
#ifndef HB_STATUS_H
#define HB_STATUS_H

typedef enum hb_status {
    HB_OK = 0x0000,

    /* Frame level (vendor bulk interface). */
    HB_FRAME_BAD_MAGIC = 0x0101,          /* first 4 bytes are not "HBPF": OUT endpoint stalls */
    HB_FRAME_UNSUPPORTED_VERSION = 0x0102,/* the frame's protocol version is not one the board speaks */
    HB_FRAME_TOO_LARGE = 0x0103,          /* payload length above HB_MAX_PAYLOAD: OUT endpoint stalls */
    HB_FRAME_BAD_CRC = 0x0104,            /* CRC32 of the frame does not match */
    HB_FRAME_UNKNOWN_COMMAND = 0x0105,
    HB_FRAME_BAD_PAYLOAD_LENGTH = 0x0106, /* payload length wrong for the command */
    HB_FRAME_OVERRUN = 0x0107,            /* a packet carried bytes past the frame's end: OUT stalls */

    /* Command level. */
    HB_CMD_NO_IMAGE = 0x0201,             /* no valid image is active */
    HB_CMD_BAD_ARGUMENT = 0x0202,         /* a field of the request is out of range */
    HB_CMD_NO_RUN = 0x0203,               /* RUN_STEPS or RUN_RESULT without RUN_BEGIN */
    HB_CMD_STEP_OUT_OF_ORDER = 0x0204,    /* RUN_STEPS firstStep is not the next step */
    HB_CMD_REPLY_TOO_LARGE = 0x0205,      /* the answer would exceed HB_MAX_PAYLOAD: send fewer steps */
    HB_CMD_RUN_INCOMPLETE = 0x0206,       /* RUN_RESULT before all T steps ran */

    /* Image parser and validator (docs/image-format.md), one code per check. */
    HB_IMG_TRUNCATED = 0x0301,
    HB_IMG_BAD_MAGIC = 0x0302,
    HB_IMG_UNSUPPORTED_VERSION = 0x0303,
    HB_IMG_BAD_SHA256 = 0x0304,
    HB_IMG_BAD_SECTION_COUNT = 0x0305,
    HB_IMG_BAD_SECTION_TAG = 0x0306,
    HB_IMG_BAD_SECTION_LENGTH = 0x0307,
    HB_IMG_BAD_SECTION_CRC = 0x0308,
    HB_IMG_BAD_HEAD = 0x0309,
    HB_IMG_BAD_TRGT = 0x030A,
    HB_IMG_BAD_NEUR = 0x030B,
    HB_IMG_BAD_SYNS = 0x030C,
    HB_IMG_BAD_ROUT = 0x030D,
    HB_IMG_BAD_IMAP = 0x030E,
    HB_IMG_BAD_OMAP = 0x030F,
    HB_IMG_BAD_META = 0x0310,
    HB_IMG_SECTION_NOT_CONSUMED = 0x0311, /* a payload has bytes its fields do not use */
    HB_IMG_TRAILING_BYTES = 0x0312,       /* bytes after the digest */
    HB_IMG_LAYER_CHAIN = 0x0313,          /* layer input/output counts do not chain */
    HB_IMG_CORE_TILING = 0x0314,          /* cores do not tile a layer exactly once (a spatial layer: its tiles do not
                                             tile the output map exactly once, or their neurons are not in core order) */
    HB_IMG_ROUTE_TARGET = 0x0315,         /* a route names a missing core or lands past its axons */
    HB_IMG_OUTPUT_COVER = 0x0316,         /* output map does not cover every output exactly once */
    HB_IMG_WRONG_TARGET = 0x0320,         /* TRGT name or kind is not this board's */
    HB_IMG_WRONG_USB_ID = 0x0321,         /* TRGT vendor:product is not this board's */
    HB_IMG_WRONG_PROTOCOL = 0x0322,       /* TRGT protocolVersion is not this board's */
    HB_IMG_TOO_LARGE = 0x0323,            /* more bytes than the board's maxImageBytes */
    HB_IMG_EXCEEDS_BOARD = 0x0324,        /* more cores, layers or neurons than the engine holds, or a drive that could reach 2^62 */
    HB_IMG_BAD_LAYER_GEOMETRY = 0x0325,   /* version 2 NEUR: a layer kind outside 0 ... 2, a convolution or pooling geometry
                                             that breaks its rules, or lateral inhibition on a spatial layer */
    HB_IMG_BAD_CORE_TILE = 0x0326,        /* version 2 SYNS: a spatial core's form outside 0/1, a tile outside its layer's
                                             output map or not neuronCount neurons, or an axonCount other than its window's */

    /* Image store (two slots over flash). */
    HB_STORE_NO_SESSION = 0x0401,         /* write or commit without begin */
    HB_STORE_INCOMPLETE = 0x0402,         /* commit before the whole image was written */
    HB_STORE_ERASE_FAILED = 0x0403,
    HB_STORE_PROGRAM_FAILED = 0x0404,
    HB_STORE_VERIFY_FAILED = 0x0405,      /* flash read-back differs from what was programmed */
    HB_STORE_NO_IMAGE = 0x0406,           /* neither slot holds a valid image */

    /* DFU requests. */
    HB_DFU_BAD_BLOCK = 0x0501,            /* block number not the next one, or block longer than wTransferSize */
    HB_DFU_BAD_REQUEST = 0x0502           /* request not allowed in the current DFU state */
} hb_status;

/* A short English name of a code ("image: bad SHA-256"), never NULL. */
const char *hb_status_text(hb_status status);

#endif
