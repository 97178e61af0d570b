// node --test: the playback verdict fails on each thing the browser tests must catch
// (stalled frames or clock, player errors, wrong size, blank screenshot, missing LL-HLS).
import assert from 'node:assert/strict';
import test from 'node:test';
import { checkRun } from './lib/verdict.mjs';

function sample(i, extra = {}) {
  return { frames: 30 * i + 5, dropped: 0, time: i + 0.2, bufferEnd: i + 1, errors: [], kind: 'hls', width: 640, height: 360,
    hls: { lowLatencyMode: true, configLowLatency: true, latency: 1.2, targetLatency: 1, partList: 12, partTarget: 0.2,
      canBlockReload: true, targetduration: 2 }, ...extra };
}

function run(samples) {
  return { samples, first: samples[0], last: samples[samples.length - 1], startup: 2.5,
    requests: { blockingReloads: 20, parts: 30, total: 60 } };
}

const good = () => [0, 1, 2, 3, 4, 5, 6].map((i) => sample(i));
const picture = { variance: 3000, distinctColours: 1000 };
const ll = { expectLowLatency: true };

test('a healthy LL-HLS run passes and reports its figures', () => {
  const { failures, result } = checkRun('hls-fmp4', run(good()), picture, ll);
  assert.deepEqual(failures, []);
  assert.equal(result.frames, 180);
  assert.equal(result.hls_latency_s, 1.2);
  assert.equal(result.parts, 12);
});

test('one stalled second passes, two fail', () => {
  const s = good();
  s[2].frames = s[1].frames;
  const one = checkRun('hls-fmp4', run(s), picture, ll);
  assert.deepEqual(one.failures, []);
  assert.equal(one.result.stalled_seconds, 1);
  s[4].frames = s[3].frames;
  assert.match(checkRun('hls-fmp4', run(s), picture, ll).failures.join(), /frames stalled in second 4/);
});

test('a stalled clock fails', () => {
  const s = good();
  s[3].time = s[2].time;
  s[4].time = s[3].time;
  assert.match(checkRun('hls-fmp4', run(s), picture, ll).failures.join(), /currentTime stalled/);
});

test('playback that stops for good fails', () => {
  const s = good().map((x, i) => (i >= 2 ? { ...x, frames: 65, time: 2.2 } : x));
  assert.match(checkRun('http-flv', run(s), picture, { expectLowLatency: false }).failures.join(), /stalled/);
});

test('a player error fails', () => {
  const s = good();
  s[s.length - 1].errors = ['mpegts.js: NetworkError'];
  assert.match(checkRun('hls-fmp4', run(s), picture, ll).failures.join(), /player errors/);
});

test('a blank screenshot fails', () => {
  assert.match(checkRun('hls-fmp4', run(good()), { variance: 0, distinctColours: 1 }, ll).failures.join(), /blank/);
});

test('a playlist without parts or blocking reload fails the LL-HLS case only', () => {
  const s = good().map((x) => ({ ...x, hls: { ...x.hls, partList: 0, partTarget: 0, canBlockReload: false } }));
  const r = { ...run(s), requests: { blockingReloads: 0, parts: 0, total: 9 } };
  const f = checkRun('hls-fmp4', r, picture, ll).failures.join();
  assert.match(f, /no EXT-X-PART/);
  assert.match(f, /no blocking playlist reload/);
  assert.match(f, /CAN-BLOCK-RELOAD/);
  assert.deepEqual(checkRun('hls-mpegts', r, picture, { expectLowLatency: false }).failures, []);
});

test('the wrong player or picture size fails', () => {
  const s = good().map((x) => ({ ...x, kind: 'hls', width: 320 }));
  const f = checkRun('http-flv', run(s), picture, { expectLowLatency: false }).failures.join();
  assert.match(f, /want flv/);
  assert.match(f, /320x360/);
});
