/* The firmware's own image.c, compiled into the package for the in-memory board (InMemoryBoard). */
#include "../../Firmware/core/image.c"
