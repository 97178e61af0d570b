// Serves the product's player page (apps/relay/www) and the player libraries from the build
// tree's node_modules on 127.0.0.1: the same files rtmp-server serves beside its streams.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

export function playerFiles(wwwDir, modulesDir) {
  return {
    '/player.html': [path.join(wwwDir, 'player.html'), 'text/html; charset=utf-8'],
    '/player.js': [path.join(wwwDir, 'player.js'), 'text/javascript'],
    '/hls.min.js': [path.join(modulesDir, 'hls.js/dist/hls.min.js'), 'text/javascript'],
    '/mpegts.js': [path.join(modulesDir, 'mpegts.js/dist/mpegts.js'), 'text/javascript'],
  };
}

export function startPageServer(port, files) {
  const server = http.createServer((req, res) => {
    const entry = files[new URL(req.url, 'http://x').pathname];
    if (!entry) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': entry[1], 'Cache-Control': 'no-store' });
    res.end(fs.readFileSync(entry[0]));
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}
