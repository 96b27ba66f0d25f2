#!/usr/bin/env bash
# The README's second command: set up, then build and run every test: the board firmware's
# (unit, fault, golden, fuzz, Cortex-M under QEMU), the loader's through the real libusb against
# virtual boards, then the Swift suite. Arguments go to `swift test` (e.g. --filter X).
# HM2BP_TEST_PARTS=swift runs the Swift suite alone (CI's second pass, on the portable kernels).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
swift build --build-tests
if [ "${HM2BP_TEST_PARTS:-all}" = all ]; then
  bash scripts/firmware-test.sh "$(swift build --show-bin-path)/hm2bp"
  bash scripts/loader-test.sh
fi
# Last, so its summary closes the log.
swift test --skip-build --disable-swift-testing "$@"
