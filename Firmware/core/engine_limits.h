/* How much image the engine holds: fixed at build time because the firmware never allocates.
 * A board build sets them from its profile's RAM (Firmware/mcu/Makefile); the host build
 * (tests, virtual board) uses the generous defaults. An image over a limit is refused with
 * HB_IMG_EXCEEDS_BOARD. */
#ifndef HB_ENGINE_LIMITS_H
#define HB_ENGINE_LIMITS_H

#ifndef HB_MAX_LAYERS
#define HB_MAX_LAYERS 16u
#endif
#ifndef HB_MAX_CORES
#define HB_MAX_CORES 128u
#endif
#ifndef HB_MAX_NEURONS /* all cores together */
#define HB_MAX_NEURONS 65536u
#endif

#endif
