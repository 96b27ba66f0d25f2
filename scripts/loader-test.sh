#!/usr/bin/env bash
# The loader's tests through the real libusb against virtual boards (umockdev) that run the
# firmware's own protocol code: the happy paths (list, flash, read back, run, verify on device,
# two boards by serial, the micro board, the spiking CNN on the large board, the stock dfu-util)
# and one scenario per failure of
# docs/loader.md, each checking the exit code, the message and that the board still runs its
# previous image afterwards.
#
#   bash scripts/loader-test.sh            (scripts/test.sh calls it)
#
# Where the virtual board cannot run (no umockdev and no way to install it) the tests are skipped
# with the reason; under CI=true that is a failure instead.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

# ---- inside a virtual-board session: scenarios against the attached board(s) ----
if [ "${1:-}" = "--session" ]; then
  session="$2"
  : "${HM2BP:?}" "${WORK:?}" "${HM2BP_VB_SCENARIO:?}"
  failures=0
  out="$WORK/out.txt"

  # expect NAME STATUS PATTERN -- COMMAND...: COMMAND exits STATUS and its output matches PATTERN.
  expect() {
    local name="$1" want="$2" pattern="$3"
    shift 4
    local got=0
    "$@" >"$out" 2>&1 || got=$?
    # Messages wrap (cause, then fix): match the output as one line.
    if [ "$got" = "$want" ] && tr '\n' ' ' <"$out" | grep -Eq -- "$pattern"; then
      echo "ok   $session: $name (exit $got)"
    else
      echo "FAIL $session: $name: exit $got (expected $want), output should match /$pattern/:"
      sed 's/^/     | /' "$out" | tail -15
      failures=$((failures + 1))
    fi
  }
  scenario() { printf '%s\n' "$@" >"$HM2BP_VB_SCENARIO"; }
  digest() { tail -c 32 "$1" | od -An -tx1 | tr -d ' \n'; }
  # still_runs NAME IMAGE: after a failure the board answers and its active image is IMAGE's.
  still_runs() {
    scenario ""
    expect "$1: board still runs its previous image" 0 "SHA-256 $(digest "$2")" -- "$HM2BP" devices
  }

  A="$WORK/a.nano.img" B="$WORK/b.nano.img"
  case "$session" in
  main)
    expect "list a fresh board" 0 "hm2bp-nano +serial HM2BP-VB-0001.*" -- "$HM2BP" devices
    grep -q "active image: none" "$out" || { echo "FAIL main: a fresh board should have no image"; failures=$((failures + 1)); }
    expect "devices --json" 0 '"serial" : "HM2BP-VB-0001"' -- "$HM2BP" devices --json
    expect "flash, read back, new active hash" 0 "read back: identical" -- "$HM2BP" flash "$A"
    grep -q "SHA-256 $(digest "$A")" "$out" || { echo "FAIL main: flash should print the new active hash"; failures=$((failures + 1)); }
    expect "devices shows the flashed image" 0 "slot A, [0-9]+ bytes, SHA-256 $(digest "$A")" -- "$HM2BP" devices
    expect "run on the board" 0 "agreement with the emulator: 100.00% of predictions, output counts identical on 20 of 20" \
      -- "$HM2BP" run "$A" --limit 20
    expect "run --json" 0 '"emulatorAgreement" : 1' -- "$HM2BP" run "$A" --limit 5 --json
    expect "verify --on-device, 200 samples, zero differences" 0 "200 samples, 8 cores, 640000 core-steps .*identical: every spike" \
      -- "$HM2BP" verify "$MODEL" "$A" --limit 200 --on-device
    expect "verify --on-device --json" 0 '"differingSamples" : 0' -- "$HM2BP" verify "$MODEL" "$A" --limit 3 --on-device --json
    scenario HM2BP_VB_ENGINE_FAULT=3
    expect "a board whose engine differs fails verify at the first divergence" 1 \
      "DIFFERENT on 1 of 2 samples; first divergence: sample 0, core 0 \(layer 0\), neuron 0, step [1-9][0-9]*: board (spikes|silent), emulator (spikes|silent)" \
      -- "$HM2BP" verify "$MODEL" "$A" --limit 2 --on-device
    scenario ""

    # The stock dfu-util, a client nobody here wrote.
    expect "dfu-util lists the board" 0 "Found DFU: \[1209:b2b1\].*name=\"hm2bp model image\", serial=\"HM2BP-VB-0001\"" -- dfu-util -l
    expect "dfu-util -D flashes" 0 "Download done" -- dfu-util -a 0 -D "$B"
    rm -f "$WORK/copy.img"
    expect "dfu-util -U reads back" 0 "Upload done" -- dfu-util -a 0 -U "$WORK/copy.img"
    if cmp -s "$B" "$WORK/copy.img"; then echo "ok   main: dfu-util read back is byte for byte the image"; else
      echo "FAIL main: dfu-util read back differs from the image"; failures=$((failures + 1)); fi
    expect "devices shows the dfu-util image active" 0 "slot B, [0-9]+ bytes, SHA-256 $(digest "$B")" -- "$HM2BP" devices
    expect "run refuses an image that is not active" 16 "flash the image first: .hm2bp flash model.img --device HM2BP-VB-0001" \
      -- "$HM2BP" run "$A" --limit 1

    # One scenario per failure; B stays active through all of them.
    scenario HM2BP_VB_CLAIMED=1
    expect "interface claimed by another process" 6 "in use: another process .* close the other program" -- "$HM2BP" flash "$A"
    still_runs "claimed" "$B"
    scenario HM2BP_VB_UNPLUG_AFTER=300
    expect "unplugged mid-flash" 7 "unplugged \(or reset\) during the DFU download .* can simply be repeated" -- "$HM2BP" flash "$A"
    still_runs "unplugged" "$B"
    scenario HM2BP_VB_NAK=bulk
    expect "endless NAK on bulk IN" 8 "did not answer within 2000 ms during INFO .* replug" -- "$HM2BP" flash "$A"
    still_runs "NAK" "$B"
    scenario HM2BP_VB_NAK=bulk
    expect "Ctrl-C cancels a waiting transfer cleanly" 130 "hm2bp: error: interrupted .* fix: run the command again" \
      -- timeout --preserve-status -s INT 1.2 "$HM2BP" flash "$A"
    still_runs "interrupted" "$B"
    scenario HM2BP_VB_NAK=all
    expect "board hangs (control transfers NAK too)" 8 "did not answer within" -- "$HM2BP" flash "$A"
    still_runs "hang" "$B"
    scenario HM2BP_VB_STALL_BLOCK=5
    expect "stall on DFU block 5" 9 "stalled during the DFU download \(block 5" -- "$HM2BP" flash "$A"
    still_runs "DFU stall" "$B"
    scenario HM2BP_VB_STALL_BULK=3
    expect "stall on the bulk endpoints during a run, halt cleared" 9 "stalled during RUN_" -- "$HM2BP" run "$B" --limit 2
    still_runs "bulk stall" "$B"
    scenario HM2BP_VB_CORRUPT_REPLY=1
    expect "corrupt replies" 10 "reply to INFO is broken: CRC32 mismatch .* check the cable" -- "$HM2BP" flash "$A"
    still_runs "corrupt" "$B"
    scenario HM2BP_VB_SHORT_REPLY=1
    expect "short replies" 10 "reply to INFO is broken: cut short" -- "$HM2BP" flash "$A"
    still_runs "short" "$B"
    scenario HM2BP_VB_CORRUPT_REPLY=1 HM2BP_VB_REPLY_FAULTS=1
    expect "one corrupt reply is asked for again and recovered" 0 "SHA-256 $(digest "$B")" -- "$HM2BP" devices
    scenario HM2BP_VB_PROTOCOL_VERSION=2
    expect "board speaks another protocol version" 11 "speaks USB protocol 2; this hm2bp speaks 1 .* update hm2bp" -- "$HM2BP" flash "$A"
    scenario HM2BP_VB_FIRMWARE_VERSION=0x000900
    expect "firmware too old" 11 "firmware 0.9.0; this hm2bp needs 1.0.0 .* update the board's firmware" -- "$HM2BP" flash "$A"
    still_runs "unsupported firmware" "$B"
    expect "image for another board" 12 "built for hm2bp-micro, the board is hm2bp-nano .* --target hm2bp-nano" -- "$HM2BP" flash "$WORK/micro.img"
    expect "image for the emulator" 12 "built for the emulator, the board is hm2bp-nano" -- "$HM2BP" flash "$WORK/emulator.img"
    still_runs "wrong target" "$B"

    # An interrupted flash can simply be run again.
    scenario HM2BP_VB_UNPLUG_AFTER=100
    expect "interrupted flash" 7 "unplugged" -- "$HM2BP" flash "$A"
    scenario ""
    expect "the same flash run again" 0 "read back: identical" -- "$HM2BP" flash "$A"
    expect "devices shows it active" 0 "SHA-256 $(digest "$A")" -- "$HM2BP" devices
    ;;
  permission)
    expect "permission denied" 5 "permission denied opening .*/dev/bus/usb/001/002.*70-hm2bp.rules" -- "$HM2BP" flash "$A"
    expect "devices explains it too" 5 "permission denied.*udevadm" -- "$HM2BP" devices
    ;;
  small-slot)
    expect "image too large for the board" 13 "has [0-9]+ bytes; an image slot of hm2bp-nano holds 600000 .* smaller model" -- "$HM2BP" flash "$A"
    expect "the board itself refuses it too (dfu-util)" 74 "dfuERROR, status\(8\) = Cannot program memory due to received address that is out of range" -- dfu-util -a 0 -D "$A"
    expect "nothing was stored" 0 "active image: none" -- "$HM2BP" devices
    ;;
  two-boards)
    expect "both boards listed" 0 "serial LEFT.*" -- "$HM2BP" devices
    grep -q "serial RIGHT" "$out" || { echo "FAIL two-boards: RIGHT not listed"; failures=$((failures + 1)); }
    expect "no --device with two boards" 17 "2 hm2bp boards are attached \(LEFT, RIGHT\).* --device SERIAL" -- "$HM2BP" flash "$A"
    expect "a serial that is not attached" 4 "no hm2bp board with serial NOPE .*attached: LEFT, RIGHT" -- "$HM2BP" flash "$A" --device NOPE
    expect "flash the board chosen by serial" 0 "to RIGHT \(hm2bp-nano\)" -- "$HM2BP" flash "$A" --device RIGHT
    expect "run on it" 0 "board RIGHT .*agreement with the emulator: 100.00%" -- "$HM2BP" run "$A" --limit 5 --device RIGHT
    expect "the other board is untouched" 16 "board LEFT runs image \(none\)" -- "$HM2BP" run "$A" --limit 1 --device LEFT
    ;;
  kept-flash-1)
    expect "flash with the board's flash kept in a folder" 0 "read back: identical" -- "$HM2BP" flash "$A"
    ;;
  kept-flash-2)
    expect "the next run boots the kept image" 0 "slot A, [0-9]+ bytes, SHA-256 $(digest "$A")" -- "$HM2BP" devices
    expect "and runs it" 0 "agreement with the emulator: 100.00%" -- "$HM2BP" run "$A" --limit 2
    ;;
  micro)
    expect "flash the micro board" 0 "read back: identical" -- "$HM2BP" flash "$WORK/micro.img"
    expect "verify on the micro board" 0 "identical: every spike" -- "$HM2BP" verify "$MODEL" "$WORK/micro.img" --limit 10 --on-device
    ;;
  large)
    expect "flash the spiking CNN to the large board (image version 2)" 0 "read back: identical" -- "$HM2BP" flash "$WORK/cnn.large.img"
    expect "verify the CNN on the large board (shared kernels)" 0 "identical: every spike" -- "$HM2BP" verify "$CNN_MODEL" "$WORK/cnn.large.img" --limit 5 --on-device
    ;;
  esac
  exit "$failures"
fi

# ---- outside: set up, then one virtual-board session per group ----
skip() {
  if [ "${CI:-}" = "true" ]; then echo "loader tests: cannot run the virtual board under CI: $1" >&2; exit 1; fi
  echo "loader tests SKIPPED: $1" >&2
  exit 0
}
if ! command -v dpkg-query >/dev/null || { [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null; }; then
  dpkg-query -W umockdev libumockdev-dev libusb-1.0-0-dev dfu-util >/dev/null 2>&1 || skip "umockdev, libusb-1.0-0-dev and dfu-util are not installed and cannot be installed here (no apt or no root)"
fi
source scripts/packages.sh
require_packages loader-test dfu-util || skip "cannot install dfu-util"
bash scripts/with-virtual-board.sh -- true 2>/dev/null || skip "the virtual board runner does not start here (umockdev)"

source scripts/setup.sh
swift build --product hm2bp >/dev/null
HM2BP="$(swift build --show-bin-path)/hm2bp"
MODEL="$root/Models/mnist-784-800-10/model.hm2bp"
CNN_MODEL="$root/Models/mnist-cnn-28x28-15C5-P2-40C5-P2-300-10/model.hm2bp"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
export HM2BP MODEL CNN_MODEL WORK HM2BP_VB_SCENARIO="$WORK/scenario"
: >"$HM2BP_VB_SCENARIO"

echo "loader tests: compiling the committed model for the boards"
"$HM2BP" compile "$MODEL" --target hm2bp-nano -o "$WORK/a.nano.img" >/dev/null
"$HM2BP" compile "$MODEL" --target hm2bp-nano --weight-bits 6 -o "$WORK/b.nano.img" >/dev/null
"$HM2BP" compile "$MODEL" --target hm2bp-micro -o "$WORK/micro.img" >/dev/null
"$HM2BP" compile "$MODEL" --target emulator -o "$WORK/emulator.img" >/dev/null
"$HM2BP" compile "$CNN_MODEL" --target hm2bp-large --calibration-samples 4 -o "$WORK/cnn.large.img" >/dev/null

# A copy of the board profiles whose nano slot is smaller than the nano image.
mkdir -p "$WORK/targets"
cp Targets/*.json "$WORK/targets/"
sed -i 's/"maxImageBytes": *[0-9]*/"maxImageBytes": 600000/' "$WORK/targets/hm2bp-nano.json"

failed=0
run_session() {
  local name="$1"
  shift
  local status=0
  "$@" -- bash "$0" --session "$name" >"$WORK/session.log" 2>&1 || status=$?
  grep -v "^virtual-board: hm2bp-" "$WORK/session.log" || true
  if [ "$status" = 125 ]; then echo "FAIL $name: the virtual board saw protocol violations"; failed=$((failed + 1));
  elif [ "$status" != 0 ]; then failed=$((failed + status)); fi
}
vb="bash scripts/with-virtual-board.sh"
run_session main $vb
(outside_status=0; "$HM2BP" devices >"$WORK/none.txt" 2>&1 || outside_status=$?
 if [ "$outside_status" = 4 ] && grep -q "no hm2bp board is attached" "$WORK/none.txt"; then echo "ok   no device attached (exit 4)";
 else echo "FAIL no device: exit $outside_status"; cat "$WORK/none.txt"; exit 1; fi) || failed=$((failed + 1))
HM2BP_VB_PERMISSION=denied run_session permission $vb
HM2BP_TARGETS_DIR="$WORK/targets" run_session small-slot $vb
run_session two-boards $vb --boards 2 --serial LEFT,RIGHT
# The runner itself: a usbfs request no correct host sends (USBDEVFS_DISCONNECT, from perl, which
# every Debian has) is a protocol violation, and the runner exits 125 although the client exits 0.
violation_status=0
$vb -- perl -e 'open(F, "+<", "/dev/bus/usb/001/002") or die "open: $!"; ioctl(F, 0x5516, 0); exit 0' >"$WORK/violation.txt" 2>&1 || violation_status=$?
if [ "$violation_status" = 125 ] && grep -q "protocol violation: ioctl the board does not answer (0x5516)" "$WORK/violation.txt"; then
  echo "ok   a protocol violation makes the runner exit 125"
else echo "FAIL protocol violation: exit $violation_status"; cat "$WORK/violation.txt"; failed=$((failed + 1)); fi
run_session micro $vb --target hm2bp-micro
run_session large $vb --target hm2bp-large
mkdir -p "$WORK/state"
run_session kept-flash-1 $vb --state "$WORK/state"
run_session kept-flash-2 $vb --state "$WORK/state"

if [ "$failed" -ne 0 ]; then echo "loader tests: $failed FAILED"; exit 1; fi
echo "loader tests: all passed"
