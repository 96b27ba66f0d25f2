/* ARM semihosting (the debugger or QEMU services the BKPT 0xAB trap): exit with a status,
 * print, read host files, and the command line QEMU passes with -semihosting-config arg=... */
#ifndef HB_SEMIHOST_H
#define HB_SEMIHOST_H

#include <stddef.h>
#include <stdint.h>

void semihost_exit(int status);
void semihost_print(const char *text);
/* Reads a whole host file; returns its length, or -1 (missing, or longer than capacity). */
long semihost_read_file(const char *path, uint8_t *buffer, size_t capacity);
/* The command line (argv joined by spaces) into buffer; returns its length or -1. */
long semihost_command_line(char *buffer, size_t capacity);

#endif
