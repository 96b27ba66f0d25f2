#include "store.h"

#include <string.h>

#include "bytes.h"
#include "checksum.h"

static const uint8_t record_magic[4] = {'H', 'B', 'S', 'R'};

static uint32_t slot_base(const hb_store *s, int slot) { return 2u * s->flash.sector_size + (uint32_t)slot * s->slot_bytes; }
static const uint8_t *flash_bytes(const hb_store *s) { return s->flash.ops->map(s->flash.context); }

uint32_t hb_store_flash_bytes(uint32_t max_image_bytes, uint32_t sector_size) {
    uint32_t slot = (max_image_bytes + sector_size - 1u) / sector_size * sector_size;
    return 2u * sector_size + 2u * slot;
}

/* A record: "HBSR", u32 sequence, u32 slot, u32 length, sha[32], u32 CRC32 of the 48 bytes before. */
static int read_record(const hb_store *s, int sector, uint32_t *sequence, int *slot, uint32_t *length,
                       const uint8_t **sha) {
    const uint8_t *r = flash_bytes(s) + (uint32_t)sector * s->flash.sector_size;
    if (!hb_same(r, record_magic, 4) || hb_crc32(0, r, 48) != hb_get32(r + 48)) return 0;
    *sequence = hb_get32(r + 4);
    uint32_t which = hb_get32(r + 8);
    *length = hb_get32(r + 12);
    *sha = r + 16;
    if (which > 1 || *length < HB_IMAGE_MIN_BYTES || *length > s->profile->max_image_bytes) return 0;
    *slot = (int)which;
    return 1;
}

/* Makes slot `slot` of `length` bytes the parsed active image if it verifies (and, with `sha`,
 * carries that digest). */
static int adopt(hb_store *s, int slot, uint32_t length, const uint8_t *sha) {
    const uint8_t *bytes = flash_bytes(s) + slot_base(s, slot);
    if (hb_image_parse(&s->image, bytes, length, s->profile, NULL) != HB_OK) return 0;
    if (sha && !hb_same(sha, s->image.digest, 32)) return 0;
    s->active_slot = slot;
    s->active_length = length;
    return 1;
}

static void boot(hb_store *s) {
    uint32_t sequence[2], length[2];
    int slot[2], valid[2];
    const uint8_t *sha[2];
    for (int r = 0; r < 2; r++) valid[r] = read_record(s, r, &sequence[r], &slot[r], &length[r], &sha[r]);
    s->active_slot = -1;
    s->active_length = 0;
    s->active_sequence = 0;
    s->active_record = -1;
    /* Newest first; sequence numbers compare modulo 2^32 (a newer record is 1 ahead). */
    int first = valid[0] && valid[1] ? ((int32_t)(sequence[1] - sequence[0]) > 0 ? 1 : 0) : (valid[1] ? 1 : 0);
    for (int k = 0; k < 2; k++) {
        int r = k == 0 ? first : 1 - first;
        if (valid[r] && adopt(s, slot[r], length[r], sha[r])) {
            s->active_sequence = sequence[r];
            s->active_record = r;
            return;
        }
    }
}

hb_status hb_store_open(hb_store *s, const hb_flash *flash, const hb_profile *profile) {
    s->flash = *flash;
    s->profile = profile;
    s->slot_bytes = (profile->max_image_bytes + flash->sector_size - 1u) / flash->sector_size * flash->sector_size;
    s->writing = 0;
    s->active_slot = -1;
    if (flash->sector_size < 64u || hb_store_flash_bytes(profile->max_image_bytes, flash->sector_size) > flash->size) {
        return HB_STORE_ERASE_FAILED;
    }
    boot(s);
    return HB_OK;
}

const hb_image *hb_store_active_image(const hb_store *s) { return s->active_slot >= 0 ? &s->image : NULL; }

hb_status hb_store_begin(hb_store *s) {
    s->writing = 1;
    s->write_slot = s->active_slot >= 0 ? 1 - s->active_slot : 0;
    s->written = 0;
    s->erased = 0;
    return HB_OK;
}

static hb_status program_verified(hb_store *s, uint32_t offset, const uint8_t *data, uint32_t length) {
    if (s->flash.ops->program(s->flash.context, offset, data, length) != 0) return HB_STORE_PROGRAM_FAILED;
    if (!hb_same(flash_bytes(s) + offset, data, length)) return HB_STORE_VERIFY_FAILED;
    return HB_OK;
}

hb_status hb_store_write(hb_store *s, const uint8_t *data, uint32_t length) {
    if (!s->writing) return HB_STORE_NO_SESSION;
    if (length > s->profile->max_image_bytes - s->written) {
        s->writing = 0;
        return HB_IMG_TOO_LARGE;
    }
    uint32_t base = slot_base(s, s->write_slot);
    while (s->erased < s->written + length) {
        if (s->flash.ops->erase(s->flash.context, base + s->erased) != 0) {
            s->writing = 0;
            return HB_STORE_ERASE_FAILED;
        }
        s->erased += s->flash.sector_size;
    }
    hb_status status = program_verified(s, base + s->written, data, length);
    if (status != HB_OK) {
        s->writing = 0;
        return status;
    }
    s->written += length;
    return HB_OK;
}

void hb_store_abort(hb_store *s) { s->writing = 0; }

/* After a refused commit the parsed view must describe the old image again. */
static void restore(hb_store *s) {
    if (s->active_slot >= 0 && !adopt(s, s->active_slot, s->active_length, NULL)) s->active_slot = -1;
}

hb_status hb_store_commit(hb_store *s) {
    if (!s->writing) return HB_STORE_NO_SESSION;
    s->writing = 0;
    const uint8_t *bytes = flash_bytes(s) + slot_base(s, s->write_slot);
    uint64_t expected = 0;
    if (!hb_image_expected_length(bytes, s->written, &expected) || expected > s->written) {
        /* A complete framing that announces more bytes than arrived, or not even the headers. */
        if (s->written < HB_IMAGE_MIN_BYTES || hb_same(bytes, "HM2BPIMG", 8)) return HB_STORE_INCOMPLETE;
    }
    int old_slot = s->active_slot;
    hb_status status = hb_image_parse(&s->image, bytes, s->written, s->profile, NULL);
    if (status != HB_OK) {
        restore(s);
        return status;
    }

    uint8_t record[HB_RECORD_BYTES];
    uint32_t sequence = s->active_sequence + 1u;
    int sector = s->active_record >= 0 ? 1 - s->active_record : 0;
    memcpy(record, record_magic, 4);
    hb_put32(record + 4, sequence);
    hb_put32(record + 8, (uint32_t)s->write_slot);
    hb_put32(record + 12, s->written);
    memcpy(record + 16, s->image.digest, 32);
    hb_put32(record + 48, hb_crc32(0, record, 48));
    uint32_t offset = (uint32_t)sector * s->flash.sector_size;
    if (s->flash.ops->erase(s->flash.context, offset) != 0) status = HB_STORE_ERASE_FAILED;
    else status = program_verified(s, offset, record, HB_RECORD_BYTES);
    if (status != HB_OK) {
        s->active_slot = old_slot;
        restore(s);
        return status;
    }
    s->active_slot = s->write_slot;
    s->active_length = s->written;
    s->active_sequence = sequence;
    s->active_record = sector;
    return HB_OK;
}
