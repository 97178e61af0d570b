#!/usr/bin/env bash
# Sets up everything (Debian packages), builds the release preset and runs rtmp-server.
# Arguments are passed to rtmp-server (e.g. --port 1936). HTTP (HTTP-FLV, WebSocket-FLV,
# HLS, /api/streams, /metrics, and the player page at /player.html) is on port 8080 unless an
# --http-port is given. The player page's scripts (hls.js, mpegts.js) come from the npm
# registry into build/release/browser (scripts/npm-setup.sh); without npm the streams are
# still served, only the page is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j"$(nproc)" --target rtmp-server
scripts/npm-setup.sh build/release/browser >/dev/null || echo "server.sh: no player page (npm-setup failed)" >&2
http=(--http-port 8080)
for a in "$@"; do
  case "$a" in --http-port | --http-port=*) http=() ;; esac
done
exec build/release/bin/rtmp-server "${http[@]}" "$@"
