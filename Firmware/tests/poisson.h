/* The Poisson test encoder of docs/data.md ("Poisson encoding"), written from that page alone
 * in portable C: a board's host tool can generate the same input spikes as `hm2bp golden`.
 * The unit tests hold it to the page's test vector (MNIST test image 0, seed 1). */
#ifndef HB_TEST_POISSON_H
#define HB_TEST_POISSON_H

#include <stdint.h>

typedef struct poisson_encoder {
    uint64_t s[4][8];                 /* xoshiro256** state words s0 ... s3 of lanes 0 ... 7 */
    uint32_t active[1024], threshold[1024];
    uint32_t active_count;
} poisson_encoder;

/* Prepares the encoding of `pixels` (at most 1024) for (seed, sample_index); seed is the one the
 * encoder is built with (for the test encoder: the evaluator's seed XOR 0x7E577E577E577E57). */
void poisson_begin(poisson_encoder *e, const uint8_t *pixels, uint32_t count, uint64_t seed, uint64_t sample_index);
/* The spikes of the next step t = 1, 2, ... (step 0 never spikes; call once per step from t = 1)
 * in ascending pixel order; returns how many. */
uint32_t poisson_step(poisson_encoder *e, uint32_t *spikes);

#endif
