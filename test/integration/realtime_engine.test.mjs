// skillbarter-realtime's Engine.IO / Socket.IO server, addressed directly (the daemon's own
// port): handshake, transports and upgrade, auth on CONNECT, acks, bad frames, heartbeats,
// maxPayload, the Origin check and the bounded queue.
import { test as nodeTest } from 'node:test';
import assert from 'node:assert/strict';

// every test bounded: a lost event fails its test instead of hanging the run
const test = (name, fn) => nodeTest(name, { timeout: 30000 }, fn);
import { spawnSync } from 'node:child_process';
import { useServer, register, TOP } from './harness.mjs';
import { connectClient, next, rawWs, resign, sleep } from './rt_support.mjs';
import { realtimeBinary } from './realtime_daemon.mjs';

const server = useServer({
  realtime: true,
  realtimeArgs: ['--ping-interval', '400', '--ping-timeout', '300', '--queue-max', '16',
    '--max-payload', '4096', '--connect-timeout', '1500'],
});
const rt = () => server().realtime.url;

test('polling handshake answers the open packet with sid, upgrades and timings', async () => {
  const r = await fetch(`${rt()}/socket.io/?EIO=4&transport=polling`);
  assert.equal(r.status, 200);
  const text = await r.text();
  assert.equal(text[0], '0');
  const open = JSON.parse(text.slice(1));
  assert.match(open.sid, /^[A-Za-z0-9_-]{20}$/);
  assert.deepEqual(open.upgrades, ['websocket']);
  assert.equal(open.pingInterval, 400);
  assert.equal(open.pingTimeout, 300);
  assert.equal(open.maxPayload, 4096);
});

test('wrong EIO version, unknown transport and unknown sid are 400s with Engine.IO codes', async () => {
  let r = await fetch(`${rt()}/socket.io/?EIO=3&transport=polling`);
  assert.equal(r.status, 400);
  assert.equal((await r.json()).code, 5);
  r = await fetch(`${rt()}/socket.io/?EIO=4&transport=carrier-pigeon`);
  assert.equal(r.status, 400);
  assert.equal((await r.json()).code, 0);
  r = await fetch(`${rt()}/socket.io/?EIO=4&transport=polling&sid=nope`);
  assert.equal(r.status, 400);
  assert.equal((await r.json()).code, 1);
  r = await fetch(`${rt()}/elsewhere`);
  assert.equal(r.status, 404);
});

test('the stock client connects with default transports and upgrades to websocket', async () => {
  const a = await register(server());
  const sock = await connectClient(rt(), a.token);
  try {
    assert.match(sock.id, /^[A-Za-z0-9_-]{20}$/);
    for (let i = 0; i < 40 && sock.io.engine.transport.name !== 'websocket'; i++) await sleep(50);
    assert.equal(sock.io.engine.transport.name, 'websocket');
    // still usable after the upgrade
    const ack = await sock.timeout(2000).emitWithAck('no:such:event', {});
    assert.deepEqual(ack, { success: false, message: 'Unknown event: no:such:event' });
  } finally {
    sock.close();
  }
});

test('through Apache: default transports upgrade, websocket-only works, bad tokens are refused', async () => {
  const s = server();
  const a = await register(s);
  const sock = await connectClient(s.base, a.token);
  try {
    for (let i = 0; i < 40 && sock.io.engine.transport.name !== 'websocket'; i++) await sleep(50);
    assert.equal(sock.io.engine.transport.name, 'websocket');
    assert.equal((await sock.timeout(2000).emitWithAck('x', 1)).success, false);
  } finally {
    sock.close();
  }
  const ws = await connectClient(s.base, a.token, { transports: ['websocket'] });
  assert.equal(ws.io.engine.transport.name, 'websocket');
  ws.close();
  await assert.rejects(connectClient(s.base, 'garbage'), { message: 'Invalid token.' });
  const expired = resign(s, a.token, { exp: Math.floor(Date.now() / 1000) - 10 });
  await assert.rejects(connectClient(s.base, expired, { transports: ['websocket'] }),
    { message: 'Token expired.' });
  // a browser on another site is refused through Apache too
  const r = await fetch(`${s.base}/socket.io/?EIO=4&transport=polling`,
    { headers: { origin: 'http://evil.example' } });
  assert.equal(r.status, 403);
});

test('the stock client connects websocket-only and over polling-only', async () => {
  const a = await register(server());
  for (const transports of [['websocket'], ['polling']]) {
    const sock = await connectClient(rt(), a.token, { transports });
    try {
      assert.equal(sock.io.engine.transport.name, transports[0]);
      const ack = await sock.timeout(2000).emitWithAck('x', 1);
      assert.equal(ack.success, false);
    } finally {
      sock.close();
    }
  }
});

test('heartbeats keep a live client connected past several ping intervals', async () => {
  const a = await register(server());
  for (const transports of [['websocket'], ['polling']]) {
    const sock = await connectClient(rt(), a.token, { transports });
    let gone = false;
    sock.on('disconnect', () => { gone = true; });
    await sleep(1500);
    assert.equal(gone, false, `${transports[0]} client was dropped`);
    assert.equal(sock.connected, true);
    sock.close();
  }
});

test('a client that never answers pings is closed after pingInterval + pingTimeout', async () => {
  const ws = rawWs(rt());
  await ws.opened;
  assert.equal((await ws.next())[0], '0');
  assert.equal(await ws.next(1000), '2');
  const t0 = Date.now();
  const code = await ws.closed;
  assert.ok(Date.now() - t0 < 1500, 'closed late');
  assert.ok(code > 0);
});

test('a session without a Socket.IO CONNECT is closed after the connect timeout', async () => {
  const ws = rawWs(rt());
  await ws.opened;
  ws.on('message', (m) => { if (m.toString() === '2') ws.send('3'); });
  const t0 = Date.now();
  await ws.closed;
  assert.ok(Date.now() - t0 >= 1000, 'closed too early');
});

test('bad, expired and revoked tokens get CONNECT_ERROR with the module\'s message', async () => {
  const s = server();
  const a = await register(s);
  await assert.rejects(connectClient(rt(), 'not-a-token'), { message: 'Invalid token.' });
  await assert.rejects(connectClient(rt(), undefined), { message: 'Access denied. No token provided.' });
  const expired = resign(s, a.token, { exp: Math.floor(Date.now() / 1000) - 10 });
  await assert.rejects(connectClient(rt(), expired), { message: 'Token expired.' });
  const forged = `${a.token.slice(0, -3)}AAA`;
  await assert.rejects(connectClient(rt(), forged), (e) => /token|signature/i.test(e.message));
  // logout ends the session: its access token no longer connects
  const r = await s.api('POST', '/api/auth/logout', { token: a.token,
    body: { refreshToken: a.refreshToken } });
  assert.ok(r.status < 300, r.text);
  await assert.rejects(connectClient(rt(), a.token),
    { message: 'Session has ended. Please log in again.' });
});

test('raw frames: CONNECT reply, ack ids, bad frames answered with error events', async () => {
  const a = await register(server());
  const ws = rawWs(rt());
  await ws.opened;
  ws.on('message', (m) => { if (m.toString() === '2') ws.send('3'); });
  assert.equal((await ws.next())[0], '0');
  ws.send(`40${JSON.stringify({ token: a.token })}`);
  const connected = await ws.next();
  assert.match(connected, /^40\{"sid":"[A-Za-z0-9_-]{20}"/);
  ws.send('427["nope"]');
  assert.equal(await ws.next(), '437[{"success":false,"message":"Unknown event: nope"}]');
  // the ack id is written back as sent: 0, and the longest (9 digits)
  ws.send('420["nope"]');
  assert.equal(await ws.next(), '430[{"success":false,"message":"Unknown event: nope"}]');
  ws.send('42999999999["nope"]');
  assert.equal(await ws.next(), '43999999999[{"success":false,"message":"Unknown event: nope"}]');
  // a message larger than the receive buffer (512 bytes) arrives in pieces: put together first
  ws.send(`426${JSON.stringify(['nope', { pad: 'x'.repeat(3000) }])}`);
  assert.equal(await ws.next(), '436[{"success":false,"message":"Unknown event: nope"}]');
  // a long name is cut at 64 bytes, never inside a UTF-8 character; quotes are escaped
  ws.send(`428${JSON.stringify([`a${'é'.repeat(40)}`])}`);
  assert.equal(await ws.next(),
    `438[{"success":false,"message":"Unknown event: a${'é'.repeat(31)}"}]`);
  ws.send('420["say \\"hi\\"\\n"]');
  assert.equal(JSON.parse((await ws.next()).slice(3))[0].message, 'Unknown event: say "hi"\n');
  const bad = ['42not json', '42{"a":1}', '42[]', '42[1]', '451-["b",{"_placeholder":true}]', '4x'];
  for (const frame of bad) {
    ws.send(frame);
    const reply = await ws.next();
    assert.match(reply, /^42\["error",\{"message":"[^"]+"\}\]$/, `answer to ${frame}: ${reply}`);
  }
  ws.send(Buffer.from([1, 2, 3]), { binary: true });
  assert.equal(await ws.next(), '42["error","Binary packets are not supported."]');
  // still serving
  ws.send('429["nope"]');
  assert.match(await ws.next(), /^439\[/);
  // DISCONNECT: the socket is gone, events are refused until a new CONNECT
  ws.send('41');
  ws.send('42["nope"]');
  assert.equal(await ws.next(), '42["error",{"message":"Not connected."}]');
  ws.close();
});

test('polling: packets joined by 0x1e both ways, one GET at a time', async () => {
  const a = await register(server());
  const base = `${rt()}/socket.io/?EIO=4&transport=polling`;
  const sid = JSON.parse((await (await fetch(base)).text()).slice(1)).sid;
  const url = `${base}&sid=${sid}`;
  let r = await fetch(url, { method: 'POST',
    body: `40${JSON.stringify({ token: a.token })}\x1e421["a"]\x1e422["b"]` });
  assert.equal(r.status, 200);
  assert.equal(await r.text(), 'ok');
  const body = await (await fetch(url)).text();
  const parts = body.split('\x1e');
  assert.match(parts[0], /^40\{"sid"/);
  assert.equal(parts[1], '431[{"success":false,"message":"Unknown event: a"}]');
  assert.equal(parts[2], '432[{"success":false,"message":"Unknown event: b"}]');
  // a second GET while one is held: 400, and the session is closed
  const held = fetch(url);
  await sleep(100);
  r = await fetch(url);
  assert.equal(r.status, 400);
  assert.equal(await (await held).text(), '1');
  r = await fetch(url);
  assert.equal(r.status, 400);
});

// A polling session connected as a new user: its sid and polling URL.
async function pollingSession() {
  const a = await register(server());
  const base = `${rt()}/socket.io/?EIO=4&transport=polling`;
  const sid = JSON.parse((await (await fetch(base)).text()).slice(1)).sid;
  const url = `${base}&sid=${sid}`;
  assert.equal(await (await fetch(url, { method: 'POST', body: `40${JSON.stringify({ token: a.token })}` })).text(), 'ok');
  assert.match(await (await fetch(url)).text(), /^40\{"sid"/);
  return { sid, url };
}

test('upgrade: a GET sent before the client read "3probe" is released at once, then "5" upgrades', async () => {
  const { sid, url } = await pollingSession();
  const held = fetch(url);
  await sleep(50);
  const ws = rawWs(rt(), { query: `&sid=${sid}` });
  try {
    await ws.opened;
    ws.send('2probe');
    assert.equal(await ws.next(), '3probe');
    assert.equal(await (await held).text(), '6');
    // the client polled again before it read "3probe": released with a noop, not held
    // until the next ping (which would also delay the "5" and every packet queued behind it)
    const t0 = Date.now();
    assert.equal(await (await fetch(url)).text(), '6');
    assert.ok(Date.now() - t0 < 300, `held ${Date.now() - t0} ms`);
    ws.send('5');
    ws.send('421["x"]');
    let m;
    do m = await ws.next(); while (m === '2');
    assert.equal(m, '431[{"success":false,"message":"Unknown event: x"}]');
  } finally {
    ws.close();
  }
});

test('maxPayload: a larger POST is 413, a larger WebSocket message closes with 1009', async () => {
  const base = `${rt()}/socket.io/?EIO=4&transport=polling`;
  const sid = JSON.parse((await (await fetch(base)).text()).slice(1)).sid;
  const r = await fetch(`${base}&sid=${sid}`, { method: 'POST', body: `42["x","${'a'.repeat(5000)}"]` });
  assert.equal(r.status, 413);
  const ws = rawWs(rt());
  await ws.opened;
  await ws.next();
  ws.send(`42["x","${'a'.repeat(5000)}"]`);
  assert.equal(await ws.closed, 1009);
});

test('Origin: a foreign one is refused on both transports, the site itself and none allowed', async () => {
  const base = `${rt()}/socket.io/?EIO=4&transport=polling`;
  let r = await fetch(base, { headers: { origin: 'http://evil.example' } });
  assert.equal(r.status, 403);
  const host = new URL(rt()).host;
  r = await fetch(base, { headers: { origin: `http://${host}` } });
  assert.equal(r.status, 200);
  r = await fetch(base, { headers: { origin: 'http://site.example', 'x-forwarded-host': 'site.example' } });
  assert.equal(r.status, 200);
  const ws = rawWs(rt(), { headers: { origin: 'http://evil.example' } });
  await assert.rejects(ws.opened);
  const ok = rawWs(rt(), { headers: { origin: `http://${host}` } });
  await ok.opened;
  ok.close();
});

test('a session whose queue overflows is closed instead of growing', async () => {
  const a = await register(server());
  const base = `${rt()}/socket.io/?EIO=4&transport=polling`;
  const sid = JSON.parse((await (await fetch(base)).text()).slice(1)).sid;
  const url = `${base}&sid=${sid}`;
  await fetch(url, { method: 'POST', body: `40${JSON.stringify({ token: a.token })}` });
  assert.match(await (await fetch(url)).text(), /^40\{"sid"/); // connected, as a client waits
  // 20 answers queued with nobody polling: the 17th does not fit in a queue of 16
  const frames = Array.from({ length: 20 }, (_, i) => `42${i}["q"]`).join('\x1e');
  await fetch(url, { method: 'POST', body: frames });
  const r = await fetch(url);
  assert.equal(r.status, 400);
  assert.equal((await r.json()).code, 1);
});

test('--io-collect takes 0 to 10000 microseconds and is documented in --help', () => {
  const run = (...args) => spawnSync(realtimeBinary(TOP), args, { encoding: 'utf8' });
  const help = run('--help');
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--io-collect US .*\(default 200; 0: never\)/s);
  for (const bad of ['10001', '-1', 'x']) {
    const r = run('--io-collect', bad);
    assert.equal(r.status, 2);
    assert.match(r.stderr, new RegExp(`bad value for --io-collect: ${bad}`));
  }
});
