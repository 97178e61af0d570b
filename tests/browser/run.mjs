#!/usr/bin/env node
// Browser playback test: rtmp-server (or --standin) delivers a live stream published by
// `ffmpeg -re`; headless Chromium plays it in the product's player page (hls.js or
// mpegts.js) and the test asserts decoded frames and currentTime keep advancing, no player
// error, LL-HLS state for hls-fmp4, and a non-blank screenshot.
//
//   node run.mjs --mode hls-fmp4|hls-mpegts|http-flv|ws-flv --modules BUILD/browser/node_modules
//                --out DIR (--server PATH/rtmp-server | --standin) [--chromium PATH] [--seconds N]
//
// Prints one `RESULT {...}` JSON line (latency figures) and keeps DIR/<mode>.png, .json and
// .log. Exit 0 pass, 1 fail, 77 skip (chromium, node packages or ffmpeg missing).
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, httpGet, start, stopAll, tcpOpen, waitFor, which } from './lib/procs.mjs';
import { pngStats } from './lib/image.mjs';
import { playerFiles, startPageServer } from './lib/page_server.mjs';
import { startHlsWriter, startStandin } from './lib/media_standin.mjs';
import { playAndMeasure } from './lib/play.mjs';
import { checkRun } from './lib/verdict.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const WWW = path.resolve(HERE, '../../apps/relay/www');
const MODES = ['hls-fmp4', 'hls-mpegts', 'http-flv', 'ws-flv'];
// A generated 640x360 30 fps source with a 1 s GOP (B-frames on, as x264 defaults) and AAC.
const SOURCE = ['-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
  '-t', '40', '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-g', '30', '-keyint_min', '30',
  '-sc_threshold', '0', '-b:v', '800k', '-c:a', 'aac', '-b:a', '96k', '-ac', '2'];

function parseArgs(argv) {
  const a = { chromium: '/usr/bin/chromium', seconds: 7 };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (k === '--standin') a.standin = true;
    else if (k.startsWith('--')) a[k.slice(2)] = argv[++i];
    else throw new Error(`unexpected argument ${k}`);
  }
  if (!MODES.includes(a.mode)) throw new Error(`--mode must be one of ${MODES.join(', ')}`);
  if (!a.modules || !a.out || (!a.server && !a.standin)) throw new Error('need --modules, --out and --server or --standin');
  a.seconds = Number(a.seconds);
  return a;
}

function skip(why) {
  console.log(`SKIP: ${why}`);
  process.exit(77);
}

// The option that says rtmp-server has the HTTP output `mode` plays. Until a build has it
// the case is skipped (77) with the reason, so the suite stays green while outputs land.

// The rtmp-server under test, HTTP outputs on httpPort. Resolves when both ports accept.
async function startServer(a, rtmpPort, httpPort, log) {
  const args = ['--bind', '127.0.0.1', '--port', String(rtmpPort), '--http-port', String(httpPort), '--threads', '2'];
  if (a.mode.startsWith('hls')) args.push('--hls-format', a.mode === 'hls-fmp4' ? 'fmp4' : 'mpegts');
  const srv = start(a.server, args, log);
  await waitFor('rtmp-server to listen', async () => srv.exitCode === null && (await tcpOpen(rtmpPort)) && tcpOpen(httpPort), 10000);
  start('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', ...SOURCE, '-f', 'flv', `rtmp://127.0.0.1:${rtmpPort}/live/test`], log);
  return srv;
}

function mediaUrl(mode, port) {
  if (mode.startsWith('hls')) return `http://127.0.0.1:${port}/live/test/index.m3u8`;
  return `${mode === 'ws-flv' ? 'ws' : 'http'}://127.0.0.1:${port}/live/test.flv`;
}

// The stream is there for a player: a playlist with media in it, or FLV bytes.
async function streamReady(mode, port) {
  if (mode.startsWith('hls')) {
    const r = await httpGet(mediaUrl(mode, port));
    const text = r.body.toString();
    return r.status === 200 && /#EXTINF|#EXT-X-PART:/.test(text) ? text : null;
  }
  const r = await httpGet(`http://127.0.0.1:${port}/live/test.flv`, 4096);
  return r.status === 200 && r.body.subarray(0, 3).toString() === 'FLV' ? `FLV ${r.body.length} bytes` : null;
}

// Throws when the server under test has exited (a crash shows at once, not as a time-out).
function checkAlive(server) {
  if (server && (server.exitCode !== null || server.signalCode !== null)) {
    throw new Error(`rtmp-server exited during the test (code ${server.exitCode}, signal ${server.signalCode})`);
  }
}

// When rtmp-server serves the player page itself (/player.html beside the streams), its files
// must be the ones in apps/relay/www and node_modules. Returns failures; none when not served.
async function checkServedPlayer(port, files, mode) {
  const page = await httpGet(`http://127.0.0.1:${port}/player.html`);
  if (page.status !== 200) {
    console.log(`note: rtmp-server serves no /player.html (HTTP ${page.status})`);
    return [];
  }
  const lib = mode.startsWith('hls') ? '/hls.min.js' : '/mpegts.js';
  const failures = [];
  for (const name of ['/player.html', '/player.js', lib]) {
    const r = await httpGet(`http://127.0.0.1:${port}${name}`, 64 << 20);
    if (r.status !== 200 || !r.body.equals(fs.readFileSync(files[name][0]))) {
      failures.push(`rtmp-server's ${name} (HTTP ${r.status}, ${r.body.length} bytes) differs from ${files[name][0]}`);
    }
  }
  return failures;
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(a.chromium)) skip(`no Chromium at ${a.chromium} (apt-get install chromium)`);
  if (!which('ffmpeg')) skip('no ffmpeg');
  if (!fs.existsSync(path.join(a.modules, 'playwright-core'))) skip(`no npm packages in ${a.modules} (scripts/npm-setup.sh)`);
  if (Number(process.versions.node.split('.')[0]) < 20) skip(`node ${process.versions.node}: playwright-core needs >= 20`);
  if (a.server && !fs.existsSync(a.server)) throw new Error(`no rtmp-server at ${a.server}`);
  const require = createRequire(path.join(a.modules, 'noop.js'));
  const { chromium } = require('playwright-core');
  const { PNG } = require('pngjs');

  fs.mkdirSync(a.out, { recursive: true });
  const log = path.join(a.out, `${a.mode}.log`);
  fs.writeFileSync(log, '');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rtmpcxx-browser-'));
  const [rtmpPort, httpPort, pagePort] = [await freePort(), await freePort(), await freePort()];
  const servers = [];
  let server = null;
  try {
    if (a.standin) {
      if (a.mode.startsWith('hls')) startHlsWriter(path.join(tmp, 'hls'), a.mode.slice(4), SOURCE, log);
      servers.push(await startStandin(httpPort, path.join(tmp, 'hls'), SOURCE, log));
    } else {
      server = await startServer(a, rtmpPort, httpPort, log);
    }
    const ready = await waitFor(`${mediaUrl(a.mode, httpPort)} to serve media`, () => {
      checkAlive(server);
      return streamReady(a.mode, httpPort);
    }, 15000);
    fs.appendFileSync(log, `ready:\n${ready}\n`);
    const files = playerFiles(WWW, a.modules);
    const served = a.standin ? [] : await checkServedPlayer(httpPort, files, a.mode);
    servers.push(await startPageServer(pagePort, files));
    const src = mediaUrl(a.mode, httpPort);
    const run = await playAndMeasure({
      chromium, executablePath: a.chromium, seconds: a.seconds, logPath: log, userDataDir: path.join(tmp, 'profile'),
      pageUrl: `http://127.0.0.1:${pagePort}/player.html?src=${encodeURIComponent(src)}`,
      pngPath: path.join(a.out, `${a.mode}.png`),
    });
    const image = pngStats(PNG, path.join(a.out, `${a.mode}.png`));
    const { failures, result } = checkRun(a.mode, run, image, { expectLowLatency: a.mode === 'hls-fmp4' && !a.standin });
    result.standin = !!a.standin;
    try {
      checkAlive(server);
    } catch (e) {
      failures.push(e.message);
    }
    failures.push(...served);
    fs.writeFileSync(path.join(a.out, `${a.mode}.json`), JSON.stringify({ result, samples: run.samples }, null, 1));
    console.log(`RESULT ${JSON.stringify(result)}`);
    for (const f of failures) console.log(`FAIL: ${f}`);
    console.log(failures.length ? `FAILED ${a.mode} (log: ${log})` : `PASSED ${a.mode}`);
    return failures.length ? 1 : 0;
  } finally {
    for (const s of servers) s.closeAllConnections?.(), s.close();
    stopAll();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().then((code) => process.exit(code), (e) => {
  console.log(`FAIL: ${e.message}`);
  stopAll();
  process.exit(1);
});
