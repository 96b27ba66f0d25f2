/* The firmware's unit tests: one table of tests per unit; the closing line is
 * "N passed, N failed" and the exit status is non-zero when any failed. */
#include <stdio.h>

#include "check.h"

int hb_test_failed;

extern const hb_test checksum_tests[], image_tests[], engine_tests[], store_tests[], protocol_tests[], poisson_tests[];

int main(void) {
    const hb_test *suites[] = {checksum_tests, image_tests, engine_tests, store_tests, protocol_tests, poisson_tests};
    int passed = 0, failed = 0;
    for (size_t s = 0; s < sizeof suites / sizeof suites[0]; s++) {
        for (const hb_test *t = suites[s]; t->name; t++) {
            hb_test_failed = 0;
            t->run();
            printf("%s %s\n", hb_test_failed ? "FAIL" : "ok  ", t->name);
            if (hb_test_failed) failed++;
            else passed++;
        }
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
