#!/usr/bin/env bash
# Builds and tests the board firmware (Firmware/): unit tests, the same under ASan + UBSan,
# golden vectors written by the hm2bp CLI and compared spike for spike on the host, libFuzzer
# runs of the image parser and the protocol handler, the Cortex-M4/M7 builds with their size
# check, and the golden comparison under qemu-system-arm.
#   bash scripts/firmware-test.sh [HM2BP]     (HM2BP: an hm2bp binary; default: build release)
# Installs the Debian packages it needs when they are missing. Environment: FUZZ_SECONDS (20),
# GOLDEN_SAMPLES (3), GOLDEN_CNN_SAMPLES (2, the CNN cases on hm2bp-large and fw-large-expanded).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

source scripts/packages.sh
require_packages firmware-test make gcc libc6-dev gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm
if [ -z "${HM2BP_DATA_MIRROR+set}" ] && [ -d ../shared/data/mnist ]; then
  export HM2BP_DATA_MIRROR="$(cd ../shared/data && pwd)"
fi

hm2bp=${1:-${HM2BP:-}}
if [ -z "$hm2bp" ]; then
  swift build -c release --product hm2bp
  hm2bp=$root/.build/release/hm2bp
fi
hm2bp=$(cd "$(dirname "$hm2bp")" && pwd)/$(basename "$hm2bp")

# libFuzzer ships with the Swift toolchain's clang.
fuzz_cc=${FUZZ_CC:-$(dirname "$(readlink -f "$(command -v swift)")")/clang}

echo "== firmware: unit tests (sanitizers) =="
make -C Firmware sanitize
echo "== firmware: golden vectors from the hm2bp CLI =="
golden=$root/Firmware/build/golden
Firmware/tests/make-golden.sh "$hm2bp" "$golden" "${GOLDEN_SAMPLES:-3}" "${GOLDEN_CNN_SAMPLES:-2}"
make -C Firmware golden GOLDEN="$golden/nano $golden/micro $golden/tight-budget $golden/narrow-state $golden/two-hidden \
  $golden/cnn $golden/cnn-expanded"
echo "== firmware: fuzzing (${FUZZ_SECONDS:-20} s per harness) =="
make -C Firmware fuzz FUZZ_CC="$fuzz_cc" FUZZ_SECONDS="${FUZZ_SECONDS:-20}"
echo "== firmware: Cortex-M builds and size per profile =="
make -C Firmware mcu size
echo "== firmware: golden vectors under QEMU =="
make -C Firmware qemu GOLDEN_NANO="$golden/nano $golden/tight-budget $golden/narrow-state $golden/two-hidden" \
  GOLDEN_MICRO="$golden/micro" GOLDEN_LARGE="$golden/cnn"
echo "== firmware: unit tests =="
make -C Firmware test
