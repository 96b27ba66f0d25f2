/* The virtual board runner: attaches one or more hm2bp boards under umockdev and runs a command
 * against them. The command's libusb (real and unmodified) talks usbfs ioctls to device nodes
 * that this process answers, driving the firmware's own USB unit (vb-board.h). Recipe and the
 * facts behind each choice: docs/loader.md, "The virtual board".
 *
 *   virtual-board [--target T] [--targets-dir D] [--serial S[,S2...]] [--boards N] [--state DIR] -- COMMAND...
 *
 * Scenario knobs are environment variables (HM2BP_VB_*), or lines of the file HM2BP_VB_SCENARIO
 * names (read again at every open of a device node), listed in usage(). Exit status: the
 * command's, or 125 when the board saw a protocol violation (an ioctl or request a correct
 * host never sends), or 126/127 when the runner itself could not start. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/capability.h>
#include <linux/usbdevice_fs.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h> /* the _IOC macros of the USBDEVFS_* requests */
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <umockdev.h>

#include "vb-board.h"

#define MAX_BOARDS 8
#define EXIT_VIOLATION 125
#define EXIT_SETUP 126

/* Scenario knobs, read at every open of a device node (read_knobs). 0 = off. */
typedef struct {
    long stall_block;       /* HM2BP_VB_STALL_BLOCK=N: stall DFU_DNLOAD block N (first = 0) */
    long stall_bulk;        /* HM2BP_VB_STALL_BULK=N: stall the Nth bulk OUT transfer (first = 1) */
    int nak;                /* HM2BP_VB_NAK=bulk|all: bulk IN (or every transfer) never answers */
    long unplug_after;      /* HM2BP_VB_UNPLUG_AFTER=N: unplugged after N transfers (ENODEV) */
    long short_reply;       /* HM2BP_VB_SHORT_REPLY=N: bulk IN transfers from the Nth on are cut short */
    long corrupt_reply;     /* HM2BP_VB_CORRUPT_REPLY=N: one byte flipped in bulk IN transfers from the Nth on */
    long reply_faults;      /* HM2BP_VB_REPLY_FAULTS=K: only K transfers get the fault above (0 = all) */
    int claimed;            /* HM2BP_VB_CLAIMED=1: another process holds the interfaces (EBUSY) */
    int permission_denied;  /* HM2BP_VB_PERMISSION=denied: the node is mode 0000, the command has no DAC override */
    int trace;              /* HM2BP_VB_TRACE=1: every ioctl on stderr */
    long firmware_version;  /* HM2BP_VB_FIRMWARE_VERSION=N */
    long protocol_version;  /* HM2BP_VB_PROTOCOL_VERSION=N */
    long engine_fault;      /* HM2BP_VB_ENGINE_FAULT=N: the Nth traced RUN_STEPS reply has one spike flipped */
} knobs;

static knobs knob;

/* One URB the host submitted and has not reaped yet. */
typedef struct urb_entry {
    UMockdevIoctlData *urb_data;    /* the client's struct usbdevfs_urb */
    UMockdevIoctlData *buffer_data; /* its buffer (NULL when empty) */
    gulong client_addr;
    int done;
    int status;
    int actual;
    int in_filled;                  /* bulk IN bytes gathered so far */
    struct urb_entry *next;
} urb_entry;

typedef struct {
    uint8_t address;
    uint16_t max_packet;
    uint8_t interface;
    int halted;
} endpoint_info;

typedef struct {
    GMutex lock;
    vb_board *board;
    char devnode[64];
    int index;
    endpoint_info endpoints[16];
    int endpoint_count;
    uint8_t interface_count;
    uint32_t claimed;            /* bit per interface */
    urb_entry *urbs;             /* submitted, in order */
    long transfers;              /* URBs submitted since start */
    long bulk_out_transfers;
    long bulk_in_transfers;
    int unplugged;
    long violations;
} port;

static port ports[MAX_BOARDS];
static int port_count;

static void violation(port *p, const char *what, unsigned long detail) {
    p->violations++;
    fprintf(stderr, "virtual-board %s: protocol violation: %s (0x%lx)\n", p->devnode, what, detail);
}

static const endpoint_info *find_endpoint(port *p, uint8_t address) {
    for (int i = 0; i < p->endpoint_count; i++)
        if (p->endpoints[i].address == address) return &p->endpoints[i];
    return NULL;
}

/* Reads interface and endpoint descriptors out of the configuration descriptor. */
static void parse_configuration(port *p, const uint8_t *d, size_t length) {
    uint8_t current_interface = 0;
    for (size_t i = 18; i + 2 <= length && d[i] >= 2; i += d[i]) {
        if (d[i + 1] == 4 && d[i] >= 9) {
            current_interface = d[i + 2];
            if (current_interface + 1 > p->interface_count) p->interface_count = current_interface + 1;
        } else if (d[i + 1] == 5 && d[i] >= 7 && p->endpoint_count < 16) {
            endpoint_info *e = &p->endpoints[p->endpoint_count++];
            e->address = d[i + 2];
            e->max_packet = (uint16_t)(d[i + 4] | d[i + 5] << 8);
            e->interface = current_interface;
        }
    }
}

static void urb_write_back(urb_entry *u) {
    struct usbdevfs_urb copy;
    memcpy(&copy, u->urb_data->data, sizeof copy);
    copy.status = u->status;
    copy.actual_length = u->actual;
    umockdev_ioctl_data_update(u->urb_data, 0, (guint8 *)&copy, sizeof copy);
}

static void finish(urb_entry *u, int status, int actual) {
    u->done = 1;
    u->status = status;
    u->actual = actual;
}

/* Whether the reply-fault knob `from` (first faulty bulk IN transfer, 0 = off) hits transfer nth. */
static int faulty(long from, long nth) {
    return from > 0 && nth >= from && (knob.reply_faults == 0 || nth < from + knob.reply_faults);
}

/* Bulk IN: gathers packets until a short packet or a full buffer; NAK keeps the URB pending. */
static void service_in(port *p, urb_entry *u) {
    struct usbdevfs_urb *urb = (struct usbdevfs_urb *)u->urb_data->data;
    const endpoint_info *e = find_endpoint(p, urb->endpoint);
    if (knob.nak) return;
    uint8_t packet[1024];
    while (!u->done) {
        int room = urb->buffer_length - u->in_filled;
        int n = vb_board_bulk_in(p->board, urb->endpoint, packet, sizeof packet);
        if (n == VB_NAK) return;
        if (n == VB_STALL) { finish(u, -EPIPE, u->in_filled); return; }
        if (n > room) { finish(u, -EOVERFLOW, u->in_filled); return; }
        if (n > 0) {
            if (faulty(knob.corrupt_reply, p->bulk_in_transfers)) packet[n / 2] ^= 0x5a;
            if (faulty(knob.short_reply, p->bulk_in_transfers) && n > 1) n /= 2;
            umockdev_ioctl_data_update(u->buffer_data, (gsize)u->in_filled, packet, n);
            u->in_filled += n;
        }
        if (n < e->max_packet || u->in_filled == urb->buffer_length) finish(u, 0, u->in_filled);
        if (faulty(knob.short_reply, p->bulk_in_transfers) && !u->done) finish(u, 0, u->in_filled);
    }
}

static void service_pending(port *p) {
    for (urb_entry *u = p->urbs; u; u = u->next) {
        struct usbdevfs_urb *urb = (struct usbdevfs_urb *)u->urb_data->data;
        if (!u->done && urb->type == USBDEVFS_URB_TYPE_BULK && (urb->endpoint & 0x80)) service_in(p, u);
    }
}

static void unplug(port *p) {
    p->unplugged = 1;
    for (urb_entry *u = p->urbs; u; u = u->next)
        if (!u->done) finish(u, -ENODEV, 0);
    fprintf(stderr, "virtual-board %s: unplugged after %ld transfers (scenario)\n", p->devnode, knob.unplug_after);
}

static void submit_control(port *p, urb_entry *u, struct usbdevfs_urb *urb) {
    uint8_t *buffer = u->buffer_data ? u->buffer_data->data : NULL;
    if (!buffer || urb->buffer_length < 8) {
        violation(p, "control URB without a setup packet", (unsigned long)urb->buffer_length);
        finish(u, -EINVAL, 0);
        return;
    }
    uint8_t setup[8];
    memcpy(setup, buffer, 8);
    uint16_t length = (uint16_t)(setup[6] | setup[7] << 8);
    if (length > urb->buffer_length - 8) {
        violation(p, "control wLength beyond the URB buffer", length);
        finish(u, -EINVAL, 0);
        return;
    }
    if (knob.nak == 2) return; /* the device hangs: the URB stays pending until discarded */
    /* DFU_DNLOAD (class, interface, OUT, request 1) with wValue = block number. */
    if (knob.stall_block >= 0 && setup[0] == 0x21 && setup[1] == 1 && length > 0 &&
        (setup[2] | setup[3] << 8) == knob.stall_block) {
        knob.stall_block = -1;
        finish(u, -EPIPE, 0);
        return;
    }
    uint8_t data[65536];
    if (!(setup[0] & 0x80)) memcpy(data, buffer + 8, length);
    int n = vb_board_control(p->board, setup, data, length);
    if (n == VB_STALL) { finish(u, -EPIPE, 0); return; }
    if (setup[0] & 0x80) {
        if (n > length) n = length;
        if (n > 0) umockdev_ioctl_data_update(u->buffer_data, 8, data, n);
        finish(u, 0, n);
    } else {
        finish(u, 0, length);
    }
    /* SET_CONFIGURATION / SET_INTERFACE through EP0 are answered by the board itself. */
}

static void submit_bulk_out(port *p, urb_entry *u, struct usbdevfs_urb *urb, const endpoint_info *e) {
    const uint8_t *buffer = u->buffer_data ? u->buffer_data->data : NULL;
    p->bulk_out_transfers++;
    if (knob.stall_bulk == p->bulk_out_transfers) {
        /* The firmware takes the packet, then halts both bulk endpoints: the host sees EPIPE on
         * its next transfer (reading the reply) and must clear the halts. */
        for (int i = 0; i < p->endpoint_count; i++)
            if (p->endpoints[i].interface == e->interface) p->endpoints[i].halted = 1;
        finish(u, 0, urb->buffer_length);
        return;
    }
    int sent = 0;
    do {
        int n = urb->buffer_length - sent;
        if (n > e->max_packet) n = e->max_packet;
        if (vb_board_bulk_out(p->board, urb->endpoint, buffer ? buffer + sent : NULL, (size_t)n) == VB_STALL) {
            ((endpoint_info *)e)->halted = 1;
            finish(u, -EPIPE, sent);
            return;
        }
        sent += n;
        if (n < e->max_packet) break;
        if (sent == urb->buffer_length && !(urb->flags & USBDEVFS_URB_ZERO_PACKET)) break;
    } while (1);
    finish(u, 0, sent);
}

static void submit(port *p, UMockdevIoctlClient *client, UMockdevIoctlData *arg) {
    GError *error = NULL;
    UMockdevIoctlData *data = umockdev_ioctl_data_resolve(arg, 0, sizeof(struct usbdevfs_urb), &error);
    if (!data) { umockdev_ioctl_client_complete(client, -1, EFAULT); g_clear_error(&error); return; }
    struct usbdevfs_urb *urb = (struct usbdevfs_urb *)data->data;
    if (p->unplugged) { umockdev_ioctl_client_complete(client, -1, ENODEV); return; }
    p->transfers++;
    if (knob.unplug_after > 0 && p->transfers > knob.unplug_after) {
        unplug(p);
        umockdev_ioctl_client_complete(client, -1, ENODEV);
        return;
    }
    const endpoint_info *e = NULL;
    if (urb->type == USBDEVFS_URB_TYPE_CONTROL) {
        if ((urb->endpoint & 0x7f) != 0) { violation(p, "control URB on a non-zero endpoint", urb->endpoint); umockdev_ioctl_client_complete(client, -1, EINVAL); return; }
    } else if (urb->type == USBDEVFS_URB_TYPE_BULK) {
        e = find_endpoint(p, urb->endpoint);
        if (!e) { violation(p, "bulk URB to an endpoint the descriptors do not have", urb->endpoint); umockdev_ioctl_client_complete(client, -1, ENOENT); return; }
        if (!(p->claimed & (1u << e->interface))) { violation(p, "bulk URB on an interface not claimed", urb->endpoint); umockdev_ioctl_client_complete(client, -1, EINVAL); return; }
    } else {
        violation(p, "URB type the board does not have", urb->type);
        umockdev_ioctl_client_complete(client, -1, EINVAL);
        return;
    }
    if (urb->buffer_length < 0 || urb->buffer_length > (1 << 24)) { violation(p, "URB length", (unsigned long)urb->buffer_length); umockdev_ioctl_client_complete(client, -1, EINVAL); return; }

    urb_entry *u = g_new0(urb_entry, 1);
    u->urb_data = umockdev_ioctl_data_ref(data);
    u->client_addr = data->client_addr;
    if (urb->buffer_length > 0) {
        u->buffer_data = umockdev_ioctl_data_resolve(data, G_STRUCT_OFFSET(struct usbdevfs_urb, buffer), (gsize)urb->buffer_length, &error);
        if (!u->buffer_data) { g_clear_error(&error); g_free(u); umockdev_ioctl_client_complete(client, -1, EFAULT); return; }
        umockdev_ioctl_data_ref(u->buffer_data);
    }
    urb_entry **tail = &p->urbs;
    while (*tail) tail = &(*tail)->next;
    *tail = u;

    if (urb->type == USBDEVFS_URB_TYPE_CONTROL) {
        submit_control(p, u, urb);
    } else if (e->halted) {
        finish(u, -EPIPE, 0);
    } else if (urb->endpoint & 0x80) {
        p->bulk_in_transfers++;
        service_in(p, u);
    } else {
        submit_bulk_out(p, u, urb, e);
        service_pending(p);
    }
    umockdev_ioctl_client_complete(client, 0, 0);
}

static void reap(port *p, UMockdevIoctlClient *client, UMockdevIoctlData *arg) {
    service_pending(p);
    urb_entry **link = &p->urbs;
    while (*link && !(*link)->done) link = &(*link)->next;
    if (!*link) { umockdev_ioctl_client_complete(client, -1, p->unplugged ? ENODEV : EAGAIN); return; }
    urb_entry *u = *link;
    *link = u->next;
    GError *error = NULL;
    UMockdevIoctlData *data = umockdev_ioctl_data_resolve(arg, 0, sizeof(void *), &error);
    g_clear_error(&error);
    if (!data) {
        violation(p, "REAPURB without a place for the URB pointer", 0);
        *link = u; /* keep it for a correct reap */
        umockdev_ioctl_client_complete(client, -1, EFAULT);
        return;
    }
    urb_write_back(u);
    umockdev_ioctl_data_set_ptr(data, 0, u->urb_data);
    umockdev_ioctl_client_complete(client, 0, 0);
    if (u->buffer_data) umockdev_ioctl_data_unref(u->buffer_data);
    umockdev_ioctl_data_unref(u->urb_data);
    g_free(u);
}

static void discard(port *p, UMockdevIoctlClient *client, UMockdevIoctlData *arg) {
    gulong address = *(gulong *)arg->data;
    for (urb_entry *u = p->urbs; u; u = u->next) {
        if (u->client_addr == address && !u->done) {
            finish(u, -ENOENT, u->in_filled);
            umockdev_ioctl_client_complete(client, 0, 0);
            return;
        }
    }
    umockdev_ioctl_client_complete(client, -1, EINVAL);
}

static int int_arg(UMockdevIoctlData *arg, unsigned *value) {
    GError *error = NULL;
    UMockdevIoctlData *data = umockdev_ioctl_data_resolve(arg, 0, sizeof(unsigned), &error);
    g_clear_error(&error);
    if (!data) return 0;
    *value = *(unsigned *)data->data;
    return 1;
}

static gboolean handle_ioctl(UMockdevIoctlBase *handler, UMockdevIoctlClient *client, gpointer user_data) {
    (void)handler;
    port *p = user_data;
    gulong request = umockdev_ioctl_client_get_request(client);
    UMockdevIoctlData *arg = umockdev_ioctl_client_get_arg(client);
    GError *error = NULL;
    unsigned value = 0;
    g_mutex_lock(&p->lock);
    if (knob.trace) fprintf(stderr, "virtual-board %s: ioctl 0x%lx\n", p->devnode, request);
    if (p->unplugged && request != USBDEVFS_REAPURBNDELAY && request != USBDEVFS_REAPURB &&
        request != USBDEVFS_DISCARDURB && request != USBDEVFS_RELEASEINTERFACE) {
        umockdev_ioctl_client_complete(client, -1, ENODEV);
        g_mutex_unlock(&p->lock);
        return TRUE;
    }
    switch (request) {
    case USBDEVFS_GET_CAPABILITIES: {
        UMockdevIoctlData *data = umockdev_ioctl_data_resolve(arg, 0, sizeof(uint32_t), &error);
        uint32_t caps = USBDEVFS_CAP_ZERO_PACKET | USBDEVFS_CAP_BULK_CONTINUATION |
                        USBDEVFS_CAP_NO_PACKET_SIZE_LIM | USBDEVFS_CAP_REAP_AFTER_DISCONNECT;
        if (data) umockdev_ioctl_data_update(data, 0, (guint8 *)&caps, sizeof caps);
        umockdev_ioctl_client_complete(client, data ? 0 : -1, data ? 0 : EFAULT);
        break;
    }
    case USBDEVFS_CLAIMINTERFACE:
        if (!int_arg(arg, &value) || value >= p->interface_count) { violation(p, "claim of an interface the board does not have", value); umockdev_ioctl_client_complete(client, -1, ENOENT); }
        else if (knob.claimed) umockdev_ioctl_client_complete(client, -1, EBUSY);
        else { p->claimed |= 1u << value; umockdev_ioctl_client_complete(client, 0, 0); }
        break;
    case USBDEVFS_RELEASEINTERFACE:
        if (int_arg(arg, &value) && value < 32) p->claimed &= ~(1u << value);
        umockdev_ioctl_client_complete(client, 0, 0);
        break;
    case USBDEVFS_GETDRIVER:
        umockdev_ioctl_client_complete(client, -1, ENODATA);
        break;
    case USBDEVFS_SETCONFIGURATION:
        umockdev_ioctl_client_complete(client, 0, 0);
        break;
    case USBDEVFS_SETINTERFACE: {
        UMockdevIoctlData *data = umockdev_ioctl_data_resolve(arg, 0, sizeof(struct usbdevfs_setinterface), &error);
        if (!data) { umockdev_ioctl_client_complete(client, -1, EFAULT); break; }
        struct usbdevfs_setinterface *s = (struct usbdevfs_setinterface *)data->data;
        /* The kernel sends SET_INTERFACE on EP0 for the host; so does this. */
        uint8_t setup[8] = {0x01, 11, (uint8_t)s->altsetting, (uint8_t)(s->altsetting >> 8), (uint8_t)s->interface, 0, 0, 0};
        int r = vb_board_control(p->board, setup, NULL, 0);
        umockdev_ioctl_client_complete(client, r == VB_STALL ? -1 : 0, r == VB_STALL ? EINVAL : 0);
        break;
    }
    case USBDEVFS_CLEAR_HALT:
        if (int_arg(arg, &value)) {
            const endpoint_info *e = find_endpoint(p, (uint8_t)value);
            if (e) ((endpoint_info *)e)->halted = 0;
            vb_board_clear_halt(p->board, (uint8_t)value);
        }
        umockdev_ioctl_client_complete(client, 0, 0);
        break;
    case USBDEVFS_RESETEP:
        umockdev_ioctl_client_complete(client, 0, 0);
        break;
    case USBDEVFS_RESET:
        vb_board_reset(p->board);
        for (int i = 0; i < p->endpoint_count; i++) p->endpoints[i].halted = 0;
        umockdev_ioctl_client_complete(client, 0, 0);
        break;
    case USBDEVFS_SUBMITURB:
        submit(p, client, arg);
        break;
    case USBDEVFS_REAPURB:
    case USBDEVFS_REAPURBNDELAY:
        reap(p, client, arg);
        break;
    case USBDEVFS_DISCARDURB:
        discard(p, client, arg);
        break;
    default:
        violation(p, "ioctl the board does not answer", request);
        umockdev_ioctl_client_complete(client, -1, ENOTTY);
    }
    g_mutex_unlock(&p->lock);
    return TRUE;
}

/* A new open() of the node: the scenario is read again (environment, then the file named by
 * HM2BP_VB_SCENARIO, so a test can change it between commands) and the counters restart, so
 * "after N transfers" counts within one opening. */
static void read_knobs(void);
static void forget_client(port *p);
static void client_connected(UMockdevIoctlBase *handler, UMockdevIoctlClient *client, gpointer user_data) {
    (void)handler; (void)client;
    port *p = user_data;
    g_mutex_lock(&p->lock);
    read_knobs();
    vb_board_faults faults = {(uint32_t)knob.firmware_version, (uint16_t)knob.protocol_version, knob.engine_fault};
    vb_board_set_faults(p->board, &faults);
    p->transfers = p->bulk_in_transfers = p->bulk_out_transfers = 0;
    /* The tests open the node one command at a time; a new open also means the last client is
     * gone (umockdev does not always tell), and an unplugged board has been plugged in again. */
    forget_client(p);
    g_mutex_unlock(&p->lock);
}

static void client_vanished(UMockdevIoctlBase *handler, UMockdevIoctlClient *client, gpointer user_data) {
    (void)handler; (void)client;
    port *p = user_data;
    g_mutex_lock(&p->lock);
    forget_client(p);
    g_mutex_unlock(&p->lock);
}

/* A closed file descriptor: interfaces are released, leftover URBs dropped, and an unplugged
 * board comes back (the user plugged it in again), its image store intact. Lock held. */
static void forget_client(port *p) {
    p->claimed = 0;
    while (p->urbs) {
        urb_entry *u = p->urbs;
        p->urbs = u->next;
        if (u->buffer_data) umockdev_ioctl_data_unref(u->buffer_data);
        umockdev_ioctl_data_unref(u->urb_data);
        g_free(u);
    }
    if (p->unplugged) {
        p->unplugged = 0;
        vb_board_reset(p->board);
    }
    for (int i = 0; i < p->endpoint_count; i++) p->endpoints[i].halted = 0;
}

/* KEY=VALUE lines of the scenario file, which win over the environment. */
static gchar **scenario;

static const char *knob_value(const char *name) {
    for (gchar **line = scenario; line && *line; line++) {
        size_t n = strlen(name);
        if (strncmp(*line, name, n) == 0 && (*line)[n] == '=') return *line + n + 1;
    }
    return getenv(name);
}

/* A knob's value (decimal, or hex with 0x); a value that is not a number is reported and ignored. */
static long env_long(const char *name, long fallback) {
    const char *v = knob_value(name);
    if (!v || !*v) return fallback;
    char *end;
    long value = strtol(v, &end, 0);
    if (*end) { fprintf(stderr, "virtual-board: %s=%s is not a number; ignored\n", name, v); return fallback; }
    return value;
}

static void read_knobs(void) {
    g_strfreev(scenario);
    scenario = NULL;
    const char *file = getenv("HM2BP_VB_SCENARIO");
    gchar *text = NULL;
    if (file && *file && g_file_get_contents(file, &text, NULL, NULL)) {
        scenario = g_strsplit(text, "\n", -1);
        for (gchar **line = scenario; *line; line++) g_strstrip(*line);
        g_free(text);
    }
    knob.stall_block = env_long("HM2BP_VB_STALL_BLOCK", -1);
    knob.stall_bulk = env_long("HM2BP_VB_STALL_BULK", 0);
    const char *nak = knob_value("HM2BP_VB_NAK");
    knob.nak = !nak || !*nak ? 0 : strcmp(nak, "all") == 0 ? 2 : 1;
    knob.unplug_after = env_long("HM2BP_VB_UNPLUG_AFTER", 0);
    knob.short_reply = env_long("HM2BP_VB_SHORT_REPLY", 0);
    knob.corrupt_reply = env_long("HM2BP_VB_CORRUPT_REPLY", 0);
    knob.reply_faults = env_long("HM2BP_VB_REPLY_FAULTS", 0);
    knob.claimed = env_long("HM2BP_VB_CLAIMED", 0) != 0;
    const char *perm = knob_value("HM2BP_VB_PERMISSION");
    knob.permission_denied = perm && strcmp(perm, "denied") == 0;
    knob.trace = env_long("HM2BP_VB_TRACE", 0) != 0;
    knob.firmware_version = env_long("HM2BP_VB_FIRMWARE_VERSION", 0);
    knob.protocol_version = env_long("HM2BP_VB_PROTOCOL_VERSION", 0);
    knob.engine_fault = env_long("HM2BP_VB_ENGINE_FAULT", 0);
}

static void usage(void) {
    fputs("usage: virtual-board [--target hm2bp-nano|hm2bp-micro|hm2bp-large] [--targets-dir DIR] [--serial S[,S2,...]]\n"
          "                     [--boards N] [--state DIR] -- COMMAND [ARGS...]\n"
          "Runs COMMAND with N virtual hm2bp boards attached under umockdev (libusb sees them).\n"
          "--state DIR (or HM2BP_VB_STATE_DIR): each board's flash is kept in DIR/<target>.<serial>.flash\n"
          "between runs, so an image flashed in one run is still active in the next.\n"
          "Scenario knobs (environment): HM2BP_VB_STALL_BLOCK=N (stall DFU block N), HM2BP_VB_STALL_BULK=N\n"
          "(stall the Nth bulk OUT transfer), HM2BP_VB_NAK=bulk|all (never answer), HM2BP_VB_UNPLUG_AFTER=N\n"
          "(unplug after N transfers), HM2BP_VB_SHORT_REPLY=N / HM2BP_VB_CORRUPT_REPLY=N (bulk IN transfers from\n"
          "the Nth on cut short / one byte flipped; HM2BP_VB_REPLY_FAULTS=K: only K of them), HM2BP_VB_CLAIMED=1 (interfaces busy), HM2BP_VB_PERMISSION=denied,\n"
          "HM2BP_VB_FIRMWARE_VERSION=0xMMmmpp (INFO), HM2BP_VB_PROTOCOL_VERSION=N (GET_VERSION), HM2BP_VB_ENGINE_FAULT=N\n"
          "(the Nth traced RUN_STEPS reply has neuron 0 of core 0 flipped in its first step), HM2BP_VB_TRACE=1.\n"
          "HM2BP_VB_SCENARIO=FILE: KEY=VALUE lines read again at every open of the device, over the environment.\n"
          "Counters (transfers, blocks) restart at every open.\n"
          "Exit status: COMMAND's; 125 when the board saw a protocol violation; 126 when the runner could not start.\n",
          stderr);
}

static void hex(GString *s, const uint8_t *bytes, size_t n) {
    for (size_t i = 0; i < n; i++) g_string_append_printf(s, "%02x", bytes[i]);
}

/* The udev record of board i (bus 1, address i + 2) and its ioctl handler. */
static int attach(UMockdevTestbed *testbed, int i, const vb_board_config *config) {
    port *p = &ports[i];
    g_mutex_init(&p->lock);
    p->index = i;
    p->board = vb_board_new(config);
    if (!p->board) return 0;
    uint8_t descriptors[4096];
    size_t length = vb_board_descriptors(p->board, descriptors, sizeof descriptors);
    if (length < 18 + 9) { fprintf(stderr, "virtual-board: the firmware gave no descriptors\n"); return 0; }
    parse_configuration(p, descriptors, length);
    uint16_t vid = (uint16_t)(descriptors[8] | descriptors[9] << 8);
    uint16_t pid = (uint16_t)(descriptors[10] | descriptors[11] << 8);
    uint16_t bcd = (uint16_t)(descriptors[12] | descriptors[13] << 8);
    int devnum = i + 2;
    snprintf(p->devnode, sizeof p->devnode, "/dev/bus/usb/001/%03d", devnum);

    UMockdevIoctlBase *handler = umockdev_ioctl_base_new();
    g_signal_connect(handler, "handle-ioctl", G_CALLBACK(handle_ioctl), p);
    g_signal_connect(handler, "client-connected", G_CALLBACK(client_connected), p);
    g_signal_connect(handler, "client-vanished", G_CALLBACK(client_vanished), p);
    GError *error = NULL;
    if (!umockdev_testbed_attach_ioctl(testbed, p->devnode, handler, &error)) {
        fprintf(stderr, "virtual-board: cannot attach %s: %s\n", p->devnode, error->message);
        return 0;
    }
    GString *record = g_string_new(NULL);
    g_string_append_printf(record,
        "P: /devices/pci0000:00/0000:00:14.0/usb1/1-%d\n"
        "N: bus/usb/001/%03d\n"
        "E: SUBSYSTEM=usb\nE: DEVTYPE=usb_device\nE: DRIVER=usb\n"
        "E: BUSNUM=001\nE: DEVNUM=%03d\nE: DEVNAME=/dev/bus/usb/001/%03d\n"
        "E: PRODUCT=%x/%x/%x\n"
        "A: busnum=1\nA: devnum=%d\nA: speed=12\nA: bConfigurationValue=1\nA: bNumConfigurations=1\n"
        "A: idVendor=%04x\nA: idProduct=%04x\nA: serial=%s\n"
        "H: descriptors=",
        i + 1, devnum, devnum, devnum, vid, pid, bcd, devnum, vid, pid, config->serial);
    hex(record, descriptors, length);
    g_string_append(record, "\n");
    if (!umockdev_testbed_add_from_string(testbed, record->str, &error)) {
        fprintf(stderr, "virtual-board: cannot add %s: %s\n", p->devnode, error->message);
        return 0;
    }
    g_string_free(record, TRUE);
    if (knob.permission_denied) {
        char *node = g_strdup_printf("%s%s", umockdev_testbed_get_root_dir(testbed), p->devnode);
        if (chmod(node, 0) != 0) fprintf(stderr, "virtual-board: chmod %s: %s\n", node, strerror(errno));
        g_free(node);
    }
    fprintf(stderr, "virtual-board: %s %04x:%04x serial %s at %s\n", config->target, vid, pid, config->serial, p->devnode);
    return 1;
}

/* Root bypasses file modes; the permission scenario drops that override from the command's
 * bounding set (root regains every capability in it at exec). */
static void drop_dac_override(void) {
    prctl(PR_CAPBSET_DROP, CAP_DAC_OVERRIDE, 0, 0, 0);
    prctl(PR_CAPBSET_DROP, CAP_DAC_READ_SEARCH, 0, 0, 0);
    prctl(PR_CAPBSET_DROP, CAP_FOWNER, 0, 0, 0);
}

static pid_t child_pid;
static void forward_signal(int signal_number) {
    if (child_pid > 0) kill(child_pid, signal_number);
}

int main(int argc, char **argv) {
    const char *target = "hm2bp-nano";
    const char *targets_dir = getenv("HM2BP_TARGETS_DIR") ? getenv("HM2BP_TARGETS_DIR") : "Targets";
    const char *serials = "HM2BP-VB-0001";
    const char *state_dir = getenv("HM2BP_VB_STATE_DIR");
    int boards = 0;
    int i = 1;
    for (; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) { i++; break; }
        if (i + 1 >= argc) { usage(); return 2; }
        if (strcmp(argv[i], "--target") == 0) target = argv[++i];
        else if (strcmp(argv[i], "--targets-dir") == 0) targets_dir = argv[++i];
        else if (strcmp(argv[i], "--serial") == 0) serials = argv[++i];
        else if (strcmp(argv[i], "--boards") == 0) boards = atoi(argv[++i]);
        else if (strcmp(argv[i], "--state") == 0) state_dir = argv[++i];
        else { usage(); return 2; }
    }
    if (i >= argc) { usage(); return 2; }
    read_knobs();

    gchar **serial_list = g_strsplit(serials, ",", MAX_BOARDS);
    int given = (int)g_strv_length(serial_list);
    if (boards <= 0) boards = given;
    if (boards < 1 || boards > MAX_BOARDS) { fprintf(stderr, "virtual-board: --boards must be 1 ... %d\n", MAX_BOARDS); return 2; }

    UMockdevTestbed *testbed = umockdev_testbed_new();
    for (int b = 0; b < boards; b++) {
        char fallback[32];
        snprintf(fallback, sizeof fallback, "HM2BP-VB-%04d", b + 1);
        const char *serial = b < given ? serial_list[b] : fallback;
        gchar *flash_file = state_dir ? g_strdup_printf("%s/%s.%s.flash", state_dir, target, serial) : NULL;
        vb_board_config config = {
            .target = target, .targets_dir = targets_dir,
            .serial = serial, .flash_file = flash_file,
            .firmware_version = (uint32_t)knob.firmware_version,
            .protocol_version = (uint16_t)knob.protocol_version,
        };
        if (!attach(testbed, b, &config)) return EXIT_SETUP;
        g_free(flash_file);
        port_count++;
    }

    child_pid = fork();
    if (child_pid < 0) { perror("virtual-board: fork"); return EXIT_SETUP; }
    if (child_pid == 0) {
        /* Only the command gets the preload; a sanitizer runtime already there stays first. */
        const char *old = getenv("LD_PRELOAD");
        char *preload = g_strdup_printf("%s%slibumockdev-preload.so.0", old && *old ? old : "", old && *old ? ":" : "");
        setenv("LD_PRELOAD", preload, 1);
        if (knob.permission_denied) drop_dac_override();
        execvp(argv[i], argv + i);
        fprintf(stderr, "virtual-board: cannot run %s: %s\n", argv[i], strerror(errno));
        _exit(127);
    }
    signal(SIGINT, forward_signal);
    signal(SIGTERM, forward_signal);
    int status = 0;
    while (waitpid(child_pid, &status, 0) < 0 && errno == EINTR) {}
    long violations = 0;
    for (int b = 0; b < port_count; b++) {
        g_mutex_lock(&ports[b].lock);
        violations += ports[b].violations;
        g_mutex_unlock(&ports[b].lock);
    }
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (violations > 0) {
        fprintf(stderr, "virtual-board: %ld protocol violation(s) seen; exit %d (the command exited %d)\n", violations, EXIT_VIOLATION, code);
        code = EXIT_VIOLATION;
    }
    /* The testbed's folder is removed by its finalizer. */
    g_object_unref(testbed);
    for (int b = 0; b < port_count; b++) vb_board_free(ports[b].board);
    g_strfreev(serial_list);
    return code;
}
