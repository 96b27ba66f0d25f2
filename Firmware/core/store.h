/* The image store: two slots (A, B) and two slot-record sectors over a flash (flash.h).
 *
 * Flash layout: record sector 0 | record sector 1 | slot A | slot B, each slot
 * `slot_bytes` = the profile's maxImageBytes rounded up to whole sectors.
 * A new image goes into the slot that is not active; it becomes active only when it verified
 * completely (hb_image_parse with the board's profile) and a new slot record (sequence number,
 * slot, length, SHA-256, CRC32) has been written into the record sector that does not hold the
 * current record. That write is the commit. At boot the valid record with the highest sequence
 * number whose slot still verifies wins, so a power loss at any point boots the previous image,
 * or the new one once its record is complete. */
#ifndef HB_STORE_H
#define HB_STORE_H

#include <stdint.h>

#include "flash.h"
#include "image.h"
#include "profile.h"
#include "status.h"

#define HB_RECORD_BYTES 52u

typedef struct hb_store {
    hb_flash flash;
    const hb_profile *profile;
    uint32_t slot_bytes;
    /* the active image */
    int active_slot;                 /* 0 = A, 1 = B, -1 = none */
    uint32_t active_length;
    uint32_t active_sequence;
    int active_record;               /* record sector of the active record */
    hb_image image;                  /* the active image, parsed (valid when active_slot >= 0) */
    /* a download in progress */
    int writing;
    int write_slot;
    uint32_t written, erased;
} hb_store;

/* Boot: pick the active image from the records (recovering from any interrupted download or
 * commit). HB_OK with or without an image (see hb_store_active_image); an error only for a
 * flash too small for the layout. */
hb_status hb_store_open(hb_store *store, const hb_flash *flash, const hb_profile *profile);

/* The parsed active image, or NULL. */
const hb_image *hb_store_active_image(const hb_store *store);

/* Starts a download into the inactive slot (any earlier unfinished one is abandoned). */
hb_status hb_store_begin(hb_store *store);
/* Appends bytes (erasing sectors as the write reaches them, verifying each program by reading it
 * back). HB_IMG_TOO_LARGE past maxImageBytes; the download is then over. */
hb_status hb_store_write(hb_store *store, const uint8_t *data, uint32_t length);
/* Verifies the whole downloaded image and commits it. On any refusal the download is over and the
 * previous image stays active: HB_STORE_NO_SESSION, HB_STORE_INCOMPLETE (fewer bytes than the
 * framing announces), an HB_IMG_* code, or a flash failure. */
hb_status hb_store_commit(hb_store *store);
/* Abandons a download; the active image is untouched. */
void hb_store_abort(hb_store *store);

/* Layout size for a profile and sector size (what a board's flash must hold). */
uint32_t hb_store_flash_bytes(uint32_t max_image_bytes, uint32_t sector_size);

#endif
