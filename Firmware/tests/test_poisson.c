#include <stdio.h>
#include <string.h>

#include "check.h"
#include "poisson.h"

/* docs/data.md, "Test vector": MNIST test image 0 (tests/fixtures/mnist-t10k-image0.bin),
 * `hm2bp golden` with seed 1 (encoder seed 1 ^ 0x7E577E577E577E57, sample index 0), T = 400. */
static void matches_the_data_doc_vector(void) {
    static const uint32_t step1[] = {233, 264, 267, 326, 356, 492, 519, 576, 601, 655, 656, 740};
    static const uint32_t step2[] = {233, 235, 236, 238, 241, 262, 266, 268, 273, 299, 355, 382, 410, 520, 547, 575, 655, 712, 738};
    static const uint32_t step3[] = {234, 235, 242, 267, 270, 271, 297, 328, 353, 382, 410, 438, 574, 629, 656, 682, 711, 740};
    uint8_t pixels[784];
    const char *fixture = "tests/fixtures/mnist-t10k-image0.bin"; /* make runs the tests in Firmware/ */
    FILE *f = fopen(fixture, "rb");
    if (!f) printf("    %s: cannot open (run the tests from Firmware/, as make does)\n", fixture);
    CHECK(f != NULL);
    if (!f) return;
    CHECK_EQ(fread(pixels, 1, sizeof pixels, f), 784);
    fclose(f);
    static poisson_encoder e;
    poisson_begin(&e, pixels, 784, 1u ^ 0x7E577E577E577E57u, 0);
    CHECK_EQ(e.active_count, 116);
    uint32_t spikes[784], total = 0;
    for (uint32_t t = 1; t < 400; t++) {
        uint32_t n = poisson_step(&e, spikes);
        total += n;
        if (t == 1) CHECK(n == 12 && memcmp(spikes, step1, sizeof step1) == 0);
        if (t == 2) CHECK(n == 19 && memcmp(spikes, step2, sizeof step2) == 0);
        if (t == 3) CHECK(n == 18 && memcmp(spikes, step3, sizeof step3) == 0);
    }
    CHECK_EQ(total, 5195);
}

const hb_test poisson_tests[] = {
    {"poisson: docs/data.md test vector (MNIST test image 0, seed 1)", matches_the_data_doc_vector},
    {NULL, NULL}};
