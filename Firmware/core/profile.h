/* The board's own identity and limits: the `board` fields of Targets/<board>.json
 * (docs/targets.md) plus the firmware's serial number. The image parser refuses an image whose
 * TRGT section names another target, USB identity or protocol version. */
#ifndef HB_PROFILE_H
#define HB_PROFILE_H

#include <stdint.h>

#define HB_TARGET_NAME_MAX 64
#define HB_SERIAL_MAX 32

typedef struct hb_profile {
    char target_name[HB_TARGET_NAME_MAX + 1]; /* e.g. "hm2bp-nano" */
    uint16_t usb_vendor_id;                    /* board.usbVendorId, e.g. 0x1209 */
    uint16_t usb_product_id;                   /* board.usbProductId, e.g. 0xb2b1 */
    uint16_t protocol_version;                 /* board.protocolVersion: the USB protocol spoken */
    uint32_t max_image_bytes;                  /* board.maxImageBytes: the capacity of one slot */
    char serial[HB_SERIAL_MAX + 1];            /* USB iSerialNumber, printable ASCII */
} hb_profile;

#endif
