#include "golden.h"

#include <stdio.h>
#include <string.h>

#include "bytes.h"
#include "checksum.h"
#include "engine.h"
#include "image.h"
#include "json.h"

/* Host defaults: room for the CNN with expanded synapses (12.9 MB; tests/targets/
 * fw-large-expanded.json takes images up to 32 MiB); the QEMU builds set their own (mcu/Makefile). */
#ifndef GOLDEN_IMAGE_BYTES
#define GOLDEN_IMAGE_BYTES (32u << 20)
#endif
#ifndef GOLDEN_JSON_BYTES
#define GOLDEN_JSON_BYTES (256u << 10)
#endif
#ifndef GOLDEN_SPIKE_BYTES
#define GOLDEN_SPIKE_BYTES (16u << 20)
#endif
#define GOLDEN_TOKENS 8192u
#define PATH_BYTES 512u

static uint8_t image_bytes[GOLDEN_IMAGE_BYTES];
static char json_text[GOLDEN_JSON_BYTES];
static json_token tokens[GOLDEN_TOKENS];
static uint8_t spike_bytes[GOLDEN_SPIKE_BYTES];
static hb_image image;
static hb_engine engine;
static uint8_t input_bitmap[(1u << 24) / 8u / 64u]; /* inputs up to 2^18: what a board's input map may hold */

/* What the folder's samples exercised, for its `expect` file. */
static struct activity {
    uint64_t core_spikes[HB_MAX_CORES];
    uint64_t drops, saturations, outputs;
} seen;

typedef struct spike_file {
    const uint8_t *at;       /* next step's record */
    const uint8_t *end;      /* the CRC32 */
    uint32_t neurons, steps;
} spike_file;

static void say(const golden_io *io, const char *format_line) { io->print(io->context, format_line); }

/* Checks magic, version, CRC32 and that the step records exactly fill the file. */
static int open_spikes(spike_file *f, const uint8_t *bytes, long length) {
    if (length < 24 || memcmp(bytes, "HM2BPSPK", 8) != 0 || hb_get32(bytes + 8) != 1u) return 0;
    if (hb_crc32(0, bytes, (size_t)length - 4u) != hb_get32(bytes + length - 4)) return 0;
    f->neurons = hb_get32(bytes + 12);
    f->steps = hb_get32(bytes + 16);
    f->at = bytes + 20;
    f->end = bytes + length - 4;
    const uint8_t *p = f->at;
    for (uint32_t t = 0; t < f->steps; t++) {
        if (f->end - p < 4) return 0;
        uint32_t n = hb_get32(p);
        if ((uint64_t)(f->end - p - 4) / 4u < n) return 0;
        p += 4u + 4u * n;
    }
    return p == f->end;
}

static int path_join(char *out, const char *dir, const char *name) {
    int n = snprintf(out, PATH_BYTES, "%s/%s", dir, name);
    return n > 0 && n < (int)PATH_BYTES;
}

static int get_int(int object, const char *key, int64_t *value) {
    int v = json_get(json_text, tokens, object, key);
    return v >= 0 && json_int(json_text, &tokens[v], value);
}

/* Compares a counter array of the golden sample with the engine's. */
static uint32_t compare_counters(const golden_io *io, int sample, const char *key, const uint32_t *actual, uint32_t count,
                                 int64_t index) {
    char line[200];
    int array = json_get(json_text, tokens, sample, key);
    if (array < 0 || tokens[array].type != JSON_ARRAY || tokens[array].size != count) {
        snprintf(line, sizeof line, "sample %ld: %s has %u entries, expected %u", (long)index, key,
                 (unsigned)(array < 0 ? 0u : tokens[array].size), (unsigned)count);
        say(io, line);
        return 1;
    }
    uint32_t bad = 0;
    for (uint32_t k = 0; k < count; k++) {
        int64_t expected = -1;
        if (!json_int(json_text, &tokens[json_at(tokens, array, k)], &expected) || expected != (int64_t)actual[k]) {
            if (bad++ < 3) {
                snprintf(line, sizeof line, "sample %ld: %s[%u] = %u, golden %ld", (long)index, key, (unsigned)k, (unsigned)actual[k],
                         (long)expected);
                say(io, line);
            }
        }
    }
    return bad;
}

static uint32_t run_sample(const char *dir, const golden_io *io, int sample, golden_totals *totals) {
    char line[PATH_BYTES + 128], name[PATH_BYTES], path[PATH_BYTES];
    int64_t index = -1;
    get_int(sample, "index", &index);
    int input = json_get(json_text, tokens, sample, "input");
    int cores = json_get(json_text, tokens, sample, "cores");
    if (input < 0 || cores < 0 || tokens[cores].size != image.core_count ||
        !json_string(json_text, &tokens[input], name, sizeof name) || !path_join(path, dir, name)) {
        snprintf(line, sizeof line, "sample %ld: golden.json names no input or not one file per core", (long)index);
        say(io, line);
        return 1;
    }
    /* All files of the sample go into spike_bytes one after another. */
    spike_file in, core_files[HB_MAX_CORES];
    size_t used = 0;
    long n = io->read(io->context, path, spike_bytes, sizeof spike_bytes);
    if (n < 0 || !open_spikes(&in, spike_bytes, n) || in.neurons != image.input_count || in.steps < image.time_steps) {
        snprintf(line, sizeof line, "%s: unreadable, damaged or not %u inputs x %u steps", path, (unsigned)image.input_count,
                 (unsigned)image.time_steps);
        say(io, line);
        return 1;
    }
    used = ((size_t)n + 3u) & ~(size_t)3u;
    for (uint32_t c = 0; c < image.core_count; c++) {
        int file = json_at(tokens, cores, c);
        if (!json_string(json_text, &tokens[file], name, sizeof name) || !path_join(path, dir, name)) return 1;
        n = io->read(io->context, path, spike_bytes + used, sizeof spike_bytes - used);
        if (n < 0 || !open_spikes(&core_files[c], spike_bytes + used, n) ||
            core_files[c].neurons != image.cores[c].neuron_count || core_files[c].steps != image.time_steps) {
            snprintf(line, sizeof line, "%s: unreadable, damaged or not core %u's %u neurons x %u steps", path, (unsigned)c,
                     (unsigned)image.cores[c].neuron_count, (unsigned)image.time_steps);
            say(io, line);
            return 1;
        }
        used += ((size_t)n + 3u) & ~(size_t)3u;
    }

    uint32_t bad = 0;
    hb_engine_reset(&engine);
    const uint32_t bitmap_bytes = (image.input_count + 7u) / 8u;
    for (uint32_t t = 0; t < image.time_steps; t++) {
        memset(input_bitmap, 0, bitmap_bytes);
        uint32_t count = hb_get32(in.at);
        for (uint32_t k = 0; k < count; k++) {
            uint32_t i = hb_get32(in.at + 4 + 4 * k);
            input_bitmap[i >> 3] |= (uint8_t)(1u << (i & 7u));
        }
        in.at += 4u + 4u * count;
        if (hb_engine_step_bitmap(&engine, input_bitmap) != HB_OK) return bad + 1;
        for (uint32_t c = 0; c < image.core_count; c++) {
            spike_file *f = &core_files[c];
            const hb_core *core = &image.cores[c];
            uint32_t expected = hb_get32(f->at), matched = expected == engine.core_spikes[c];
            for (uint32_t k = 0; k < expected && matched; k++) {
                uint32_t neuron = hb_get32(f->at + 4 + 4 * k);
                matched = neuron < core->neuron_count && engine.fired[core->state_offset + neuron];
            }
            if (!matched && bad++ < 5) {
                snprintf(line, sizeof line, "sample %ld core %u step %u: %u spikes, golden %u", (long)index, (unsigned)c, (unsigned)t,
                         (unsigned)engine.core_spikes[c], (unsigned)expected);
                say(io, line);
            }
            totals->spikes += expected;
            seen.core_spikes[c] += expected;
            totals->steps++;
            f->at += 4u + 4u * expected;
        }
    }
    for (uint32_t k = 0; k < image.output_count; k++) seen.outputs += engine.output_counts[k];
    for (uint32_t k = 0; k < image.layer_count; k++) seen.saturations += engine.saturations[k];
    for (uint32_t k = 0; k <= image.core_count; k++) seen.drops += engine.dropped[k];
    bad += compare_counters(io, sample, "outputCounts", engine.output_counts, image.output_count, index);
    bad += compare_counters(io, sample, "saturationsPerLayer", engine.saturations, image.layer_count, index);
    bad += compare_counters(io, sample, "droppedSpikesPerRouter", engine.dropped, image.core_count + 1u, index);
    return bad;
}

/* 1 when some convolution or pooling core of the image carries its synapses in `form`. */
static int has_spatial_form(uint8_t form) {
    for (uint32_t c = 0; c < image.core_count; c++) {
        if (image.cores[c].kind != HB_LAYER_DENSE && image.cores[c].form == form) return 1;
    }
    return 0;
}

/* DIR/expect (written by make-golden.sh) names what the case must exercise, so a case that
 * silently stopped testing its feature (a silent network, no drops) fails: words "spikes"
 * (every core spikes), "drops", "saturations", "lateral" (a layer with lateral inhibition),
 * "shared" / "expanded" (a convolution or pooling core with shared kernels / expanded synapses,
 * image version 2). */
static uint32_t check_expectations(const char *dir, const golden_io *io) {
    char path[PATH_BYTES], line[PATH_BYTES + 128], words[256];
    if (!path_join(path, dir, "expect")) return 1;
    long n = io->read(io->context, path, (uint8_t *)words, sizeof words - 1);
    if (n < 0) return 0;
    words[n] = 0;
    uint32_t bad = 0;
    int lateral = 0;
    for (uint32_t l = 0; l < image.layer_count; l++) lateral |= image.layers[l].lateral;
    if (strstr(words, "spikes")) {
        for (uint32_t c = 0; c < image.core_count; c++) bad += seen.core_spikes[c] == 0;
        bad += seen.outputs == 0;
    }
    if (strstr(words, "drops")) bad += seen.drops == 0;
    if (strstr(words, "saturations")) bad += seen.saturations == 0;
    if (strstr(words, "lateral")) bad += !lateral;
    if (strstr(words, "shared")) bad += !has_spatial_form(HB_FORM_SHARED);
    if (strstr(words, "expanded")) bad += !has_spatial_form(HB_FORM_EXPANDED);
    snprintf(line, sizeof line, "golden %s: expected %s-> %s (drops %lu, saturations %lu, output spikes %lu)", dir, words,
             bad ? "NOT EXERCISED" : "exercised", (unsigned long)seen.drops, (unsigned long)seen.saturations,
             (unsigned long)seen.outputs);
    for (char *c = line; *c; c++) if (*c == '\n') *c = ' ';
    say(io, line);
    return bad;
}

int golden_run(const char *dir, const golden_io *io, golden_totals *totals) {
    char line[PATH_BYTES + 128], path[PATH_BYTES];
    if (!path_join(path, dir, "golden.json")) return 1;
    long n = io->read(io->context, path, (uint8_t *)json_text, sizeof json_text);
    int count = n < 0 ? -1 : json_parse(json_text, (size_t)n, tokens, GOLDEN_TOKENS);
    int64_t version = 0, steps = 0;
    if (count < 0 || !get_int(0, "version", &version) || version != 1 || !get_int(0, "timeSteps", &steps)) {
        snprintf(line, sizeof line, "%s: missing, not JSON or not golden version 1", path);
        say(io, line);
        totals->mismatches++;
        return 1;
    }
    if (!path_join(path, dir, "model.img")) return 1;
    n = io->read(io->context, path, image_bytes, sizeof image_bytes);
    hb_status s = n < 0 ? HB_IMG_TRUNCATED : hb_image_parse(&image, image_bytes, (size_t)n, NULL, NULL);
    if (s == HB_OK) s = hb_engine_load(&engine, &image);
    if (s != HB_OK) {
        snprintf(line, sizeof line, "%s: refused: %s", path, hb_status_text(s));
        say(io, line);
        totals->mismatches++;
        return 1;
    }
    /* The image must be the one golden.json was written from. */
    char expected_hex[65], actual_hex[65];
    int sha = json_get(json_text, tokens, 0, "imageSHA256");
    uint8_t digest[32];
    hb_sha256(image_bytes, (size_t)n, digest);
    for (int k = 0; k < 32; k++) snprintf(actual_hex + 2 * k, 3, "%02x", digest[k]);
    if (sha < 0 || !json_string(json_text, &tokens[sha], expected_hex, sizeof expected_hex) ||
        strcmp(expected_hex, actual_hex) != 0 || steps != (int64_t)image.time_steps) {
        snprintf(line, sizeof line, "%s: not the image golden.json was written from", path);
        say(io, line);
        totals->mismatches++;
        return 1;
    }
    int samples = json_get(json_text, tokens, 0, "samples");
    uint32_t bad = 0;
    memset(&seen, 0, sizeof seen);
    for (uint32_t k = 0; samples >= 0 && k < tokens[samples].size; k++) {
        bad += run_sample(dir, io, json_at(tokens, samples, k), totals);
        totals->samples++;
        totals->cores += image.core_count;
    }
    bad += check_expectations(dir, io);
    totals->mismatches += bad;
    snprintf(line, sizeof line, "golden %s: %u samples x %u cores x %u steps, %s", dir,
             (unsigned)(samples >= 0 ? tokens[samples].size : 0u), (unsigned)image.core_count, (unsigned)image.time_steps, bad ? "MISMATCH" : "all equal");
    say(io, line);
    return bad != 0;
}
