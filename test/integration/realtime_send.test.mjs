// message:send over the socket goes through what POST /api/messages/send does: the same
// validation and answers, the same store operation and block rules, and the same `messages`
// limiter entry (the spec's 10 a minute, shared across REST and sockets).
import { test as nodeTest, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// every test bounded: a lost event fails its test instead of hanging the run
const test = (name, fn) => nodeTest(name, { timeout: 30000 }, fn);
import { useServer, register } from './harness.mjs';
import { connectClient, next } from './rt_support.mjs';

// --stats: the stage histograms of message:send, written on SIGUSR1
const statsDir = mkdtempSync('/tmp/sb-rtstats-');
const statsFile = join(statsDir, 'stages.json');
after(() => rmSync(statsDir, { recursive: true, force: true }));
const server = useServer({ realtime: true, realtimeArgs: ['--stats', statsFile],
  extra: 'SkillBarterRateLimit messages 10 1m user\n' });
// through Apache (ProxyPass /socket.io/ to the daemon)
const rt = () => server().base;
const rest = (from, body) => server().api('POST', '/api/messages/send', { token: from.token, body });

test('A sends by socket, B receives message:received, the ack is the REST envelope', async () => {
  const a = await register(server()); const b = await register(server());
  const sa = await connectClient(rt(), a.token);
  const sb = await connectClient(rt(), b.token, { transports: ['websocket'] });
  try {
    const got = next(sb, 'message:received');
    const ack = await sa.timeout(3000).emitWithAck('message:send',
      { receiver: b.user._id, content: '  hi over the socket ' });
    assert.equal(ack.success, true);
    assert.equal(ack.message, 'Message sent');
    assert.equal(ack.data.content, 'hi over the socket');
    assert.equal(ack.data.sender._id, a.user._id);
    assert.equal(ack.data.receiver._id, b.user._id);
    assert.equal(ack.data.email, undefined);
    const [m] = await got;
    assert.equal(m._id, ack.data._id);
    assert.equal(m.content, 'hi over the socket');
    // stored like a REST message
    const conv = await server().api('GET', `/api/messages/${a.user._id}`, { token: b.token });
    assert.equal(conv.status, 200, conv.text);
    assert.ok(JSON.stringify(conv.json.data).includes(ack.data._id));
  } finally {
    sa.close(); sb.close();
  }
});

test('refusals match REST: validation, unknown keys, a blocked sender', async () => {
  const a = await register(server()); const b = await register(server());
  const sa = await connectClient(rt(), a.token);
  try {
    const bodies = [
      { receiver: 'nope', content: '' },
      { receiver: a.user._id, content: 'me' },
      { receiver: b.user._id, content: 'x', color: 'red' },
      { receiver: '0123456789abcdef01234567', content: 'ghost' },
      { receiver: b.user._id, content: 'x'.repeat(1001) },
    ];
    for (const body of bodies) {
      const r = await rest(a, body);
      const ack = await sa.timeout(3000).emitWithAck('message:send', body);
      assert.equal(ack.success, false);
      assert.equal(ack.message, r.json.message, JSON.stringify(body));
      assert.deepEqual(ack.errors, r.json.errors, JSON.stringify(body));
    }
    // (each attempt counts against the limiter, REST's as well: another sender from here)
    const c = await register(server());
    const sc = await connectClient(rt(), c.token);
    try {
      const bl = await server().api('POST', `/api/users/${c.user._id}/block`, { token: b.token });
      assert.ok(bl.status < 300, bl.text);
      const r = await rest(c, { receiver: b.user._id, content: 'blocked?' });
      assert.equal(r.status, 403);
      const ack = await sc.timeout(3000).emitWithAck('message:send', { receiver: b.user._id, content: 'blocked?' });
      assert.deepEqual(ack, { success: false, message: r.json.message, errors: r.json.errors });
      // not an object
      assert.deepEqual(await sc.timeout(3000).emitWithAck('message:send', 'hello'),
        { success: false, message: 'Request body must be a JSON object.' });
      // without an ack, a refusal is an error event
      const err = next(sc, 'error');
      sc.emit('message:send', { receiver: 'nope', content: 'x' });
      assert.equal((await err)[0].message, 'Validation error');
    } finally {
      sc.close();
    }
  } finally {
    sa.close();
  }
});

test('the 11th message in a minute is refused by the limiter REST shares', async () => {
  const a = await register(server()); const b = await register(server());
  const sa = await connectClient(rt(), a.token);
  const sb = await connectClient(rt(), b.token);
  try {
    for (let i = 0; i < 5; i++) {
      assert.equal((await rest(a, { receiver: b.user._id, content: `rest ${i}` })).status, 201);
    }
    for (let i = 0; i < 5; i++) {
      const ack = await sa.timeout(3000).emitWithAck('message:send', { receiver: b.user._id, content: `sock ${i}` });
      assert.equal(ack.success, true, JSON.stringify(ack));
    }
    const ack = await sa.timeout(3000).emitWithAck('message:send', { receiver: b.user._id, content: 'eleventh' });
    assert.equal(ack.success, false);
    assert.equal(ack.message, 'Message rate limit exceeded. Please try again later.');
    // a sliding window: the wait for one more message may pass the window (never two)
    assert.ok(ack.retryAfter > 0 && ack.retryAfter <= 120, JSON.stringify(ack));
    const conv = await server().api('GET', `/api/messages/${a.user._id}`, { token: b.token });
    assert.ok(!JSON.stringify(conv.json.data).includes('eleventh'));
    const r = await rest(a, { receiver: b.user._id, content: 'twelfth' });
    assert.equal(r.status, 429);
    // B's own limit is untouched
    const own = await sb.timeout(3000).emitWithAck('message:send', { receiver: a.user._id, content: 'reply' });
    assert.equal(own.success, true);
  } finally {
    sa.close(); sb.close();
  }
});

test('sends from several sockets at once (on the send lanes) are each stored and pushed in order', async () => {
  const b = await register(server());
  const senders = [];
  for (let i = 0; i < 4; i++) senders.push(await register(server()));
  const sb = await connectClient(rt(), b.token, { transports: ['websocket'] });
  const socks = await Promise.all(senders.map((s) => connectClient(rt(), s.token, { transports: ['websocket'] })));
  try {
    const got = []; const offsets = [];
    const all = new Promise((res) => sb.on('message:received', (m, off) => {
      got.push(m); offsets.push(Number(off)); if (got.length === 32) res();
    }));
    // every socket emits its 8 without waiting for an ack: they come together
    const acks = socks.flatMap((s, i) => Array.from({ length: 8 }, (_, k) =>
      s.timeout(5000).emitWithAck('message:send', { receiver: b.user._id, content: `s${i} m${k}` })));
    for (const ack of await Promise.all(acks)) assert.equal(ack.success, true, JSON.stringify(ack));
    await all;
    for (let i = 0; i < 4; i++) {
      const mine = got.filter((m) => m.sender._id === senders[i].user._id).map((m) => m.content);
      assert.deepEqual(mine, Array.from({ length: 8 }, (_, k) => `s${i} m${k}`));
    }
    // one push per event, in the receiver's outbox order
    assert.deepEqual(offsets, [...offsets].sort((x, y) => x - y));
    assert.equal(new Set(offsets).size, 32);
    // stored in each sender's order too
    const conv = await server().api('GET', `/api/messages/${senders[0].user._id}`, { token: b.token });
    assert.equal(conv.status, 200, conv.text);
    const stored = conv.json.data.map((m) => m.content);   // oldest first
    assert.deepEqual(stored, Array.from({ length: 8 }, (_, k) => `s0 m${k}`));
  } finally {
    sb.close(); socks.forEach((s) => s.close());
  }
});

// The stage statistics since the last dump: SIGUSR1, then the file the daemon writes.
async function dumpStats() {
  rmSync(statsFile, { force: true });
  process.kill(server().realtime.child.pid, 'SIGUSR1');
  for (let i = 0; i < 100 && !existsSync(statsFile); i++) await new Promise((r) => setTimeout(r, 20));
  return JSON.parse(readFileSync(statsFile, 'utf8'));
}

test('--stats: SIGUSR1 writes each stage of the message:sends since the last dump', async () => {
  const a = await register(server()); const b = await register(server());
  const sa = await connectClient(rt(), a.token, { transports: ['websocket'] });
  const sb = await connectClient(rt(), b.token, { transports: ['websocket'] });
  try {
    await dumpStats(); // what the other tests sent
    for (const content of ['one', 'two']) {
      const got = next(sb, 'message:received');
      const ack = await sa.timeout(3000).emitWithAck('message:send', { receiver: b.user._id, content });
      assert.equal(ack.success, true);
      await got;
    }
    const st = await dumpStats();
    assert.deepEqual(Object.keys(st), ['queue', 'store', 'tail', 'wake', 'write', 'total']);
    for (const k of ['queue', 'store', 'tail', 'total']) assert.equal(st[k].n, 2, k);
    for (const k of ['wake', 'write']) assert.ok(st[k].n >= 2, k); // per hand-over
    for (const [k, v] of Object.entries(st)) {
      assert.ok(v.p50 <= v.p90 && v.p90 <= v.p99 && v.p99 <= v.max, `${k}: ${JSON.stringify(v)}`);
    }
    // the whole is no less than its store part, and a store send takes some time
    assert.ok(st.store.max > 0 && st.total.max >= st.store.max, JSON.stringify(st));
    const again = await dumpStats();
    for (const [k, v] of Object.entries(again)) assert.equal(v.n, 0, k);
  } finally {
    sa.close(); sb.close();
  }
});
