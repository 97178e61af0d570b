#!/usr/bin/env node
// Dashboard test: rtmp-server with --api-token serves its dashboard at GET / (apps/relay/www
// plus the bundled mpegts.js, given with --http-www); `ffmpeg -re` publishes live/test.
// Headless Chromium signs in through the login form and asserts: the page lists live/test
// with its codec and resolution, the bitrate sparkline changes from second to second, the
// preview decodes frames (getVideoPlaybackQuality) with currentTime advancing, the page fits
// a phone's width, screenshots at 1280x800 and 390x844 are not blank, and "Kick publisher"
// makes the publishing ffmpeg exit.
//
//   node dashboard.mjs --server PATH/rtmp-server --modules BUILD/browser/node_modules --out DIR
//                      [--chromium PATH]
//
// Prints `RESULT {...}`, keeps DIR/dashboard-{desktop,phone}.png, dashboard.json and .log.
// Exit 0 pass, 1 fail, 77 skip (chromium, ffmpeg, node packages or --api-token missing).
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, httpGet, sleep, start, stopAll, tcpOpen, waitFor, which } from './lib/procs.mjs';
import { pngStats } from './lib/image.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const WWW = path.resolve(HERE, '../../apps/relay/www');
const TOKEN = 'dash-test-token';
const SOURCE = ['-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
  '-t', '60', '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-g', '30', '-b:v', '800k',
  '-c:a', 'aac', '-b:a', '96k', '-ac', '2'];
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--autoplay-policy=no-user-gesture-required', '--disable-dev-shm-usage'];

function parseArgs(argv) {
  const a = { chromium: '/usr/bin/chromium' };
  for (let i = 0; i < argv.length; i++) {
    if (!argv[i].startsWith('--')) throw new Error(`unexpected argument ${argv[i]}`);
    a[argv[i].slice(2)] = argv[++i];
  }
  if (!a.server || !a.modules || !a.out) throw new Error('need --server, --modules and --out');
  return a;
}

function skip(why) {
  console.log(`SKIP: ${why}`);
  process.exit(77);
}

// The page files as rtmp-server serves them: the source pages beside the bundled player.
function assembleWww(dir, modules) {
  fs.mkdirSync(dir, { recursive: true });
  for (const f of fs.readdirSync(WWW)) fs.copyFileSync(path.join(WWW, f), path.join(dir, f));
  fs.copyFileSync(path.join(modules, 'mpegts.js/dist/mpegts.js'), path.join(dir, 'mpegts.js'));
}

// What the page shows of live/test, read in the page.
function cardState() {
  const card = document.querySelector('[data-stream="live/test"]');
  if (!card) return null;
  const line = card.querySelector('svg.spark polyline.video');
  const v = card.querySelector('video');
  const q = v ? v.getVideoPlaybackQuality() : null;
  return {
    text: card.querySelector('.facts').textContent, points: line ? line.getAttribute('points') : '',
    frames: q ? q.totalVideoFrames : 0, time: v ? v.currentTime : 0, width: v ? v.videoWidth : 0,
    kickVisible: !card.querySelector('button.kick-publisher').hidden, errors: window.rtmpDashboard.errors.slice(),
    polls: window.rtmpDashboard.polls, scrollWidth: document.scrollingElement.scrollWidth,
  };
}

async function run(a, page, port, publisher, failures, result) {
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.fill('#token', TOKEN);
  await page.click('button[type=submit]');
  await page.waitForSelector('main#streams', { timeout: 10000 });
  const s0 = await waitFor('the dashboard to list live/test with its codec', async () => {
    const s = await page.evaluate(cardState);
    return s && /h264/.test(s.text) && /640×360/.test(s.text) && s.points.split(' ').length >= 2 ? s : null;
  }, 15000);
  result.facts = s0.text;
  await sleep(3000);
  const s1 = await page.evaluate(cardState);
  result.sparkline = { before: s0.points.split(' ').length, after: s1.points.split(' ').length };
  if (s1.points === s0.points || result.sparkline.after <= result.sparkline.before) {
    failures.push(`the sparkline did not move in 3 s (${result.sparkline.before} -> ${result.sparkline.after} points)`);
  }
  if (!s1.kickVisible) failures.push('no kick button although the server has a token');
  await page.click('[data-stream="live/test"] button.preview');
  const p0 = await waitFor('the preview to decode frames', async () => {
    const s = await page.evaluate(cardState);
    return s.frames > 0 && s.time > 0.5 ? s : null;
  }, 20000);
  await sleep(3000);
  const p1 = await page.evaluate(cardState);
  result.preview = { frames: [p0.frames, p1.frames], time: [p0.time, p1.time], width: p1.width };
  if (p1.frames <= p0.frames || p1.time <= p0.time) failures.push(`the preview stalled: ${JSON.stringify(result.preview)}`);
  if (p1.width !== 640) failures.push(`preview video width ${p1.width}, expected 640`);
  if (p1.errors.length) failures.push(`page errors: ${p1.errors.join('; ')}`);
  return p1;
}

async function screenshots(a, page, PNG, failures, result) {
  for (const [name, vp] of [['desktop', { width: 1280, height: 800 }], ['phone', { width: 390, height: 844 }]]) {
    await page.setViewportSize(vp);
    await sleep(1200); // a poll and a relayout at this width
    const png = path.join(a.out, `dashboard-${name}.png`);
    await page.screenshot({ path: png });
    const st = pngStats(PNG, png);
    const s = await page.evaluate(cardState);
    result[name] = { ...st, scrollWidth: s.scrollWidth };
    if (st.width !== vp.width || st.variance < 100 || st.distinctColours < 20) {
      failures.push(`${name} screenshot looks blank: ${JSON.stringify(st)}`);
    }
    if (s.scrollWidth > vp.width + 1) failures.push(`${name}: page ${s.scrollWidth} px wide in a ${vp.width} px viewport`);
  }
}

async function kick(page, publisher, failures, result) {
  const t0 = Date.now();
  await page.click('[data-stream="live/test"] button.kick-publisher');
  try {
    await waitFor('ffmpeg to exit after the kick', () => publisher.exitCode !== null || publisher.signalCode !== null, 10000);
    result.kick_exit_s = (Date.now() - t0) / 1000;
  } catch (e) {
    failures.push(e.message);
  }
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(a.chromium)) skip(`no Chromium at ${a.chromium}`);
  if (!which('ffmpeg')) skip('no ffmpeg');
  if (!fs.existsSync(path.join(a.modules, 'playwright-core'))) skip(`no npm packages in ${a.modules}`);
  if (Number(process.versions.node.split('.')[0]) < 20) skip(`node ${process.versions.node}: playwright-core needs >= 20`);
  let help = '';
  try {
    help = execFileSync(a.server, ['--help']).toString();
  } catch (e) {
    help = String(e.stdout || '');
  }
  if (!help.includes('--api-token')) skip('this rtmp-server has no --api-token');
  const require = createRequire(path.join(path.resolve(a.modules), 'noop.js'));
  const { chromium } = require('playwright-core');
  const { PNG } = require('pngjs');

  fs.mkdirSync(a.out, { recursive: true });
  const log = path.join(a.out, 'dashboard.log');
  fs.writeFileSync(log, '');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rtmpcxx-dashboard-'));
  const failures = [];
  const result = {};
  let context = null;
  try {
    assembleWww(path.join(tmp, 'www'), a.modules);
    const [rtmpPort, port] = [await freePort(), await freePort()];
    const server = start(a.server, ['--bind', '127.0.0.1', '--port', String(rtmpPort), '--http-port', String(port),
      '--threads', '2', '--no-hls', '--http-www', path.join(tmp, 'www'), '--api-token', TOKEN], log);
    await waitFor('rtmp-server to listen', async () => server.exitCode === null && (await tcpOpen(rtmpPort)) && tcpOpen(port), 10000);
    const publisher = start('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', ...SOURCE, '-f', 'flv',
      `rtmp://127.0.0.1:${rtmpPort}/live/test`], log);
    await waitFor('live/test to be live', async () => {
      const r = await httpGet(`http://127.0.0.1:${port}/live/test.flv`, 4096);
      return r.status === 200 && r.body.length >= 4096;
    }, 15000);
    context = await chromium.launchPersistentContext(path.join(tmp, 'profile'), {
      executablePath: a.chromium, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1280, height: 800 },
    });
    const page = context.pages()[0] || (await context.newPage());
    page.on('console', (m) => fs.appendFileSync(log, `[console.${m.type()}] ${m.text()}\n`));
    page.on('pageerror', (e) => fs.appendFileSync(log, `[pageerror] ${e.message}\n`));
    await run(a, page, port, publisher, failures, result);
    await screenshots(a, page, PNG, failures, result);
    await kick(page, publisher, failures, result);
    if (server.exitCode !== null) failures.push(`rtmp-server exited (${server.exitCode})`);
  } finally {
    if (context) await context.close();
    stopAll();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  fs.writeFileSync(path.join(a.out, 'dashboard.json'), JSON.stringify(result, null, 1));
  console.log(`RESULT ${JSON.stringify(result)}`);
  for (const f of failures) console.log(`FAIL: ${f}`);
  console.log(failures.length ? `FAILED dashboard (log: ${log})` : 'PASSED dashboard');
  return failures.length ? 1 : 0;
}

main().then((code) => process.exit(code), (e) => {
  console.log(`FAIL: ${e.message}`);
  stopAll();
  process.exit(1);
});
