// Ephemeral events only between conversation partners: user:online / user:offline (with a
// grace period, lastSeen stored), join/leave:conversation and typing:start / typing:stop.
import { test as nodeTest } from 'node:test';
import assert from 'node:assert/strict';

// every test bounded: a lost event fails its test instead of hanging the run
const test = (name, fn) => nodeTest(name, { timeout: 30000 }, fn);
import { spawnSync } from 'node:child_process';
import { useServer, register } from './harness.mjs';
import { connectClient, next, none, sleep, io } from './rt_support.mjs';

const server = useServer({ realtime: true, realtimeArgs: ['--presence-grace', '600'] });
// through Apache (ProxyPass /socket.io/ to the daemon)
const rt = () => server().base;
const converse = async (a, b) => {
  const r = await server().api('POST', '/api/messages/send',
    { token: a.token, body: { receiver: b.user._id, content: 'hi' } });
  assert.equal(r.status, 201, r.text);
};
function lastSeen(id) {
  const db = server().storeUri.slice('sqlite:'.length);
  const r = spawnSync('sqlite3', ['-cmd', '.timeout 5000', db,
    `SELECT last_seen FROM users WHERE id = '${id}'`], { encoding: 'utf8' });
  return Number(r.stdout.trim());
}

test('user:online reaches conversation partners only, and a new socket learns who is online', async () => {
  const a = await register(server()); const b = await register(server()); const c = await register(server());
  await converse(a, b);
  const sa = await connectClient(rt(), a.token);
  const sc = await connectClient(rt(), c.token);
  try {
    const seen = next(sa, 'user:online');
    const quiet = none(sc, 'user:online', 700);
    const sb = io(rt(), { auth: { token: b.token }, reconnection: false });
    const told = next(sb, 'user:online');
    const [on] = await seen;
    assert.deepEqual(on, { userId: b.user._id, username: b.user.username });
    assert.deepEqual((await told)[0], { userId: a.user._id, username: a.user.username });
    assert.equal(await quiet, true, 'a stranger was told');
    sb.close();
  } finally {
    sa.close(); sc.close();
  }
});

test('a reload within the grace period is not announced; leaving is, with lastSeen', async () => {
  const a = await register(server()); const b = await register(server());
  await converse(b, a);
  const sa = await connectClient(rt(), a.token);
  try {
    let sb = await connectClient(rt(), b.token);
    const flicker = none(sa, 'user:offline', 900);
    sb.close();
    await sleep(150);
    sb = await connectClient(rt(), b.token);
    assert.equal(await flicker, true, 'a reload was announced');
    const before = Date.now();
    const off = next(sa, 'user:offline', 3000);
    sb.close();
    const [o] = await off;
    assert.ok(Date.now() - before >= 500, 'announced before the grace period');
    assert.equal(o.userId, b.user._id);
    assert.ok(Math.abs(Date.parse(o.lastSeen) - before) < 2000);
    assert.ok(lastSeen(b.user._id) >= before - 50);
  } finally {
    sa.close();
  }
});

test('a partner who connects while the other reloads (within the grace period) learns they are online', async () => {
  const a = await register(server()); const b = await register(server());
  await converse(a, b);
  let sb = await connectClient(rt(), b.token);
  sb.close();
  await sleep(150);   // b has no socket now, but is online until the grace period ends
  const sa = io(rt(), { auth: { token: a.token }, reconnection: false });
  try {
    const told = next(sa, 'user:online');
    assert.deepEqual((await told)[0], { userId: b.user._id, username: b.user.username });
    sb = await connectClient(rt(), b.token);
    sb.close();
  } finally {
    sa.close();
  }
});

test('a further socket of a user already online (a second tab) learns who is online too', async () => {
  const a = await register(server()); const b = await register(server());
  await converse(a, b);
  const sb = await connectClient(rt(), b.token);
  const first = next(sb, 'user:online');
  const sa1 = await connectClient(rt(), a.token);
  await first;   // a's first socket was announced
  const sa2 = io(rt(), { auth: { token: a.token }, reconnection: false });
  try {
    const quiet = none(sb, 'user:online', 500);
    assert.deepEqual((await next(sa2, 'user:online'))[0], { userId: b.user._id, username: b.user.username });
    assert.equal(await quiet, true, 'a second tab was announced as coming online');
  } finally {
    sa1.close(); sa2.close(); sb.close();
  }
});

test('typing reaches the receiver who joined the conversation, never anyone else', async () => {
  const a = await register(server()); const b = await register(server()); const c = await register(server());
  await converse(a, b);
  const sa = await connectClient(rt(), a.token);
  const sb = await connectClient(rt(), b.token);
  const sc = await connectClient(rt(), c.token);
  try {
    // before B joins: nothing
    const early = none(sb, 'typing:start', 300);
    assert.deepEqual(await sa.timeout(2000).emitWithAck('typing:start', b.user._id), { success: true });
    assert.equal(await early, true);
    assert.deepEqual(await sb.timeout(2000).emitWithAck('join:conversation', a.user._id), { success: true });
    const t1 = next(sb, 'typing:start');
    const cQuiet = none(sc, 'typing:start', 400);
    sa.emit('typing:start', b.user._id);
    assert.deepEqual((await t1)[0], { userId: a.user._id, username: a.user.username });
    const t2 = next(sb, 'typing:stop');
    sa.emit('typing:stop', b.user._id);
    assert.deepEqual((await t2)[0], { userId: a.user._id });
    // C typing "to" B reaches nobody: B follows the conversation with A only
    const fromC = none(sb, 'typing:start', 400);
    sc.emit('typing:start', b.user._id);
    assert.equal(await fromC, true);
    assert.equal(await cQuiet, true);
    // after leave: nothing
    await sb.timeout(2000).emitWithAck('leave:conversation', a.user._id);
    const late = none(sb, 'typing:start', 300);
    sa.emit('typing:start', b.user._id);
    assert.equal(await late, true);
    // bad arguments and blocks are refused
    assert.deepEqual(await sa.timeout(2000).emitWithAck('typing:start', 'nope'),
      { success: false, message: 'userId must be a 24-character hex id' });
    const bl = await server().api('POST', `/api/users/${a.user._id}/block`, { token: b.token });
    assert.ok(bl.status < 300, bl.text);
    assert.deepEqual(await sa.timeout(2000).emitWithAck('typing:start', b.user._id),
      { success: false, message: 'User not found.' });
    assert.deepEqual(await sb.timeout(2000).emitWithAck('join:conversation', a.user._id),
      { success: false, message: 'User not found.' });
  } finally {
    sa.close(); sb.close(); sc.close();
  }
});

test('people who first talk while both are connected learn each other is online (socket and REST)', async () => {
  const a = await register(server()); const b = await register(server());
  const c = await register(server()); const d = await register(server());
  const sa = await connectClient(rt(), a.token); const sb = await connectClient(rt(), b.token);
  const sc = await connectClient(rt(), c.token); const sd = await connectClient(rt(), d.token);
  try {
    // by socket: A's first message to B makes them partners
    const bTold = next(sb, 'user:online'); const aTold = next(sa, 'user:online');
    const ack = await sa.timeout(3000).emitWithAck('message:send', { receiver: b.user._id, content: 'first' });
    assert.equal(ack.success, true, JSON.stringify(ack));
    assert.deepEqual((await bTold)[0], { userId: a.user._id, username: a.user.username });
    assert.deepEqual((await aTold)[0], { userId: b.user._id, username: b.user.username });
    // partners now: the next messages, either way, announce nothing again
    const quietA = none(sa, 'user:online', 600); const quietB = none(sb, 'user:online', 600);
    await sb.timeout(3000).emitWithAck('message:send', { receiver: a.user._id, content: 'second' });
    await sa.timeout(3000).emitWithAck('message:send', { receiver: b.user._id, content: 'third' });
    assert.equal(await quietA, true, 'announced again'); assert.equal(await quietB, true, 'announced again');
    // by REST: C's first message to D
    const dTold = next(sd, 'user:online'); const cTold = next(sc, 'user:online');
    await converse(c, d);
    assert.deepEqual((await dTold)[0], { userId: c.user._id, username: c.user.username });
    assert.deepEqual((await cTold)[0], { userId: d.user._id, username: d.user.username });
  } finally {
    sa.close(); sb.close(); sc.close(); sd.close();
  }
});
