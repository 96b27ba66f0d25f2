/* The small flash interface the image store runs on: erase a sector, program bytes into erased
 * flash, read through a memory-mapped view (internal MCU flash is memory-mapped, and the engine
 * reads synapse memory in place). flash_ram.c implements it in RAM for tests and the virtual
 * board, with simulated power loss. */
#ifndef HB_FLASH_H
#define HB_FLASH_H

#include <stdint.h>

typedef struct hb_flash_ops {
    int (*erase)(void *context, uint32_t offset);       /* erase the sector starting at offset; 0 = done */
    int (*program)(void *context, uint32_t offset, const uint8_t *data, uint32_t length); /* 0 = done */
    const uint8_t *(*map)(void *context);               /* the whole flash for reading */
} hb_flash_ops;

typedef struct hb_flash {
    const hb_flash_ops *ops;
    void *context;
    uint32_t size;                                      /* bytes */
    uint32_t sector_size;                               /* erase unit, a power of two */
} hb_flash;

#endif
