/* Cortex-M startup shared by the board firmware and the QEMU golden runner: the vector table,
 * a reset handler that enables the FPU (hard-float builds), copies .data, zeroes .bss and
 * calls main, and exits through semihosting with main's result (QEMU turns it into its exit
 * status). A fault ends the run with exit status 3 instead of spinning. */
#include <stdint.h>

#include "semihost.h"

extern uint32_t __data_load[], __data_start[], __data_end[], __bss_start[], __bss_end[], __stack_top[];
int main(void);
void reset_handler(void);
void fault_handler(void);

void fault_handler(void) {
    semihost_exit(3);
    for (;;) {}
}

__attribute__((section(".vectors"), used)) static void (*const vectors[16])(void) = {
    (void (*)(void))__stack_top, reset_handler, fault_handler, fault_handler, fault_handler, fault_handler, fault_handler,
    0, 0, 0, 0, fault_handler, fault_handler, 0, fault_handler, fault_handler};

void reset_handler(void) {
#if defined(__ARM_FP)
    /* CPACR: full access to CP10 and CP11 before the first floating-point instruction */
    *(volatile uint32_t *)0xE000ED88u |= 0xFu << 20;
    __asm volatile("dsb\n\tisb" ::: "memory");
#endif
    for (uint32_t *src = __data_load, *dst = __data_start; dst < __data_end;) *dst++ = *src++;
    for (uint32_t *dst = __bss_start; dst < __bss_end;) *dst++ = 0;
    semihost_exit(main());
    for (;;) {}
}

/* newlib's entry points that -nostartfiles leaves to us */
void _init(void);
void _fini(void);
void _init(void) {}
void _fini(void) {}
