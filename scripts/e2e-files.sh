#!/usr/bin/env bash
# The end-to-end test files, the slowest first: they run several at a time (--test-concurrency),
# and starting the long ones first keeps the slowest from running alone at the end.
# Arguments: file names to leave out (e.g. fleet.test.js).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../dist/test/e2e"
slow=(fleet operator sources pipe gnu-control job-control gnu-testsuite reliability package nothing-lost)
skip=" $* "
{
  for name in "${slow[@]}"; do [ -f "$name.test.js" ] && echo "$name.test.js"; done
  ls *.test.js | grep -vxF -f <(printf '%s.test.js\n' "${slow[@]}") | sort
} | while read -r file; do
  [[ "$skip" == *" $file "* ]] || echo "dist/test/e2e/$file"
done
