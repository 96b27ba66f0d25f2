#!/usr/bin/env bash
# The README's second command: set up, then build and run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
swift build --build-tests
swift test --skip-build --disable-swift-testing "$@"
