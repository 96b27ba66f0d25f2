#!/usr/bin/env bash
# Writes the firmware's golden test vectors with the hm2bp CLI (nothing hand-made):
#   Firmware/tests/make-golden.sh HM2BP OUT [SAMPLES [CNN_SAMPLES]]
# HM2BP is the hm2bp binary, OUT the folder to fill (one sub-folder per case, each holding what
# `hm2bp golden` writes, the image as model.img and an `expect` file naming what the case must
# exercise; the golden runner fails a case that does not). SAMPLES (3) per case, CNN_SAMPLES (2)
# for the two CNN cases, which are ten times the MLP's neurons. MNIST comes from the usual data
# lookup (HM2BP_DATA_MIRROR, the data directory, or a fetch: docs/data.md).
set -euo pipefail

hm2bp=${1:?usage: make-golden.sh HM2BP OUT [SAMPLES [CNN_SAMPLES]]}
out=${2:?usage: make-golden.sh HM2BP OUT [SAMPLES [CNN_SAMPLES]]}
samples=${3:-3}
cnn_samples=${4:-2}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
model=$root/Models/mnist-784-800-10/model.hm2bp
cnn=$root/Models/mnist-cnn-28x28-15C5-P2-40C5-P2-300-10/model.hm2bp
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

# case NAME TARGET MODEL EXPECT [SAMPLES]: compile, write golden vectors, move the finished folder
# into place. A failed compile shows the compiler's output.
case_() {
    local name=$1 target=$2 model_file=$3 expect=$4 count=${5:-$samples}
    local dir=$work/$name
    "$hm2bp" compile "$model_file" --target "$target" --calibration-samples 8 -o "$work/$name.img" > "$work/$name.compile.txt" 2>&1 ||
        { cat "$work/$name.compile.txt" >&2; echo "make-golden.sh: compiling case $name failed" >&2; return 1; }
    "$hm2bp" golden "$work/$name.img" -o "$dir" --limit "$count" --seed 1 > /dev/null
    cp "$work/$name.img" "$dir/model.img"
    printf '%s\n' "$expect" > "$dir/expect"
    rm -rf "${out:?}/$name"
    mv "$dir" "$out/$name"
    echo "golden case $name: target $target, $count samples ($expect)"
}

# The committed 784-800-10 model: all 8 cores of the nano, 2 cores of the micro; its output
# layer has lateral inhibition (the trainer's default), so both cover it.
case_ nano hm2bp-nano "$model" "spikes lateral"
case_ micro hm2bp-micro "$model" "spikes lateral"
# Spike budgets that drop spikes, and 10-bit states that saturate (targets in tests/targets/).
case_ tight-budget "$here/targets/fw-tight-budget.json" "$model" "spikes drops"
case_ narrow-state "$here/targets/fw-narrow-state.json" "$model" "spikes saturations"
# Two hidden layers: a small network trained here (a few seconds, seeded).
"$hm2bp" train --arch 784-100-50-10 --epochs 2 --train-limit 600 --test-limit 100 --time-steps 100 \
    --seed 3 --set initScale=3 -o "$work/two-hidden.hm2bp" > "$work/train.txt" 2>&1
case_ two-hidden hm2bp-nano "$work/two-hidden.hm2bp" "spikes"
# The committed CNN (28x28-15C5-P2-40C5-P2-300-10, image version 2) on the large board, its
# convolution and pooling kernels shared (one copy per core, expanded per event by the engine),
# and on a copy of that board without shared kernels, where the compiler writes every synapse out.
case_ cnn hm2bp-large "$cnn" "spikes shared" "$cnn_samples"
case_ cnn-expanded "$here/targets/fw-large-expanded.json" "$cnn" "spikes expanded" "$cnn_samples"
