#!/usr/bin/env bash
# clang-tidy (.clang-tidy's checks, warnings as errors) on the sans-IO layers, or on the
# C++ sources given as arguments. Needs a configured build tree for compile_commands.json:
# BUILD=build/dev by default (configured here if missing; nothing is compiled).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD:-build/dev}
tidy=$(command -v clang-tidy-14 || command -v clang-tidy)
[ -f "$build/compile_commands.json" ] || cmake --preset dev >/dev/null
if (($#)); then files=("$@"); else mapfile -t files < <(git ls-files 'src/core/*.cpp' 'src/media/*.cpp'); fi
((${#files[@]})) || exit 0
printf '%s\n' "${files[@]}" | xargs -P"$(nproc)" -n1 "$tidy" -p "$build" --quiet 2>/dev/null \
  || { echo "clang-tidy: errors above"; exit 1; }
echo "tidy ok (${#files[@]} files)"
