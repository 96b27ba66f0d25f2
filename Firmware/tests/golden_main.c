/* Host golden runner: `golden DIR...`; prints the totals and exits non-zero on any mismatch. */
#include <stdio.h>

#include "golden.h"

static long read_file(void *context, const char *path, uint8_t *buffer, size_t capacity) {
    (void)context;
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    size_t n = fread(buffer, 1, capacity, f);
    int more = fgetc(f) != EOF;
    fclose(f);
    return more ? -1 : (long)n;
}

static void print_line(void *context, const char *line) {
    (void)context;
    printf("%s\n", line);
}

int main(int argc, char **argv) {
    golden_io io = {read_file, print_line, NULL};
    golden_totals totals = {0, 0, 0, 0, 0};
    int failed = argc < 2;
    for (int i = 1; i < argc; i++) failed |= golden_run(argv[i], &io, &totals);
    printf("golden: %u samples, %u core runs, %u core-steps, %lu spikes compared, %u mismatches\n", (unsigned)totals.samples,
           (unsigned)totals.cores, (unsigned)totals.steps, (unsigned long)totals.spikes, (unsigned)totals.mismatches);
    return failed || totals.mismatches ? 1 : 0;
}
