// rtmp-server's dashboard: polls /api/streams every second and shows one card per stream
// (codecs, resolution, fps, audio/video bitrate with a sparkline, viewers by protocol,
// uptime, clients), a live preview played with the bundled mpegts.js (HTTP-FLV, same
// origin) and kick buttons when the server has an API token. No framework, no CDN.
// window.rtmpDashboard exposes the state for tests and the console.
(function () {
  'use strict';
  const HISTORY = 60; // seconds of bitrate per sparkline
  const main = document.getElementById('streams');
  const summary = document.getElementById('summary');
  const errorBox = document.getElementById('error');
  const state = (window.rtmpDashboard = { polls: 0, cards: {}, preview: null, errors: [] });

  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  const svgNs = 'http://www.w3.org/2000/svg';

  function kbps(x) { return x >= 1000 ? (x / 1000).toFixed(2) + ' Mb/s' : Math.round(x) + ' kb/s'; }
  function duration(s) {
    s = Math.floor(s);
    const h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60;
    return (h ? h + 'h ' : '') + (h || m ? m + 'm ' : '') + (s % 60) + 's';
  }
  function encode(s) { return encodeURIComponent(s); }

  function post(url) {
    return fetch(url, { method: 'POST', credentials: 'same-origin' }).then(function (r) {
      if (!r.ok) return r.text().then(function (t) { throw new Error(r.status + ' ' + t.trim()); });
      return r.json();
    });
  }

  function sparkline() {
    const svg = document.createElementNS(svgNs, 'svg');
    svg.setAttribute('class', 'spark');
    svg.setAttribute('viewBox', '0 0 ' + (HISTORY - 1) + ' 100');
    svg.setAttribute('preserveAspectRatio', 'none');
    for (const cls of ['video', 'audio']) {
      const line = document.createElementNS(svgNs, 'polyline');
      line.setAttribute('class', cls);
      svg.appendChild(line);
    }
    return svg;
  }

  function drawSpark(card) {
    const v = card.history.video, a = card.history.audio;
    const max = Math.max(1, ...v, ...a) * 1.1;
    const lines = card.spark.querySelectorAll('polyline');
    [v, a].forEach(function (h, i) {
      const off = HISTORY - h.length;
      lines[i].setAttribute('points', h.map(function (x, j) {
        return (off + j) + ',' + (100 - (x / max) * 100).toFixed(1);
      }).join(' '));
    });
  }

  function makeCard(id, s) {
    const card = { id: id, history: { video: [], audio: [] } };
    card.root = el('section', { class: 'card', 'data-stream': id });
    card.root.appendChild(el('h2', {}, id));
    card.facts = el('dl', { class: 'facts' });
    card.root.appendChild(card.facts);
    card.spark = sparkline();
    card.root.appendChild(card.spark);
    const row = el('div', { class: 'row' });
    const previewBtn = el('button', { class: 'preview' }, 'Preview');
    previewBtn.onclick = function () { startPreview(card, s.preview.flv); };
    row.appendChild(previewBtn);
    card.kickBtn = el('button', { class: 'kick kick-publisher', hidden: '' }, 'Kick publisher');
    card.kickBtn.onclick = function () {
      post('/api/streams/' + encode(s.app) + '/' + encode(s.key) + '/kick')
        .catch(function (e) { showError('kick: ' + e.message); });
    };
    row.appendChild(card.kickBtn);
    card.root.appendChild(row);
    card.videoBox = el('div');
    card.root.appendChild(card.videoBox);
    card.clients = el('div', { class: 'clients' });
    card.root.appendChild(card.clients);
    return card;
  }

  function fact(dl, name, value) {
    dl.appendChild(el('dt', {}, name));
    dl.appendChild(el('dd', {}, value));
  }

  function updateCard(card, s, canKick) {
    const v = s.video, a = s.audio;
    card.history.video.push(v.bitrate_kbps || 0);
    card.history.audio.push(a.bitrate_kbps || 0);
    for (const k of ['video', 'audio']) if (card.history[k].length > HISTORY) card.history[k].shift();
    drawSpark(card);
    const dl = card.facts;
    dl.textContent = '';
    fact(dl, 'video', [v.codec || '-', v.profile, v.level ? 'L' + v.level : '']
      .filter(Boolean).join(' ') + (v.width ? ' · ' + v.width + '×' + v.height : '') +
      ' · ' + (v.fps || 0).toFixed(1) + ' fps');
    fact(dl, 'audio', [a.codec || '-', a.profile, a.sample_rate ? a.sample_rate + ' Hz' : '',
      a.channels ? a.channels + ' ch' : ''].filter(Boolean).join(' '));
    fact(dl, 'bitrate', 'video ' + kbps(v.bitrate_kbps || 0) + ' · audio ' + kbps(a.bitrate_kbps || 0));
    const w = s.viewers;
    fact(dl, 'viewers', 'rtmp ' + w.rtmp + ' · flv ' + w['http-flv'] + ' · ws ' + w['ws-flv'] +
      ' · hls ' + w.hls);
    fact(dl, 'uptime', s.live ? duration(s.uptime_s) : 'not live');
    card.kickBtn.hidden = !(canKick && s.live);
    const table = el('table');
    const head = el('tr');
    for (const h of ['id', 'role', 'proto', 'address', 'time', 'bytes', 'drop', '']) head.appendChild(el('th', {}, h));
    table.appendChild(head);
    for (const c of s.clients) {
      const tr = el('tr', { 'data-client': c.id });
      for (const x of [c.id, c.role, c.protocol, c.address, duration(c.connected_s), c.bytes, c.dropped])
        tr.appendChild(el('td', {}, String(x)));
      const td = el('td');
      if (canKick) {
        const b = el('button', { class: 'kick' }, 'Kick');
        b.onclick = function () {
          post('/api/clients/' + c.id + '/kick').catch(function (e) { showError('kick: ' + e.message); });
        };
        td.appendChild(b);
      }
      tr.appendChild(td);
      table.appendChild(tr);
    }
    card.clients.textContent = '';
    card.clients.appendChild(table);
  }

  function stopPreview() {
    const p = state.preview;
    if (!p) return;
    try { p.player.destroy(); } catch (e) { /* already gone */ }
    p.video.remove();
    state.preview = null;
  }

  function startPreview(card, url) {
    stopPreview();
    if (!window.mpegts || !mpegts.getFeatureList().mseLivePlayback) {
      showError('this browser has no Media Source Extensions for the FLV preview');
      return;
    }
    const video = el('video', { muted: '', autoplay: '', playsinline: '', controls: '' });
    video.muted = true;
    card.videoBox.appendChild(video);
    const player = mpegts.createPlayer({ type: 'flv', isLive: true, url: url },
      { enableStashBuffer: false, liveBufferLatencyChasing: true });
    player.on(mpegts.Events.ERROR, function (type, detail) { showError('preview: ' + type + ' ' + detail); });
    player.attachMediaElement(video);
    player.load();
    video.play().catch(function () { /* autoplay policies: muted, so normally fine */ });
    state.preview = { id: card.id, player: player, video: video };
  }

  function showError(text) {
    state.errors.push(text);
    errorBox.textContent = text;
  }

  function render(data) {
    const seen = {};
    let live = 0;
    for (const s of data.streams) {
      const id = s.app + '/' + s.key;
      seen[id] = true;
      if (s.live) live++;
      let card = state.cards[id];
      if (!card) {
        card = state.cards[id] = makeCard(id, s);
        main.appendChild(card.root);
      }
      updateCard(card, s, data.kick);
    }
    for (const id in state.cards) {
      if (seen[id]) continue;
      if (state.preview && state.preview.id === id) stopPreview();
      state.cards[id].root.remove();
      delete state.cards[id];
    }
    const empty = main.querySelector('.empty');
    if (empty) empty.hidden = data.streams.length > 0;
    summary.textContent = live + ' live, ' + data.streams.length + ' streams · ' +
      new Date().toLocaleTimeString();
  }

  function poll() {
    fetch('/api/streams', { credentials: 'same-origin', cache: 'no-store' })
      .then(function (r) {
        if (r.status === 401) { location.reload(); throw new Error('signed out'); }
        if (!r.ok) throw new Error('/api/streams: ' + r.status);
        return r.json();
      })
      .then(function (data) { state.polls++; errorBox.textContent = ''; render(data); })
      .catch(function (e) { showError(String(e.message || e)); })
      .finally(function () { setTimeout(poll, 1000); });
  }

  const lib = el('script', { src: 'mpegts.js' });
  lib.onerror = function () { showError('cannot load mpegts.js: no preview'); };
  document.head.appendChild(lib);
  poll();
})();
