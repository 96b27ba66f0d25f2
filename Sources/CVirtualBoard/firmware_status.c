/* The firmware's own status.c, compiled into the package for the in-memory board (InMemoryBoard). */
#include "../../Firmware/core/status.c"
