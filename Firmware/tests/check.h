/* The plain C test runner's checks: a failed check prints where and what, marks the running
 * test failed and goes on (so one run shows every broken check). */
#ifndef HB_TEST_CHECK_H
#define HB_TEST_CHECK_H

#include <stdio.h>

extern int hb_test_failed;

#define CHECK(condition)                                                                  \
    do {                                                                                  \
        if (!(condition)) {                                                               \
            printf("    %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #condition);      \
            hb_test_failed = 1;                                                           \
        }                                                                                 \
    } while (0)

#define CHECK_EQ(actual, expected)                                                        \
    do {                                                                                  \
        long long check_a_ = (long long)(actual), check_e_ = (long long)(expected);       \
        if (check_a_ != check_e_) {                                                       \
            printf("    %s:%d: %s = %lld, expected %s = %lld\n", __FILE__, __LINE__,     \
                   #actual, check_a_, #expected, check_e_);                               \
            hb_test_failed = 1;                                                           \
        }                                                                                 \
    } while (0)

typedef struct hb_test {
    const char *name;
    void (*run)(void);
} hb_test;

#endif
