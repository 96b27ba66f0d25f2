/* The firmware's USB unit behind the virtual board's five calls (Firmware/host/vb-board.h). */
#include "../../Firmware/host/vb-firmware.c"
