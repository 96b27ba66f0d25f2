#!/usr/bin/env bash
# The README's first command: set up, build in release, and run the embedded default pipeline
# on real MNIST (fetched if missing), then the same model on a virtual hm2bp-nano board.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
swift build -c release --product hm2bp
.build/release/hm2bp demo "$@"

# The board step (docs/loader.md): the demo's model compiled for the hm2bp-nano board, flashed to
# a virtual board (umockdev, the firmware's own USB code, the real libusb) and run on the first
# 1,000 test images next to the emulator.
directory=hm2bp-demo
while [ $# -gt 0 ]; do
  case "$1" in
    -o|--output|--directory) directory="$2"; shift 2 ;;
    --output=*|--directory=*) directory="${1#*=}"; shift ;;
    *) shift ;;
  esac
done
[ -f "$directory/model.hm2bp" ] || exit 0  # e.g. `demo --help`: no model was trained
echo "board: compile for hm2bp-nano, flash a virtual board over USB, run 1,000 test images on it"
.build/release/hm2bp compile "$directory/model.hm2bp" --target hm2bp-nano -o "$directory/model.nano.img" >/dev/null
bash scripts/with-virtual-board.sh --target hm2bp-nano -- bash -c 'set -eo pipefail
  .build/release/hm2bp flash "$1" | sed "s/^/    /"
  .build/release/hm2bp run "$1" --dataset mnist --limit 1000 | sed "s/^/    /"' board "$directory/model.nano.img"
echo "    on a real board: hm2bp devices; hm2bp flash $directory/model.nano.img; hm2bp run $directory/model.nano.img --dataset mnist"
