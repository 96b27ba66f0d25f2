/* The firmware's own protocol.c, compiled into the package for the in-memory board (InMemoryBoard). */
#include "../../Firmware/core/protocol.c"
