/* The golden runner under QEMU: the same tests/golden.c as on the host, reading the vectors
 * through semihosting. The folders come as the command line (QEMU: -semihosting-config
 * enable=on,target=native,arg=golden,arg=DIR,...); the exit status is 0 only if all matched. */
#include <stdio.h>
#include <string.h>

#include "golden.h"
#include "semihost.h"

static long read_file(void *context, const char *path, uint8_t *buffer, size_t capacity) {
    (void)context;
    return semihost_read_file(path, buffer, capacity);
}

static void print_line(void *context, const char *line) {
    (void)context;
    semihost_print(line);
    semihost_print("\n");
}

int main(void) {
    static char command[2048];
    long n = semihost_command_line(command, sizeof command);
    if (n < 0) {
        semihost_print("golden (qemu): no command line\n");
        return 2;
    }
    golden_io io = {read_file, print_line, NULL};
    golden_totals totals = {0, 0, 0, 0, 0};
    int failed = 0, folders = 0;
    strtok(command, " "); /* the program name */
    for (char *dir = strtok(NULL, " "); dir; dir = strtok(NULL, " ")) {
        failed |= golden_run(dir, &io, &totals);
        folders++;
    }
    char line[256];
    snprintf(line, sizeof line, "golden (qemu): %u samples, %u core runs, %u core-steps, %lu spikes compared, %u mismatches",
             (unsigned)totals.samples, (unsigned)totals.cores, (unsigned)totals.steps, (unsigned long)totals.spikes,
             (unsigned)totals.mismatches);
    print_line(NULL, line);
    return failed || folders == 0 || totals.mismatches ? 1 : 0;
}
