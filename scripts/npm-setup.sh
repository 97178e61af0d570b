#!/usr/bin/env bash
# Installs the browser tests' npm packages (tests/browser/package-lock.json) into a build tree:
#   scripts/npm-setup.sh BUILD_DIR/browser
# Copies package.json + package-lock.json there and runs `npm ci` from the npm registry (never
# into the source tree, never a browser download). Does nothing when BUILD_DIR/browser already
# holds the packages of the same lock file, so it runs offline once installed.
# Then assembles DEST_DIR/www/: the player page, dashboard and stat.xsl (apps/relay/www) beside the two player
# libraries it loads (hls.min.js, mpegts.js), the directory rtmp-server serves for browsers.
# Exits 77 when node or npm is missing.
set -euo pipefail
src="$(cd "$(dirname "$0")/../tests/browser" && pwd)"
dest="${1:?usage: npm-setup.sh DEST_DIR}"
command -v node >/dev/null && command -v npm >/dev/null || { echo "npm-setup: node/npm missing"; exit 77; }
mkdir -p "$dest"
want="$(cat "$src/package.json" "$src/package-lock.json" | sha256sum | cut -d' ' -f1)"
stamp="$dest/node_modules/.rtmpcxx-lock-sha256"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "npm-setup: $dest/node_modules is up to date"
else
  cp "$src/package.json" "$src/package-lock.json" "$dest/"
  export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
  (cd "$dest" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  echo "$want" >"$stamp"
  echo "npm-setup: installed into $dest/node_modules"
fi
mkdir -p "$dest/www"
cp "$src/../../apps/relay/www/"*.html "$src/../../apps/relay/www/"*.js "$src/../../apps/relay/www/"*.xsl \
  "$dest/node_modules/hls.js/dist/hls.min.js" "$dest/node_modules/mpegts.js/dist/mpegts.js" "$dest/www/"
echo "npm-setup: player page in $dest/www"
