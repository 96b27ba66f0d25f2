/* A flash in RAM (tests, the virtual board) that behaves like NOR flash: erase sets a sector to
 * 0xFF, programming can only clear bits. It can lose power after a set amount of work: the
 * operation in progress stops part-way (a program leaves the bytes before the cut programmed,
 * an erase leaves the sector half erased) and every later operation fails until the test
 * "reboots" by calling hb_ram_flash_power_on. */
#ifndef HB_FLASH_RAM_H
#define HB_FLASH_RAM_H

#include <stdint.h>

#include "flash.h"

typedef struct hb_ram_flash {
    uint8_t *memory;
    uint32_t size, sector_size;
    int64_t power_left;              /* units of work before the power fails; < 0: never */
    int powered;
    uint64_t work;                   /* units done since init: one per programmed byte, one per erase */
} hb_ram_flash;

/* `memory` holds `size` bytes; it starts erased (0xFF). */
void hb_ram_flash_init(hb_ram_flash *f, uint8_t *memory, uint32_t size, uint32_t sector_size);
hb_flash hb_ram_flash_interface(hb_ram_flash *f);
/* The power fails after `units` more units of work (< 0: never). */
void hb_ram_flash_cut_after(hb_ram_flash *f, int64_t units);
void hb_ram_flash_power_on(hb_ram_flash *f);

#endif
