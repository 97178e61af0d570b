#!/usr/bin/env bash
# Fails when a C++ file in the tree differs from clang-format's output.
set -euo pipefail
cd "$(dirname "$0")/.."
fmt=$(command -v clang-format-14 || command -v clang-format)
files=$(git ls-files '*.cpp' '*.hpp' ':!cmake/poison')
bad=0
for f in $files; do
  if ! "$fmt" --dry-run --Werror "$f" >/dev/null 2>&1; then
    echo "not formatted: $f"; bad=1
  fi
done
[ $bad = 0 ] || { echo "run: $fmt -i \$(git ls-files '*.cpp' '*.hpp')"; exit 1; }
echo "format ok"
