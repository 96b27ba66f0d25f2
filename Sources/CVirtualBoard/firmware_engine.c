/* The firmware's own engine.c, compiled into the package for the in-memory board (InMemoryBoard). */
#include "../../Firmware/core/engine.c"
