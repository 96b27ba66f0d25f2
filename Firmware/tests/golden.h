/* Runs the engine on golden vectors written by `hm2bp golden` (docs/golden-format.md) and
 * compares every core's spikes at every step, the output counts, the saturation events per
 * layer and the budget drops per router. Portable: file reading and printing come from the
 * caller (stdio on the host, semihosting under QEMU). */
#ifndef HB_TEST_GOLDEN_H
#define HB_TEST_GOLDEN_H

#include <stddef.h>
#include <stdint.h>

typedef struct golden_io {
    /* Reads a whole file into buffer; returns its length, or -1 (missing, or longer than capacity). */
    long (*read)(void *context, const char *path, uint8_t *buffer, size_t capacity);
    void (*print)(void *context, const char *line);
    void *context;
} golden_io;

typedef struct golden_totals {
    uint32_t samples, cores, steps;   /* steps: sample x core x step comparisons */
    uint64_t spikes;                  /* expected spikes compared */
    uint32_t mismatches;              /* core-steps, counters and files that differ or fail to load */
} golden_totals;

/* `dir` holds golden.json, the sample folders and model.img (the image golden.json names by its
 * SHA-256). Adds to *totals; returns 0 when everything matched. */
int golden_run(const char *dir, const golden_io *io, golden_totals *totals);

#endif
