/* The firmware's own store.c, compiled into the package for the in-memory board (InMemoryBoard). */
#include "../../Firmware/core/store.c"
