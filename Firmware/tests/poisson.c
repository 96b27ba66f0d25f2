#include "poisson.h"

static const uint64_t golden_gamma = 0x9E3779B97F4A7C15u;

static uint64_t mix(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

/* ceil(q * 2^24) with q = p / 1402.5 in binary32; the product is exact in binary64. */
static uint32_t spike_threshold(uint8_t pixel) {
    float q = (float)pixel / 1402.5f;
    double x = (double)q * 16777216.0;
    uint32_t k = (uint32_t)x;
    return (double)k < x ? k + 1u : k;
}

void poisson_begin(poisson_encoder *e, const uint8_t *pixels, uint32_t count, uint64_t seed, uint64_t sample_index) {
    uint64_t state = mix(mix(seed + golden_gamma) + sample_index);
    for (int lane = 0; lane < 8; lane++) {
        for (int word = 0; word < 4; word++) {
            state += golden_gamma;
            e->s[word][lane] = mix(state);
        }
    }
    e->active_count = 0;
    for (uint32_t i = 0; i < count && i < 1024; i++) {
        if (pixels[i] == 0) continue;
        e->active[e->active_count] = i;
        e->threshold[e->active_count++] = spike_threshold(pixels[i]);
    }
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t next(poisson_encoder *e, int lane) {
    uint64_t *s0 = &e->s[0][lane], *s1 = &e->s[1][lane], *s2 = &e->s[2][lane], *s3 = &e->s[3][lane];
    uint64_t result = rotl(*s1 * 5u, 7) * 9u;
    uint64_t t = *s1 << 17;
    *s2 ^= *s0; *s3 ^= *s1; *s1 ^= *s2; *s0 ^= *s3;
    *s2 ^= t;
    *s3 = rotl(*s3, 45);
    return result;
}

uint32_t poisson_step(poisson_encoder *e, uint32_t *spikes) {
    uint32_t n = 0;
    for (uint32_t block = 0; block * 16u < e->active_count; block++) {
        uint64_t r[8];
        for (int lane = 0; lane < 8; lane++) r[lane] = next(e, lane);
        for (uint32_t k = 0; k < 16; k++) {
            uint32_t i = block * 16u + k;
            if (i >= e->active_count) break;
            uint64_t u = k < 8 ? r[k] >> 40 : (r[k - 8] >> 16) & 0xFFFFFFu;
            if (u < e->threshold[i]) spikes[n++] = e->active[i];
        }
    }
    return n;
}
