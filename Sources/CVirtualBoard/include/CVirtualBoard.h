/* The virtual board's device side (Firmware/host/vb-board.h) for Swift. */
#include "../../../Firmware/host/vb-board.h"
