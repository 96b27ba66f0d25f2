/* libFuzzer harness for the protocol handler: the input is a script of USB events (setup
 * requests with their data, bulk OUT packets, bulk IN polls, halts, bus resets, power cuts)
 * played against a board that starts with a valid image. Every event must be handled without a
 * crash, and after the script the board must still boot a valid image. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "flash_ram.h"
#include "image_builder.h"
#include "protocol.h"
#include "store.h"

static const hb_profile profile = {"test-board", 0x1209, 0xb2b0, 1, 4096, "F0001"};
static uint8_t memory[2 * 1024 + 2 * 4096];
static hb_ram_flash ram;
static hb_flash flash;
static hb_store store;
static hb_engine engine;
static hb_protocol board;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The flash of a board that holds the worked example, made once and copied in for each input. */
static void boot_with_image(void) {
    static uint8_t booted[sizeof memory];
    static int ready;
    if (!ready) {
        uint8_t image[2048];
        tb_image im;
        tb_worked_example(&im, 40);
        size_t length = tb_encode(&im, image, sizeof image);
        hb_ram_flash_init(&ram, memory, sizeof memory, 1024);
        flash = hb_ram_flash_interface(&ram);
        hb_store_open(&store, &flash, &profile);
        hb_store_begin(&store);
        hb_store_write(&store, image, (uint32_t)length);
        if (hb_store_commit(&store) != HB_OK) abort();
        memcpy(booted, memory, sizeof memory);
        ready = 1;
    }
    memcpy(memory, booted, sizeof memory);
    hb_ram_flash_power_on(&ram);
    hb_store_open(&store, &flash, &profile);
    hb_protocol_init(&board, &profile, &store, &engine);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    boot_with_image();
    size_t at = 0;
    static uint8_t in[HB_CONTROL_BUFFER], packet[HB_BULK_MAX_PACKET];
    while (at < size) {
        uint8_t op = data[at++] % 7u;
        if (op == 0 && size - at >= 8) { /* setup + OUT data from the script */
            hb_setup s = {data[at], data[at + 1], (uint16_t)(data[at + 2] | data[at + 3] << 8),
                          (uint16_t)(data[at + 4] | data[at + 5] << 8), (uint16_t)(data[at + 6] | data[at + 7] << 8)};
            at += 8;
            if (s.wLength > HB_CONTROL_BUFFER) s.wLength = HB_CONTROL_BUFFER;
            const uint8_t *out = NULL;
            static uint8_t out_copy[HB_CONTROL_BUFFER];
            if (!(s.bmRequestType & 0x80u) && s.wLength > 0) {
                size_t n = size - at < s.wLength ? size - at : s.wLength;
                memset(out_copy, 0, s.wLength);
                memcpy(out_copy, data + at, n);
                at += n;
                out = out_copy;
            }
            size_t in_length = 0;
            hb_protocol_setup(&board, &s, out, in, sizeof in, &in_length);
            if (in_length > s.wLength) abort();
        } else if (op == 1 && at < size) { /* bulk OUT packet */
            size_t n = data[at++] % (HB_BULK_MAX_PACKET + 1u);
            if (n > size - at) n = size - at;
            hb_protocol_bulk_out(&board, data + at, n);
            at += n;
        } else if (op == 2) { /* drain bulk IN */
            for (int k = 0; k < 80 && hb_protocol_bulk_in(&board, packet, sizeof packet) >= 0; k++) {}
        } else if (op == 3 && at < size) {
            hb_protocol_clear_halt(&board, data[at++]);
        } else if (op == 4) {
            hb_protocol_bus_reset(&board);
        } else if (op == 5 && at < size) { /* power cut after some flash work, then reboot */
            hb_ram_flash_cut_after(&ram, data[at++] * 16);
        } else if (op == 6) {
            hb_ram_flash_power_on(&ram);
            hb_store_open(&store, &flash, &profile);
            hb_protocol_init(&board, &profile, &store, &engine);
        }
    }
    /* Whatever happened, a reboot finds a valid image (the old one or a committed new one). */
    hb_ram_flash_power_on(&ram);
    hb_store_open(&store, &flash, &profile);
    if (!hb_store_active_image(&store)) abort();
    return 0;
}
