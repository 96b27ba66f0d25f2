#!/usr/bin/env bash
# Installs the system packages hm2bp builds against (Debian/Ubuntu). Sourced by demo.sh and
# test.sh; safe to run repeatedly, it only installs what is missing.
set -euo pipefail

packages=(zlib1g-dev libopenblas-dev pkg-config libusb-1.0-0-dev libhdf5-dev python3 python3-venv)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# The data mirror: use the shared data folder beside the checkout when it is there (CI,
# developers) and HM2BP_DATA_MIRROR is unset; on a user's fresh machine hm2bp fetches MNIST
# itself. Set HM2BP_DATA_MIRROR= (empty) to run as that fresh machine does (CI's first pass).
if [ -z "${HM2BP_DATA_MIRROR+set}" ] && [ -d ../shared/data/mnist ]; then
  export HM2BP_DATA_MIRROR="$(cd ../shared/data && pwd)"
fi
