#!/usr/bin/env bash
# Builds the spawn helper, statically linked so it runs on any Linux distribution:
#   native/bin/qrun-spawn-linux-x64    (musl-gcc, else gcc, on an x86_64 machine)
#   native/bin/qrun-spawn-linux-arm64  (aarch64-linux-gnu-gcc, or gcc on an arm64 machine)
# `--all` (npm pack): both must build, or it fails. Without it (npm run build): it builds what the
# compilers here allow and says what it skipped; qrun then starts jobs through execa.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
all=${1:-}
mkdir -p native/bin
flags=(-O2 -Wall -Wextra -Werror -static -s -o)
host=$(uname -m)
built=()
skipped=()

compile() { # arch compiler...
  local arch=$1 out=native/bin/qrun-spawn-linux-$1
  shift
  for cc in "$@"; do
    if command -v "$cc" >/dev/null 2>&1; then
      "$cc" "${flags[@]}" "$out.tmp" native/qrun-spawn.c && mv "$out.tmp" "$out" && built+=("$arch") && return 0
    fi
  done
  skipped+=("$arch")
}

x64=(musl-gcc)
arm64=(aarch64-linux-gnu-gcc)
[ "$host" = x86_64 ] && x64+=(gcc)
[ "$host" = aarch64 ] && arm64=(gcc "${arm64[@]}")
compile x64 "${x64[@]}"
compile arm64 "${arm64[@]}"

if [ ${#skipped[@]} -gt 0 ]; then
  if [ "$all" = --all ]; then
    echo "build-helper: cannot build the spawn helper for ${skipped[*]}: install musl-tools and gcc-aarch64-linux-gnu" >&2
    exit 1
  fi
  echo "build-helper: no C compiler for ${skipped[*]}: that helper is not built (qrun uses execa there)" >&2
fi
