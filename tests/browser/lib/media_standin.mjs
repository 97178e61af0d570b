// Stand-in media server for developing the harness without rtmp-server's HTTP outputs
// (run.mjs --standin): HLS written by ffmpeg's own hls muxer into a directory, and live FLV
// made by one ffmpeg per request, sent as an HTTP body or as WebSocket binary messages.
// Same URL layout as rtmp-server: /live/test/index.m3u8, /live/test.flv.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { start } from './procs.mjs';

const TYPES = { '.m3u8': 'application/vnd.apple.mpegurl', '.m4s': 'video/iso.segment', '.mp4': 'video/mp4', '.ts': 'video/mp2t' };

function flvSource(sourceArgs, log) {
  return start('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', ...sourceArgs, '-f', 'flv', 'pipe:1'], log, {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
}

// RFC 6455 server frame: FIN + binary opcode, unmasked, 7/16/64-bit length.
function wsFrame(payload) {
  const n = payload.length;
  const head = n < 126 ? Buffer.from([0x82, n]) : n < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  if (n >= 126 && n < 65536) { head[0] = 0x82; head[1] = 126; head.writeUInt16BE(n, 2); }
  if (n >= 65536) { head[0] = 0x82; head[1] = 127; head.writeBigUInt64BE(BigInt(n), 2); }
  return Buffer.concat([head, payload]);
}

export function startStandin(port, hlsDir, sourceArgs, log) {
  const server = http.createServer((req, res) => {
    res.setHeader('Access-Control-Allow-Origin', '*');
    const url = new URL(req.url, 'http://x');
    if (url.pathname === '/live/test.flv') {
      res.writeHead(200, { 'Content-Type': 'video/x-flv' });
      const ff = flvSource(sourceArgs, log);
      ff.stdout.pipe(res);
      res.on('close', () => ff.kill('SIGTERM'));
      return;
    }
    const file = path.join(hlsDir, path.basename(url.pathname));
    if (!url.pathname.startsWith('/live/test/') || !fs.existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream', 'Cache-Control': 'no-cache' });
    res.end(fs.readFileSync(file));
  });
  server.on('upgrade', (req, socket) => {
    const accept = crypto.createHash('sha1').update(req.headers['sec-websocket-key'] + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    const ff = flvSource(sourceArgs, log);
    ff.stdout.on('data', (d) => socket.write(wsFrame(d)));
    socket.on('data', () => {}); // client frames (close, pong) are not needed here
    socket.on('close', () => ff.kill('SIGTERM'));
    socket.on('error', () => ff.kill('SIGTERM'));
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

// ffmpeg's own HLS output (fmp4 or mpegts segments of 1 s, no LL-HLS parts).
export function startHlsWriter(hlsDir, format, sourceArgs, log) {
  fs.mkdirSync(hlsDir, { recursive: true });
  const seg = format === 'fmp4' ? ['-hls_segment_type', 'fmp4', '-hls_fmp4_init_filename', 'init.mp4'] : ['-hls_segment_type', 'mpegts'];
  const ext = format === 'fmp4' ? 'm4s' : 'ts';
  return start('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', ...sourceArgs, '-f', 'hls', '-hls_time', '1', '-hls_list_size', '6',
    '-hls_flags', 'delete_segments+independent_segments', ...seg, '-hls_segment_filename', path.join(hlsDir, `seg%d.${ext}`),
    path.join(hlsDir, 'index.m3u8')], log);
}
