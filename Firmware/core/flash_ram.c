#include "flash_ram.h"

#include <string.h>

void hb_ram_flash_init(hb_ram_flash *f, uint8_t *memory, uint32_t size, uint32_t sector_size) {
    f->memory = memory;
    f->size = size;
    f->sector_size = sector_size;
    f->power_left = -1;
    f->powered = 1;
    f->work = 0;
    memset(memory, 0xFF, size);
}

void hb_ram_flash_cut_after(hb_ram_flash *f, int64_t units) { f->power_left = units; }

void hb_ram_flash_power_on(hb_ram_flash *f) {
    f->powered = 1;
    f->power_left = -1;
}

static int ram_erase(void *context, uint32_t offset) {
    hb_ram_flash *f = context;
    if (!f->powered || offset % f->sector_size != 0 || offset >= f->size) return -1;
    if (f->power_left == 0) {
        /* Power fails during the erase: half the sector is erased, the rest keeps its bits. */
        memset(f->memory + offset, 0xFF, f->sector_size / 2u);
        f->powered = 0;
        return -1;
    }
    if (f->power_left > 0) f->power_left--;
    memset(f->memory + offset, 0xFF, f->sector_size);
    f->work++;
    return 0;
}

static int ram_program(void *context, uint32_t offset, const uint8_t *data, uint32_t length) {
    hb_ram_flash *f = context;
    if (!f->powered || offset > f->size || length > f->size - offset) return -1;
    uint32_t done = length;
    if (f->power_left >= 0 && (uint64_t)f->power_left < length) done = (uint32_t)f->power_left;
    for (uint32_t i = 0; i < done; i++) f->memory[offset + i] &= data[i];
    f->work += done;
    if (f->power_left >= 0) f->power_left -= done;
    if (done < length) {
        f->powered = 0;
        return -1;
    }
    return 0;
}

static const uint8_t *ram_map(void *context) { return ((hb_ram_flash *)context)->memory; }

static const hb_flash_ops ram_ops = {ram_erase, ram_program, ram_map};

hb_flash hb_ram_flash_interface(hb_ram_flash *f) {
    hb_flash flash = {&ram_ops, f, f->size, f->sector_size};
    return flash;
}
