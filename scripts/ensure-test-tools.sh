#!/usr/bin/env bash
# The end-to-end tests compare qrun with GNU parallel, run jobs under `script` and start their own
# redis-server for the fleet mode; the build compiles the spawn helper for x64 (musl) and arm64
# (cross compiler); the run report's test opens its page in headless Chromium: make sure all of them exist.
set -euo pipefail
missing=()
command -v parallel >/dev/null || missing+=(parallel)
command -v script >/dev/null || missing+=(bsdutils)
command -v redis-server >/dev/null || missing+=(redis-server)
command -v chromium >/dev/null || missing+=(chromium)
command -v musl-gcc >/dev/null || missing+=(musl-tools)
command -v aarch64-linux-gnu-gcc >/dev/null || missing+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing test tools: ${missing[*]}" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "the tests need: ${missing[*]} (e.g. sudo apt-get install -y ${missing[*]})" >&2
  exit 1
fi
