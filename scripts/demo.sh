#!/usr/bin/env bash
# The README's first command: set up, build in release, and run the embedded default pipeline
# on real MNIST (fetched if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
swift build -c release --product hm2bp
exec .build/release/hm2bp demo "$@"
