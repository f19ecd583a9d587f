// Helpers of the real-time tests: the stock socket.io-client, raw Engine.IO exchanges over
// fetch and ws, and access tokens signed with a test server's own secret.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHmac } from 'node:crypto';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
export const { io } = require('socket.io-client');
export const WebSocket = require('ws');

/** The settings file a test server's httpd wrote, as an object. */
export function settingsOf(server) {
  const text = readFileSync(join(server.root, 'run', 'skillbarter.settings'), 'utf8');
  const out = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf(' ');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

const b64url = (b) => Buffer.from(b).toString('base64url');

/** Re-sign a token of this server with some claims changed (HS256, the server's secret). */
export function resign(server, token, change) {
  const [h, p] = token.split('.');
  const claims = { ...JSON.parse(Buffer.from(p, 'base64url').toString()), ...change };
  const secret = readFileSync(settingsOf(server).jwt_secret_file, 'utf8').replace(/[\r\n]+$/, '');
  const body = `${h}.${b64url(JSON.stringify(claims))}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

/** Connect the stock client; resolves the socket once connected, rejects on connect_error. */
export function connectClient(url, token, opts = {}) {
  const sock = io(url, { auth: { token }, reconnection: false, ...opts });
  // both listeners go once settled: a later failed reconnect attempt must not close the socket
  return new Promise((res, rej) => {
    const ok = () => { sock.off('connect_error', bad); res(sock); };
    const bad = (e) => { sock.off('connect', ok); sock.close(); rej(e); };
    sock.once('connect', ok);
    sock.once('connect_error', bad);
  });
}

/** The next `event` on a socket within ms (rejects after). */
export function next(sock, event, ms = 3000) {
  return new Promise((res, rej) => {
    const t = setTimeout(() => { sock.off(event, on); rej(new Error(`no ${event} in ${ms} ms`)); }, ms);
    function on(...args) { clearTimeout(t); sock.off(event, on); res(args); }
    sock.on(event, on);
  });
}

/** Resolves true when no `event` comes within ms. */
export function none(sock, event, ms = 500) {
  return new Promise((res) => {
    const on = () => { clearTimeout(t); sock.off(event, on); res(false); };
    const t = setTimeout(() => { sock.off(event, on); res(true); }, ms);
    sock.on(event, on);
  });
}

/** A raw WebSocket speaking Engine.IO: messages collected in order, next() awaits one. */
export function rawWs(url, { headers = {}, query = '' } = {}) {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket${query}`,
    { headers });
  const inbox = [];
  const waiters = [];
  ws.on('message', (data) => {
    const text = data.toString();
    if (waiters.length) waiters.shift()(text); else inbox.push(text);
  });
  ws.next = (ms = 3000) => (inbox.length ? Promise.resolve(inbox.shift())
    : new Promise((res, rej) => {
      const t = setTimeout(() => rej(new Error(`no frame in ${ms} ms`)), ms);
      waiters.push((m) => { clearTimeout(t); res(m); });
    }));
  ws.opened = new Promise((res, rej) => { ws.once('open', res); ws.once('error', rej); });
  ws.closed = new Promise((res) => ws.once('close', (code) => res(code)));
  return ws;
}

export { sleep } from './harness.mjs';
