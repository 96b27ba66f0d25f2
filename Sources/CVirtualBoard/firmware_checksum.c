/* The firmware's own checksum.c, compiled into the package for the in-memory board (InMemoryBoard). */
#include "../../Firmware/core/checksum.c"
