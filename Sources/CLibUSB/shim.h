// libusb-1.0 from the Debian package libusb-1.0-0-dev (pkg-config libusb-1.0 adds
// -I/usr/include/libusb-1.0).
#include <libusb.h>
