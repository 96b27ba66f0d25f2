/* The board firmware's entry point for a Cortex-M part: the profile from Targets/<board>.json
 * (as -D flags from mcu/Makefile), the image store on the part's memory-mapped image flash,
 * the engine and the protocol handler, handed to the USB device controller driver.
 *
 * The chip-specific drivers (the QSPI NOR flash's erase/program and the USB device controller)
 * belong to a board support package that is not in this tree: their hooks below are weak and
 * refuse, so this build links and sizes the whole portable firmware for the part, and boots
 * without writing flash. */
#include <stdint.h>

#include "engine.h"
#include "protocol.h"
#include "store.h"

typedef struct board_usb_callbacks {
    hb_ep0_result (*setup)(hb_protocol *, const hb_setup *, const uint8_t *, uint8_t *, size_t, size_t *);
    hb_bulk_result (*bulk_out)(hb_protocol *, const uint8_t *, size_t);
    int (*bulk_in)(hb_protocol *, uint8_t *, size_t);
    void (*clear_halt)(hb_protocol *, uint8_t);
    void (*bus_reset)(hb_protocol *);
    size_t (*device_descriptor)(const hb_protocol *, uint8_t *, size_t);
    size_t (*config_descriptor)(const hb_protocol *, uint8_t *, size_t);
} board_usb_callbacks;

int board_flash_erase(void *context, uint32_t offset);
int board_flash_program(void *context, uint32_t offset, const uint8_t *data, uint32_t length);
void board_usb_run(hb_protocol *board, const board_usb_callbacks *callbacks);

__attribute__((weak)) int board_flash_erase(void *context, uint32_t offset) {
    (void)context; (void)offset;
    return -1;
}
__attribute__((weak)) int board_flash_program(void *context, uint32_t offset, const uint8_t *data, uint32_t length) {
    (void)context; (void)offset; (void)data; (void)length;
    return -1;
}
__attribute__((weak)) void board_usb_run(hb_protocol *board, const board_usb_callbacks *callbacks) {
    (void)board; (void)callbacks;
}

static const uint8_t *image_flash(void *context) {
    (void)context;
    return (const uint8_t *)HB_BOARD_IMAGE_FLASH_BASE;
}

static const hb_profile profile = {HB_BOARD_TARGET, HB_BOARD_VENDOR_ID, HB_BOARD_PRODUCT_ID, HB_BOARD_PROTOCOL,
                                   HB_BOARD_MAX_IMAGE_BYTES, "0000000001"};
static const hb_flash_ops flash_ops = {board_flash_erase, board_flash_program, image_flash};
static hb_store store;
static hb_engine engine;
static hb_protocol board;

int main(void) {
    const hb_flash flash = {&flash_ops, 0, HB_BOARD_IMAGE_FLASH_BYTES, HB_BOARD_FLASH_SECTOR_BYTES};
    static const board_usb_callbacks callbacks = {
        hb_protocol_setup, hb_protocol_bulk_out, hb_protocol_bulk_in, hb_protocol_clear_halt,
        hb_protocol_bus_reset, hb_protocol_device_descriptor, hb_protocol_config_descriptor};
    hb_store_open(&store, &flash, &profile);
    hb_protocol_init(&board, &profile, &store, &engine);
    board_usb_run(&board, &callbacks);
    return 0;
}
