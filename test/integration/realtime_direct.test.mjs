// Direct mode: the daemon serves its own TLS port (for deployments past Apache's one thread
// per WebSocket), with the same token auth and an explicit Origin list; the SPA learns the
// URL from SkillBarterRealtimeURL through GET /api/health.
import { test as nodeTest, before, after } from 'node:test';
import assert from 'node:assert/strict';

const test = (name, fn) => nodeTest(name, { timeout: 30000 }, fn);
import { spawnSync } from 'node:child_process';
import https from 'node:https';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useServer, register } from './harness.mjs';
import { connectClient, next } from './rt_support.mjs';

const tls = mkdtempSync(join(tmpdir(), 'sb-it-tls-'));
const cert = join(tls, 'rt.crt');
const key = join(tls, 'rt.key');
before(() => {
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1',
    '-subj', '/CN=127.0.0.1', '-keyout', key, '-out', cert], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});
after(() => rmSync(tls, { recursive: true, force: true }));

const APP = 'https://app.example.test';
const server = useServer({
  realtime: true,
  realtimeArgs: ['--tls-cert', cert, '--tls-key', key, '--origin', APP],
  extra: 'SkillBarterRealtimeURL https://rt.example.test:3443/\n',
});
const url = () => `https://127.0.0.1:${server().realtime.port}`;
const tlsOpts = { rejectUnauthorized: false };

test('GET /api/health tells the SPA where the real-time daemon is', async () => {
  const r = await server().api('GET', '/api/health');
  assert.equal(r.status, 200);
  assert.deepEqual(r.json.data.realtime, { url: 'https://rt.example.test:3443', path: '/socket.io/' });
});

test('the stock client connects over TLS, both transports, with the same token check', async () => {
  const a = await register(server()); const b = await register(server());
  for (const transports of [['polling', 'websocket'], ['websocket']]) {
    const sb = await connectClient(url(), b.token, { transports, ...tlsOpts, extraHeaders: { origin: APP } });
    const sa = await connectClient(url(), a.token, { transports, ...tlsOpts });
    try {
      const got = next(sb, 'message:received');
      const ack = await sa.timeout(3000).emitWithAck('message:send', { receiver: b.user._id, content: 'tls' });
      assert.equal(ack.success, true);
      assert.equal((await got)[0].content, 'tls');
    } finally {
      sa.close(); sb.close();
    }
  }
  await assert.rejects(connectClient(url(), 'bad', { transports: ['websocket'], ...tlsOpts }),
    { message: 'Invalid token.' });
});

test('direct mode refuses origins not on its --origin list', async () => {
  const status = (origin) => new Promise((res, rej) => {
    https.get(`${url()}/socket.io/?EIO=4&transport=polling`, { headers: { origin }, ...tlsOpts },
      (r) => { r.resume(); res(r.statusCode); }).on('error', rej);
  });
  assert.equal(await status('https://evil.example'), 403);
  assert.equal(await status(APP), 200);
  const a = await register(server());
  await assert.rejects(connectClient(url(), a.token,
    { transports: ['polling'], ...tlsOpts, extraHeaders: { origin: 'https://evil.example' } }));
  await assert.rejects(connectClient(url(), a.token,
    { transports: ['websocket'], ...tlsOpts, extraHeaders: { origin: 'https://evil.example' } }));
  const ok = await connectClient(url(), a.token, { transports: ['websocket'], ...tlsOpts, extraHeaders: { origin: APP } });
  ok.close();
});
