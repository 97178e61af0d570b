// Turns one playback run into failures (strings) and the figures printed as RESULT.
const MIN_LUMA_VARIANCE = 200; // testsrc2 measures in the thousands; a flat frame near 0
const MIN_COLOURS = 16;
const MAX_LL_LATENCY_S = 5; // LL-HLS with 200 ms parts plays ~1-2 s behind; plain HLS ~6 s

const round = (x, d = 3) => (Number.isFinite(x) ? Number(x.toFixed(d)) : x);

// One stalled second is tolerated (a rebuffer on a loaded 2-core CI machine), two are not.
const MAX_STALLED_SECONDS = 1;

function stalledSeconds(samples) {
  const stalls = [];
  for (let i = 1; i < samples.length; i++) {
    const [p, s] = [samples[i - 1], samples[i]];
    if (!(s.frames > p.frames)) stalls.push(`decoded frames stalled in second ${i}: ${p.frames} -> ${s.frames}`);
    else if (!(s.time > p.time)) stalls.push(`currentTime stalled in second ${i}: ${p.time} -> ${s.time}`);
  }
  return stalls;
}

function checkProgress(samples, failures) {
  const stalls = stalledSeconds(samples);
  if (stalls.length > MAX_STALLED_SECONDS) failures.push(...stalls);
  const first = samples[0];
  const last = samples[samples.length - 1];
  const span = samples.length - 1;
  if (last.time - first.time < 0.5 * span) failures.push(`currentTime advanced ${round(last.time - first.time)} s in ${span} s`);
  if (last.errors.length) failures.push(`player errors: ${last.errors.join('; ')}`);
  if (last.width !== 640 || last.height !== 360) failures.push(`video is ${last.width}x${last.height}, want 640x360`);
}

function checkLowLatency(h, requests, failures) {
  if (!h) {
    failures.push('no hls.js instance on the page');
    return;
  }
  if (!h.configLowLatency || !h.lowLatencyMode) failures.push('hls.js is not in lowLatencyMode');
  if (!(h.partList > 0)) failures.push('the playlist hls.js loaded has no EXT-X-PART (partList empty)');
  if (!(h.partTarget > 0)) failures.push('the playlist has no EXT-X-PART-INF PART-TARGET');
  if (!h.canBlockReload) failures.push('the playlist does not say CAN-BLOCK-RELOAD=YES');
  if (!(requests.blockingReloads > 0)) failures.push('hls.js made no blocking playlist reload (_HLS_msn)');
  if (!(h.latency < MAX_LL_LATENCY_S)) failures.push(`LL-HLS latency ${round(h.latency)} s >= ${MAX_LL_LATENCY_S} s`);
}

export function checkRun(mode, run, image, { expectLowLatency }) {
  const failures = [];
  const { samples, first, last } = run;
  checkProgress(samples, failures);
  if (mode.startsWith('hls') && last.kind !== 'hls') failures.push(`page played ${last.kind}, want hls`);
  if (mode.endsWith('flv') && last.kind !== 'flv') failures.push(`page played ${last.kind}, want flv`);
  if (expectLowLatency) checkLowLatency(last.hls, run.requests, failures);
  if (!(image.variance > MIN_LUMA_VARIANCE) || image.distinctColours < MIN_COLOURS) {
    failures.push(`screenshot looks blank: luma variance ${round(image.variance, 1)}, ${image.distinctColours} colours`);
  }
  const result = {
    mode,
    startup_s: round(run.startup, 2),
    frames: last.frames - first.frames,
    seconds: samples.length - 1,
    stalled_seconds: stalledSeconds(samples).length,
    played_s: round(last.time - first.time),
    dropped: last.dropped,
    buffer_ahead_s: round(last.bufferEnd - last.time),
    screenshot_variance: round(image.variance, 1),
    screenshot_colours: image.distinctColours,
  };
  if (last.hls) {
    Object.assign(result, {
      hls_latency_s: round(last.hls.latency), hls_target_latency_s: round(last.hls.targetLatency),
      low_latency_mode: last.hls.lowLatencyMode, parts: last.hls.partList, part_target_s: last.hls.partTarget,
      can_block_reload: last.hls.canBlockReload, target_duration_s: last.hls.targetduration,
      blocking_reloads: run.requests.blockingReloads, part_requests: run.requests.parts,
    });
  }
  return { failures, result };
}
