#!/usr/bin/env bash
# The end-to-end tests compare qrun with GNU parallel, run jobs under `script` and start their own
# redis-server for the fleet mode: make sure all three exist.
set -euo pipefail
missing=()
command -v parallel >/dev/null || missing+=(parallel)
command -v script >/dev/null || missing+=(bsdutils)
command -v redis-server >/dev/null || missing+=(redis-server)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing test tools: ${missing[*]}" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "the tests need: ${missing[*]} (e.g. sudo apt-get install -y ${missing[*]})" >&2
  exit 1
fi
