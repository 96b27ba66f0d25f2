#include "semihost.h"

#include <string.h>

enum { SYS_OPEN = 0x01, SYS_CLOSE = 0x02, SYS_WRITE0 = 0x04, SYS_READ = 0x06, SYS_FLEN = 0x0C, SYS_GET_CMDLINE = 0x15,
       SYS_EXIT_EXTENDED = 0x20 };

static intptr_t call(uint32_t operation, const void *argument) {
    register uint32_t r0 __asm("r0") = operation;
    register const void *r1 __asm("r1") = argument;
    __asm volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return (intptr_t)(int32_t)r0;
}

void semihost_exit(int status) {
    const uint32_t block[2] = {0x20026u /* ADP_Stopped_ApplicationExit */, (uint32_t)status};
    call(SYS_EXIT_EXTENDED, block);
}

void semihost_print(const char *text) { call(SYS_WRITE0, text); }

long semihost_read_file(const char *path, uint8_t *buffer, size_t capacity) {
    const uintptr_t open_block[3] = {(uintptr_t)path, 1 /* "rb" */, strlen(path)};
    intptr_t handle = call(SYS_OPEN, open_block);
    if (handle < 0) return -1;
    const uintptr_t handle_block[1] = {(uintptr_t)handle};
    intptr_t length = call(SYS_FLEN, handle_block);
    long result = -1;
    if (length >= 0 && (size_t)length <= capacity) {
        const uintptr_t read_block[3] = {(uintptr_t)handle, (uintptr_t)buffer, (uintptr_t)length};
        if (call(SYS_READ, read_block) == 0) result = (long)length; /* SYS_READ returns the bytes NOT read */
    }
    call(SYS_CLOSE, handle_block);
    return result;
}

long semihost_command_line(char *buffer, size_t capacity) {
    uintptr_t block[2] = {(uintptr_t)buffer, capacity};
    if (call(SYS_GET_CMDLINE, block) != 0) return -1;
    return (long)block[1];
}
