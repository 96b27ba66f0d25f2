#!/usr/bin/env bash
# Lays out DIR like the unpacked official N-MNIST (DIR/Train/<digit>/<id>.bin, DIR/Test/...)
# with the one real recording committed as a fixture as every file, so the N-MNIST pipeline
# (train, compile, emulate, verify with --dataset nmnist --data DIR) can be run without the full
# data set. The recording's label is unknown and every file holds the same events, so this shows
# that the pipeline runs, not what it learns: any model scores exactly 1/10 (docs/data.md).
# Usage: bash scripts/nmnist-sample-folder.sh DIR [TRAIN_PER_DIGIT (default 2)] [TEST_PER_DIGIT (default 1)]
set -euo pipefail
if [ $# -lt 1 ] || [ $# -gt 3 ]; then
  echo "usage: $0 DIR [TRAIN_PER_DIGIT] [TEST_PER_DIGIT]" >&2
  exit 2
fi
root=$1
train=${2:-2}
test=${3:-1}
for n in "$train" "$test"; do
  if ! [[ $n =~ ^[1-9][0-9]{0,3}$ ]]; then
    echo "$0: per-digit counts must be 1 ... 9999 (got '$n')" >&2
    exit 2
  fi
done
if [ -e "$root" ]; then
  echo "$0: $root exists; give a new folder" >&2
  exit 2
fi
sample="$(cd "$(dirname "$0")/.." && pwd)/Tests/SpikeDataTests/Fixtures/sample_nmnist.bin"
# Built beside the target and renamed, so an interrupted run leaves no half folder.
staging="$root.tmp-$$"
trap 'rm -rf "$staging"' EXIT
for split in Train:"$train" Test:"$test"; do
  name=${split%%:*}
  count=${split##*:}
  for digit in 0 1 2 3 4 5 6 7 8 9; do
    mkdir -p "$staging/$name/$digit"
    for ((i = 1; i <= count; i++)); do
      cp "$sample" "$staging/$name/$digit/$(printf '%05d' "$i").bin"
    done
  done
done
mv "$staging" "$root"
trap - EXIT
echo "wrote $root: $((10 * train)) training and $((10 * test)) test recordings (all the committed sample)"
