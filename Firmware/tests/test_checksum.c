#include <string.h>

#include "check.h"
#include "checksum.h"

static void crc32_check_value(void) {
    CHECK_EQ(hb_crc32(0, (const uint8_t *)"123456789", 9), 0xCBF43926u);
    CHECK_EQ(hb_crc32(0, (const uint8_t *)"", 0), 0u);
    /* continued = whole */
    CHECK_EQ(hb_crc32(hb_crc32(0, (const uint8_t *)"1234", 4), (const uint8_t *)"56789", 5), 0xCBF43926u);
}

static void sha256_published_vectors(void) {
    static const uint8_t abc[32] = {0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
                                    0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
    static const uint8_t empty[32] = {0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
                                      0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55};
    static const uint8_t two_blocks[32] = {0x24, 0x8d, 0x6a, 0x61, 0xd2, 0x06, 0x38, 0xb8, 0xe5, 0xc0, 0x26, 0x93, 0x0c, 0x3e, 0x60, 0x39,
                                           0xa3, 0x3c, 0xe4, 0x59, 0x64, 0xff, 0x21, 0x67, 0xf6, 0xec, 0xed, 0xd4, 0x19, 0xdb, 0x06, 0xc1};
    uint8_t d[32];
    hb_sha256((const uint8_t *)"abc", 3, d);
    CHECK(memcmp(d, abc, 32) == 0);
    hb_sha256((const uint8_t *)"", 0, d);
    CHECK(memcmp(d, empty, 32) == 0);
    const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    hb_sha256((const uint8_t *)m, strlen(m), d);
    CHECK(memcmp(d, two_blocks, 32) == 0);
    /* byte by byte through update = one shot */
    hb_sha256_ctx h;
    hb_sha256_init(&h);
    for (size_t i = 0; i < strlen(m); i++) hb_sha256_update(&h, (const uint8_t *)m + i, 1);
    hb_sha256_final(&h, d);
    CHECK(memcmp(d, two_blocks, 32) == 0);
}

const hb_test checksum_tests[] = {
    {"crc32: check value 0xCBF43926, continuation", crc32_check_value},
    {"sha256: FIPS 180-4 vectors, incremental", sha256_published_vectors},
    {NULL, NULL}};
