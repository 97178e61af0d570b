// Drives headless Chromium (Debian's /usr/bin/chromium through playwright-core's CDP driver)
// on the player page and measures playback: decoded frames, currentTime, player errors,
// latency, and for hls.js the low-latency state.
import fs from 'node:fs';
import { sleep, waitFor } from './procs.mjs';

// Closed network, no background traffic, no GPU; autoplay without a gesture (the page is muted).
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--autoplay-policy=no-user-gesture-required', '--disable-dev-shm-usage'];

// Runs in the page: one sample of the <video> and the player state.
function sampleInPage() {
  const v = document.querySelector('video');
  const q = v.getVideoPlaybackQuality();
  const p = window.rtmpPlayer || {};
  const b = v.buffered;
  const s = {
    frames: q.totalVideoFrames, dropped: q.droppedVideoFrames, time: v.currentTime, paused: v.paused,
    readyState: v.readyState, bufferEnd: b.length ? b.end(b.length - 1) : 0, errors: (p.errors || []).slice(),
    kind: p.kind, width: v.videoWidth, height: v.videoHeight,
  };
  if (p.hls) {
    const h = p.hls;
    const level = h.levels[Math.max(h.currentLevel, 0)];
    const d = level && level.details;
    s.hls = { lowLatencyMode: h.lowLatencyMode, configLowLatency: h.config.lowLatencyMode, latency: h.latency,
      targetLatency: h.targetLatency, live: d ? d.live : null, partList: d && d.partList ? d.partList.length : 0,
      partTarget: d ? d.partTarget : 0, canBlockReload: d ? !!d.canBlockReload : false,
      targetduration: d ? d.targetduration : 0 };
  }
  return s;
}

// Opens `pageUrl`, waits for playback, samples for `seconds`, screenshots the video into
// `pngPath`. Returns {codecs, samples, first, last, requests (counts of all, blocking playlist
// reloads and part requests), startup (s to the first frame)}; throws when playback never starts.
export async function playAndMeasure({ chromium, executablePath, pageUrl, seconds, pngPath, logPath, userDataDir }) {
  const log = (line) => fs.appendFileSync(logPath, line + '\n');
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath, headless: true, args: CHROMIUM_ARGS, ignoreDefaultArgs: ['--mute-audio'],
    viewport: { width: 800, height: 600 },
  });
  try {
    const page = context.pages()[0] || (await context.newPage());
    page.on('console', (m) => log(`[console.${m.type()}] ${m.text()}`));
    page.on('pageerror', (e) => log(`[pageerror] ${e.message}`));
    const requests = { blockingReloads: 0, parts: 0, total: 0 };
    page.on('request', (r) => {
      const u = r.url();
      requests.total += 1;
      if (/[?&]_HLS_msn=/.test(u)) requests.blockingReloads += 1;
      if (/\/part[^/]*\.m4s/.test(u)) requests.parts += 1;
    });
    page.on('requestfailed', (r) => log(`[requestfailed] ${r.url()} ${r.failure() && r.failure().errorText}`));
    const opened = Date.now();
    await page.goto(pageUrl);
    const codecs = await page.evaluate(() => ({
      h264aac: window.MediaSource ? MediaSource.isTypeSupported('video/mp4; codecs="avc1.4d401e,mp4a.40.2"') : false,
    }));
    if (!codecs.h264aac) throw new Error('this Chromium has no MSE support for H.264/AAC in MP4');
    const first = await waitFor('playback to start (frames decoded and currentTime > 0)', async () => {
      const s = await page.evaluate(sampleInPage);
      if (s.errors.length) throw new Error(`player error before playback: ${s.errors.join('; ')}`);
      return s.frames > 0 && s.time >= 1 ? s : null; // past the first second's start-up
    }, 20000);
    const startup = (Date.now() - opened) / 1000;
    const samples = [first];
    for (let i = 0; i < seconds; i++) {
      await sleep(1000);
      samples.push(await page.evaluate(sampleInPage));
    }
    await page.locator('video').screenshot({ path: pngPath });
    return { codecs, samples, first, last: samples[samples.length - 1], requests, startup };
  } finally {
    await context.close();
  }
}
