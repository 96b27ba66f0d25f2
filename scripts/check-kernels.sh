#!/usr/bin/env bash
# Compiles the C kernels for CPUs this machine is not: x86-64 without AVX-512 (x86-64-v3, AVX2)
# and arm64, with warnings as errors, so that a change that only builds with AVX-512 is caught
# here. Installs the arm64 C headers (Debian libc6-dev-arm64-cross) when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/packages.sh
require_packages check-kernels libc6-dev-arm64-cross

# Swift's own clang: the one `swift build` compiles the kernels with.
clang="$(dirname "$(readlink -f "$(command -v swift)")")/clang"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
flags=(-std=gnu11 -O3 -Wall -Wextra -Werror -fno-math-errno -ffp-contract=off)
status=0
for target in "x86-64-v3:-march=x86-64-v3" "x86-64:-march=x86-64" \
              "arm64:--target=aarch64-linux-gnu -isystem /usr/aarch64-linux-gnu/include"; do
  name="${target%%:*}"
  read -r -a arch <<<"${target#*:}"
  for source in Sources/CKernels/*.c Sources/CKernelsPortable/*.c; do
    if "$clang" -c "${flags[@]}" "${arch[@]}" "$source" -o "$out/k.o"; then
      # The kernels must have chosen the portable lanes on a CPU without AVX-512.
      if [[ "$source" == */fast_step.c ]] && ! strings "$out/k.o" | grep -qx portable; then
        echo "check-kernels: $source for $name did not select the portable lanes"; status=1
      fi
    else
      echo "check-kernels: $source does not compile for $name"; status=1
    fi
  done
  [ $status -eq 0 ] && echo "check-kernels: $name OK"
done
exit $status
