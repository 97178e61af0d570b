#!/usr/bin/env bash
# Sets up everything (Debian packages), builds the release preset and runs rtmp-server.
# Arguments are passed to rtmp-server (e.g. --port 1936).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j"$(nproc)" --target rtmp-server
exec build/release/bin/rtmp-server "$@"
