/* Benchmark (not a test): the host engine's synaptic events per second on a golden folder's
 * image and inputs. `bench-engine DIR [ROUNDS]`; figures go to docs/benchmarks.md. */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bytes.h"
#include "engine.h"
#include "image.h"

static uint8_t image_bytes[32u << 20], spikes[64][1u << 20], bitmaps[1u << 24];
static long spike_lengths[64];
static hb_image image;
static hb_engine engine;

static long read_file(const char *path, uint8_t *buffer, size_t capacity) {
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    long n = (long)fread(buffer, 1, capacity, f);
    fclose(f);
    return n;
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: bench-engine GOLDEN_DIR [ROUNDS]\n"); return 2; }
    int rounds = argc > 2 ? atoi(argv[2]) : 5;
    char path[1024];
    snprintf(path, sizeof path, "%s/model.img", argv[1]);
    long n = read_file(path, image_bytes, sizeof image_bytes);
    if (n < 0 || hb_image_parse(&image, image_bytes, (size_t)n, NULL, NULL) != HB_OK) { fprintf(stderr, "%s: not an image\n", path); return 1; }
    hb_engine_load(&engine, &image);
    int samples = 0;
    for (; samples < 64; samples++) {
        snprintf(path, sizeof path, "%s/sample-%05d/input.spk", argv[1], samples);
        spike_lengths[samples] = read_file(path, spikes[samples], sizeof spikes[samples]);
        if (spike_lengths[samples] < 24) break;
    }
    /* inputs as per-step bitmaps, built before timing */
    const uint32_t bytes = (image.input_count + 7u) / 8u, T = image.time_steps;
    if ((uint64_t)samples * T * bytes > sizeof bitmaps) { fprintf(stderr, "too many inputs\n"); return 1; }
    memset(bitmaps, 0, (size_t)samples * T * bytes);
    for (int s = 0; s < samples; s++) {
        const uint8_t *p = spikes[s] + 20;
        for (uint32_t t = 0; t < T; t++) {
            uint32_t c = hb_get32(p);
            for (uint32_t k = 0; k < c; k++) {
                uint32_t i = hb_get32(p + 4 + 4 * k);
                bitmaps[((size_t)s * T + t) * bytes + (i >> 3)] |= (uint8_t)(1u << (i & 7u));
            }
            p += 4u + 4u * c;
        }
    }
    uint64_t events = 0;
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (int r = 0; r < rounds; r++) {
        for (int s = 0; s < samples; s++) {
            hb_engine_reset(&engine);
            for (uint32_t t = 0; t < T; t++) hb_engine_step_bitmap(&engine, bitmaps + ((size_t)s * T + t) * bytes);
            events += engine.synaptic_events;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    double seconds = (double)(end.tv_sec - start.tv_sec) + 1e-9 * (double)(end.tv_nsec - start.tv_nsec);
    int runs = rounds * samples;
    printf("%s: %d sample runs (%d samples x %d rounds), T = %u, %u cores: %.3f s, %.2f ms per sample, "
           "%llu synaptic events per round (%.1f M per sample), %.0f M synaptic events/s\n",
           argv[1], runs, samples, rounds, T, (unsigned)image.core_count, seconds, 1e3 * seconds / runs,
           (unsigned long long)(events / (uint64_t)rounds), (double)events / runs / 1e6, (double)events / seconds / 1e6);
    return 0;
}
