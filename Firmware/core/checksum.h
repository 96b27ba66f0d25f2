/* CRC32 (zlib / IEEE 802.3) and SHA-256 (FIPS 180-4), carried by the firmware itself because it
 * must stay dependency-free; the host side of the project uses zlib and swift-crypto. */
#ifndef HB_CHECKSUM_H
#define HB_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

/* CRC32 of `length` bytes continued from `crc` (start with 0): crc32(0, a+b) = crc32(crc32(0, a), b). */
uint32_t hb_crc32(uint32_t crc, const uint8_t *bytes, size_t length);

typedef struct hb_sha256 {
    uint32_t state[8];
    uint64_t length;        /* bytes hashed so far */
    uint8_t block[64];
    uint32_t block_used;
} hb_sha256_ctx;

void hb_sha256_init(hb_sha256_ctx *h);
void hb_sha256_update(hb_sha256_ctx *h, const uint8_t *bytes, size_t length);
void hb_sha256_final(hb_sha256_ctx *h, uint8_t digest[32]);
void hb_sha256(const uint8_t *bytes, size_t length, uint8_t digest[32]);

#endif
