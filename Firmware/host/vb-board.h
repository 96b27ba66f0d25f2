/* The device side of one virtual board, as the usbfs emulation in virtual-board.c sees it: the
 * firmware's transport-independent USB unit behind five calls. vb-firmware.c binds these to the
 * firmware's own protocol handler (Firmware/core), so the virtual board runs the same code as a
 * real board; nothing here knows the protocol's messages. */
#ifndef VB_BOARD_H
#define VB_BOARD_H

#include <stddef.h>
#include <stdint.h>

/* Results of the calls below besides a byte count. */
enum { VB_NAK = -1, VB_STALL = -2 };

typedef struct vb_board vb_board;

typedef struct {
    const char *target;          /* board profile name, e.g. "hm2bp-nano" */
    const char *targets_dir;     /* folder holding <target>.json */
    const char *serial;          /* USB serial number string */
    const char *flash_file;      /* NULL, or where the board's flash is kept between runs */
    uint32_t firmware_version;   /* major << 16 | minor << 8 | patch; 0 = the firmware's own */
    uint16_t protocol_version;   /* 0 = the firmware's own */
} vb_board_config;

/* Creates a board: its flash from `flash_file` when that holds a flash of this profile's size,
 * else erased (no image); NULL with a message on stderr when the profile cannot be read. */
vb_board *vb_board_new(const vb_board_config *config);
/* Writes the flash back to `flash_file` (whole, through a temporary file and a rename, so the
 * next run boots from it as a board boots after power-off) and frees the board. */
void vb_board_free(vb_board *board);

/* The device descriptor followed by the whole configuration descriptor (what sysfs's
 * `descriptors` attribute holds); returns the length. */
size_t vb_board_descriptors(vb_board *board, uint8_t *out, size_t capacity);

/* A control request: setup is the 8-byte SETUP packet; data holds wLength bytes (OUT: the data
 * stage the host sent; IN: room for the answer). Returns the data-stage length (IN) or 0 (OUT),
 * or VB_STALL. Side effects are complete when it returns. */
int vb_board_control(vb_board *board, const uint8_t setup[8], uint8_t *data, uint16_t length);

/* One bulk OUT packet (at most wMaxPacketSize bytes). Returns 0 or VB_STALL (the endpoint
 * halts). */
int vb_board_bulk_out(vb_board *board, uint8_t endpoint, const uint8_t *packet, size_t length);

/* The next bulk IN packet: its length (0 = a zero-length packet), VB_NAK while the board has
 * nothing to send, or VB_STALL. */
int vb_board_bulk_in(vb_board *board, uint8_t endpoint, uint8_t *packet, size_t capacity);

/* Scenario knobs that change what the firmware says, set again at every open of the device:
 * another firmware version in INFO, another protocol version in GET_VERSION (0 = the
 * firmware's own), and an engine fault: the Nth traced RUN_STEPS reply (first = 1, 0 = none)
 * gets neuron 0 of core 0 flipped in its first step, as a board whose engine is wrong. */
typedef struct {
    uint32_t firmware_version;
    uint16_t protocol_version;
    long engine_fault;
} vb_board_faults;
void vb_board_set_faults(vb_board *board, const vb_board_faults *faults);

/* CLEAR_FEATURE(ENDPOINT_HALT) on an endpoint, and a bus reset. */
void vb_board_clear_halt(vb_board *board, uint8_t endpoint);
void vb_board_reset(vb_board *board);

#endif
