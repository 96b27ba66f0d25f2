#!/usr/bin/env bash
# Runs a command with virtual hm2bp boards attached: the real, unmodified libusb in COMMAND talks
# to the board firmware's own protocol code through umockdev (docs/loader.md, "The virtual board").
#
#   bash scripts/with-virtual-board.sh [--target hm2bp-nano|hm2bp-micro|hm2bp-large] [--serial S[,S2...]] [--boards N]
#                                      [--state DIR] -- COMMAND...
#
# A board's flash lives as long as the run, or, with --state DIR (or HM2BP_VB_STATE_DIR), in
# DIR/<target>.<serial>.flash from one run to the next (flash in one run, run it in the next).
# Scenario knobs are HM2BP_VB_* environment variables (`Firmware/build/host/virtual-board` without
# arguments lists them). Installs its Debian packages when missing and builds the runner when its
# sources changed. Exit status: COMMAND's; 125 when the board saw a protocol violation.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

source "$root/scripts/packages.sh"
require_packages with-virtual-board umockdev libumockdev-dev libusb-1.0-0-dev libglib2.0-dev pkg-config make gcc

# The runner links the firmware's host library (make -C Firmware lib) and libumockdev.
runner="$root/Firmware/build/host/virtual-board"
sources=("$root"/Firmware/host/*.c "$root"/Firmware/host/*.h "$root"/Firmware/core/*.c "$root"/Firmware/core/*.h)
stale=0
[ -x "$runner" ] || stale=1
for s in "${sources[@]}"; do [ "$s" -nt "$runner" ] && stale=1; done
if [ "$stale" = 1 ]; then
  make -s -C "$root/Firmware" lib >&2
  # -iquote: the firmware's headers answer quoted includes only, never a system <...> include.
  # shellcheck disable=SC2046
  cc -std=gnu11 -O2 -g -Wall -Wextra -Werror -iquote "$root/Firmware/core" -iquote "$root/Firmware/host" \
    "$root/Firmware/host/virtual-board.c" "$root/Firmware/host/vb-firmware.c" \
    "$root/Firmware/build/host/libhm2bp-board.a" \
    $(pkg-config --cflags --libs umockdev-1.0 glib-2.0 gobject-2.0 gio-2.0) -o "$runner.tmp"
  mv "$runner.tmp" "$runner"
fi

exec "$runner" --targets-dir "${HM2BP_TARGETS_DIR:-$root/Targets}" "$@"
