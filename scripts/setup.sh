#!/usr/bin/env bash
# Installs the system packages hm2bp builds against (Debian/Ubuntu). Sourced by demo.sh and
# test.sh; safe to run repeatedly, it only installs what is missing.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/packages.sh"
require_packages setup zlib1g-dev libopenblas-dev pkg-config libusb-1.0-0-dev libhdf5-dev python3 python3-venv

# The data mirror: use the shared data folder beside the checkout when it is there (CI,
# developers) and HM2BP_DATA_MIRROR is unset; on a user's fresh machine hm2bp fetches MNIST
# itself. Set HM2BP_DATA_MIRROR= (empty) to run as that fresh machine does (CI's first pass).
if [ -z "${HM2BP_DATA_MIRROR+set}" ] && [ -d ../shared/data/mnist ]; then
  export HM2BP_DATA_MIRROR="$(cd ../shared/data && pwd)"
fi
