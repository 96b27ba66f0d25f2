#!/usr/bin/env bash
# Sourced by the other scripts: `require_packages WHO PACKAGE...` installs the Debian packages
# that are missing (apt-get, through sudo when not root) and does nothing when all are there.
# Messages go to stderr, so a script's own output stays clean.
require_packages() {
  local who="$1" missing=() p sudo=
  shift
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  echo "$who: installing ${missing[*]}" >&2
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
