/* The firmware's own flash_ram.c, compiled into the package for the in-memory board (InMemoryBoard). */
#include "../../Firmware/core/flash_ram.c"
