#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "flash_ram.h"
#include "image_builder.h"
#include "store.h"

#define SECTOR 256u
#define CHUNK 64u
static const hb_profile profile = {"test-board", 0x1209, 0xb2b0, 1, 2048, "T0001"};
static uint8_t memory[2 * SECTOR + 2 * 2048];
static uint8_t snapshot[sizeof memory];
static hb_ram_flash ram;
static hb_flash flash;
static hb_store store;
static uint8_t image_a[1024], image_b[1024], image_c[1024];
static size_t length_a, length_b, length_c;

static void make_images(void) {
    tb_image im;
    tb_two_layers(&im);
    length_a = tb_encode(&im, image_a, sizeof image_a);
    im.layer[0].threshold[0] = 9;
    length_b = tb_encode(&im, image_b, sizeof image_b);
    im.time_steps = 40;
    length_c = tb_encode(&im, image_c, sizeof image_c);
}

static void fresh_flash(void) {
    hb_ram_flash_init(&ram, memory, sizeof memory, SECTOR);
    flash = hb_ram_flash_interface(&ram);
    hb_store_open(&store, &flash, &profile);
}

static hb_status download(const uint8_t *bytes, size_t length) {
    hb_status s = hb_store_begin(&store);
    for (size_t at = 0; at < length && s == HB_OK; at += CHUNK) {
        s = hb_store_write(&store, bytes + at, (uint32_t)(length - at < CHUNK ? length - at : CHUNK));
    }
    return s == HB_OK ? hb_store_commit(&store) : s;
}

/* Which image the store booted: 'A', 'B', 'C', or '-' for none; '?' for anything else. */
static char booted(void) {
    const hb_image *image = hb_store_active_image(&store);
    if (!image) return '-';
    if (image->length == length_a && memcmp(image->bytes, image_a, length_a) == 0) return 'A';
    if (image->length == length_b && memcmp(image->bytes, image_b, length_b) == 0) return 'B';
    if (image->length == length_c && memcmp(image->bytes, image_c, length_c) == 0) return 'C';
    return '?';
}

static void reboot(void) {
    hb_ram_flash_power_on(&ram);
    hb_store_open(&store, &flash, &profile);
}

static void downloads_and_boots(void) {
    make_images();
    fresh_flash();
    CHECK_EQ(booted(), '-');
    CHECK_EQ(download(image_a, length_a), HB_OK);
    CHECK_EQ(booted(), 'A');
    CHECK_EQ(store.active_slot, 0);
    reboot();
    CHECK_EQ(booted(), 'A');
    CHECK_EQ(download(image_b, length_b), HB_OK);
    CHECK_EQ(store.active_slot, 1);
    reboot();
    CHECK_EQ(booted(), 'B');
    CHECK_EQ(download(image_c, length_c), HB_OK);
    CHECK_EQ(store.active_slot, 0);
    reboot();
    CHECK_EQ(booted(), 'C');
}

/* Cuts the power at `cut` units into downloading `next` over a store booting `before`; after the
 * reboot the board must run `before`, or `next` if the commit returned OK. Returns 1 if it held. */
static int interrupted(int64_t cut, const uint8_t *next, size_t next_length, char before, char after) {
    memcpy(memory, snapshot, sizeof memory);
    hb_ram_flash_power_on(&ram);
    hb_store_open(&store, &flash, &profile);
    hb_ram_flash_cut_after(&ram, cut);
    hb_status s = download(next, next_length);
    reboot();
    char b = booted();
    int ok = s == HB_OK ? b == after : (b == before || b == after);
    if (!ok) printf("    cut at %lld: commit %s, booted %c\n", (long long)cut, hb_status_text(s), b);
    return ok;
}

/* Power loss at every chunk boundary, at random bytes inside chunks, and at every unit of work of
 * the commit, from an empty board, from A with B, and from B with C (slot B to A). */
static void power_loss_anywhere(void) {
    make_images();
    struct { const uint8_t *first; size_t first_length; char before; const uint8_t *next; size_t next_length; char after; } scenarios[] = {
        {NULL, 0, '-', image_a, 0, 'A'}, {image_a, 0, 'A', image_b, 0, 'B'}, {image_b, 0, 'B', image_c, 0, 'C'}};
    scenarios[0].next_length = length_a;
    scenarios[1].first_length = length_a; scenarios[1].next_length = length_b;
    scenarios[2].first_length = length_b; scenarios[2].next_length = length_c;
    uint32_t tried = 0, held = 0;
    srand(11);
    for (int k = 0; k < 3; k++) {
        fresh_flash();
        if (k == 2) CHECK_EQ(download(image_a, length_a), HB_OK); /* so B goes to slot 1 and C to slot 0 */
        if (scenarios[k].first) CHECK_EQ(download(scenarios[k].first, scenarios[k].first_length), HB_OK);
        CHECK_EQ(booted(), scenarios[k].before);
        memcpy(snapshot, memory, sizeof memory);
        /* measure the work of an uninterrupted download, chunk by chunk */
        uint64_t boundaries[64], start = ram.work;
        uint32_t chunks = 0;
        hb_store_begin(&store);
        for (size_t at = 0; at < scenarios[k].next_length; at += CHUNK) {
            boundaries[chunks++] = ram.work - start;
            size_t n = scenarios[k].next_length - at < CHUNK ? scenarios[k].next_length - at : CHUNK;
            hb_store_write(&store, scenarios[k].next + at, (uint32_t)n);
        }
        uint64_t commit_start = ram.work - start;
        CHECK_EQ(hb_store_commit(&store), HB_OK);
        uint64_t total = ram.work - start;
        for (uint32_t c = 0; c < chunks; c++) {
            tried++;
            held += interrupted((int64_t)boundaries[c], scenarios[k].next, scenarios[k].next_length, scenarios[k].before, scenarios[k].after);
        }
        for (int r = 0; r < 60; r++) {
            tried++;
            held += interrupted((int64_t)((uint64_t)rand() % commit_start), scenarios[k].next, scenarios[k].next_length,
                                scenarios[k].before, scenarios[k].after);
        }
        for (uint64_t u = commit_start; u <= total; u++) {
            tried++;
            held += interrupted((int64_t)u, scenarios[k].next, scenarios[k].next_length, scenarios[k].before, scenarios[k].after);
        }
        /* past the end: nothing is cut, the new image boots */
        CHECK(interrupted((int64_t)total + 1, scenarios[k].next, scenarios[k].next_length, scenarios[k].after, scenarios[k].after));
    }
    printf("    %u power-loss points tried (chunk boundaries, random bytes in chunks, every unit of the commit), %u held\n", tried, held);
    CHECK_EQ(held, tried);
    CHECK(tried > 300);
}

/* Each refusal has its own code and leaves the active image (and the next boot) untouched. */
static void refusals_keep_the_active_image(void) {
    make_images();
    fresh_flash();
    CHECK_EQ(download(image_a, length_a), HB_OK);
    uint8_t bytes[4096];

    memcpy(bytes, image_b, length_b);
    bytes[tb_section(bytes, 3) + 20] ^= 0x10;                  /* corrupt chunk */
    CHECK_EQ(download(bytes, length_b), HB_IMG_BAD_SECTION_CRC);
    CHECK_EQ(booted(), 'A');

    memcpy(bytes, image_b, length_b);
    bytes[length_b - 5] ^= 0x01;                                /* wrong total SHA-256 */
    CHECK_EQ(download(bytes, length_b), HB_IMG_BAD_SHA256);
    CHECK_EQ(booted(), 'A');

    tb_image other;
    tb_two_layers(&other);
    other.target = "hm2bp-nano";
    size_t n = tb_encode(&other, bytes, sizeof bytes);          /* image for another target */
    CHECK_EQ(download(bytes, n), HB_IMG_WRONG_TARGET);
    CHECK_EQ(booted(), 'A');

    memset(bytes, 0, sizeof bytes);                             /* larger than maxImageBytes */
    memcpy(bytes, image_b, length_b);
    CHECK_EQ(download(bytes, profile.max_image_bytes + 1u), HB_IMG_TOO_LARGE);
    CHECK_EQ(booted(), 'A');

    CHECK_EQ(download(image_b, length_b / 2), HB_STORE_INCOMPLETE); /* commit without a complete write */
    CHECK_EQ(booted(), 'A');
    CHECK_EQ(download(image_b, 20), HB_STORE_INCOMPLETE);
    CHECK_EQ(hb_store_commit(&store), HB_STORE_NO_SESSION);     /* commit without begin */
    CHECK_EQ(hb_store_write(&store, image_b, 4), HB_STORE_NO_SESSION);
    CHECK_EQ(booted(), 'A');
    reboot();
    CHECK_EQ(booted(), 'A');
    CHECK_EQ(store.active_slot, 0);
    CHECK_EQ(download(image_b, length_b), HB_OK);                /* and a good one still goes in */
    CHECK_EQ(booted(), 'B');
}

/* A damaged record or a damaged slot falls back to the other record. */
static void damaged_record_or_slot_falls_back(void) {
    make_images();
    fresh_flash();
    CHECK_EQ(download(image_a, length_a), HB_OK);
    CHECK_EQ(download(image_b, length_b), HB_OK);
    memory[store.active_record * SECTOR + 20] ^= 1;             /* the newest record's SHA */
    reboot();
    CHECK_EQ(booted(), 'A');
    fresh_flash();
    CHECK_EQ(download(image_a, length_a), HB_OK);
    CHECK_EQ(download(image_b, length_b), HB_OK);
    memory[2 * SECTOR + 2048 + 100] ^= 0x80;                     /* slot B's bytes */
    reboot();
    CHECK_EQ(booted(), 'A');
}

const hb_test store_tests[] = {
    {"store: downloads alternate slots and survive reboots", downloads_and_boots},
    {"store: power loss at every chunk boundary, random bytes, every commit step", power_loss_anywhere},
    {"store: each refusal its own code, active image untouched", refusals_keep_the_active_image},
    {"store: damaged record or slot falls back to the other", damaged_record_or_slot_falls_back},
    {NULL, NULL}};
