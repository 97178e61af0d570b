// Plays ?src=URL in the page's <video>: hls.js for .m3u8 (native HLS where MSE is missing),
// mpegts.js for .flv over http(s):// or ws(s)://. The library files are loaded from the same
// directory as this script, only the one the URL needs. window.rtmpPlayer exposes the player
// (kind, hls or flv instance, errors) so tests and the console can inspect it.
(function () {
  'use strict';
  const video = document.getElementById('video');
  const status = document.getElementById('status');
  const state = (window.rtmpPlayer = { kind: null, hls: null, flv: null, errors: [] });

  function say(text, isError) {
    status.textContent = text;
    status.className = isError ? 'error' : '';
  }

  function fail(what) {
    state.errors.push(what);
    say(what, true);
  }

  function loadScript(name) {
    return new Promise(function (resolve, reject) {
      const s = document.createElement('script');
      s.src = name;
      s.onload = resolve;
      s.onerror = function () { reject(new Error('cannot load ' + name)); };
      document.head.appendChild(s);
    });
  }

  function kindOf(src) {
    const path = new URL(src, location.href).pathname.toLowerCase();
    if (path.endsWith('.m3u8')) return 'hls';
    if (path.endsWith('.flv')) return 'flv';
    return null;
  }

  function playHls(src) {
    if (!window.Hls || !Hls.isSupported()) {
      video.src = src; // Safari and iOS play HLS natively
      return;
    }
    // lowLatencyMode uses EXT-X-PART and blocking reloads when the playlist offers them.
    const hls = (state.hls = new Hls({ lowLatencyMode: true, liveDurationInfinity: true }));
    hls.on(Hls.Events.ERROR, function (_e, data) {
      if (data.fatal) fail('hls.js: ' + data.type + ' ' + data.details);
    });
    hls.loadSource(src);
    hls.attachMedia(video);
  }

  function playFlv(src) {
    if (!mpegts.getFeatureList().mseLivePlayback) {
      fail('this browser has no Media Source Extensions for live FLV');
      return;
    }
    const flv = (state.flv = mpegts.createPlayer(
      { type: 'flv', isLive: true, url: src },
      // Chase the live edge: the GOP cache's burst would otherwise leave up to a GOP buffered.
      { enableStashBuffer: false, liveBufferLatencyChasing: true,
        liveBufferLatencyMaxLatency: 0.6, liveBufferLatencyMinRemain: 0.2 }));
    flv.on(mpegts.Events.ERROR, function (type, detail) {
      fail('mpegts.js: ' + type + ' ' + detail);
    });
    flv.attachMediaElement(video);
    flv.load();
  }

  function start(src) {
    const kind = kindOf(src);
    if (!kind) {
      fail('unknown stream type (want .m3u8 or .flv): ' + src);
      return;
    }
    state.kind = kind;
    say('playing ' + src);
    loadScript(kind === 'hls' ? 'hls.min.js' : 'mpegts.js')
      .then(function () { (kind === 'hls' ? playHls : playFlv)(src); })
      .then(function () { return video.play(); })
      .catch(function (e) { if (e.name !== 'AbortError') fail(String(e)); });
  }

  const src = new URLSearchParams(location.search).get('src');
  document.getElementById('src').value = src || '';
  video.addEventListener('error', function () {
    if (video.error) fail('video: ' + video.error.code + ' ' + (video.error.message || ''));
  });
  if (src) start(src);
})();
