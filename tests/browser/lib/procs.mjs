// Child processes, free ports and polling for the browser tests. Every child is tracked so
// the runner ends exactly the processes it started (by pid), whatever way it exits.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import http from 'node:http';

const children = new Set();

// Starts `cmd args`, its stdout/stderr appended to logPath. Returns the ChildProcess.
export function start(cmd, args, logPath, opts = {}) {
  const log = fs.openSync(logPath, 'a');
  fs.writeSync(log, `$ ${cmd} ${args.join(' ')}\n`);
  const child = spawn(cmd, args, { stdio: ['ignore', log, log], ...opts });
  fs.closeSync(log);
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

export function stopAll() {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
  }
}

// Asks the kernel for a free port on 127.0.0.1 (closed again before it is used).
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function tcpOpen(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

// GET url; resolves {status, body} (body cut at `maxBytes`, then the request is dropped:
// live FLV never ends).
export function httpGet(url, maxBytes = 1 << 20) {
  return new Promise((resolve) => {
    const req = http.get(url, (res) => {
      const parts = [];
      let n = 0;
      res.on('data', (d) => {
        parts.push(d);
        n += d.length;
        if (n >= maxBytes) req.destroy();
      });
      const done = () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(parts) });
      res.on('end', done);
      res.on('close', done);
    });
    req.setTimeout(5000, () => req.destroy());
    req.on('error', () => resolve({ status: 0, body: Buffer.alloc(0) }));
  });
}

// Polls `check` (async, truthy = ready) every 200 ms until it holds or `ms` pass.
export async function waitFor(what, check, ms) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(200);
  }
}

export function which(cmd) {
  for (const dir of (process.env.PATH || '').split(':')) {
    try {
      fs.accessSync(`${dir}/${cmd}`, fs.constants.X_OK);
      return `${dir}/${cmd}`;
    } catch { /* next */ }
  }
  return null;
}
