// skillbarter-realtime pushes the outbox: REST changes reach every socket of the recipient
// (woken by the module's datagram), and connection state recovery replays what a socket
// missed — after a disconnect and after a daemon restart — in order, exactly once.
import { test as nodeTest } from 'node:test';
import assert from 'node:assert/strict';

// every test bounded: a lost event fails its test instead of hanging the run
const test = (name, fn) => nodeTest(name, { timeout: 30000 }, fn);
import { useServer, register, waitFor } from './harness.mjs';
import { connectClient, next, none, sleep, io } from './rt_support.mjs';

// A poll interval of a minute: a push within a second proves the datagram woke the tail.
// While the daemon is down, Apache may fail to reach it (the client retries): those lines.
// Not AH01102 (error reading the status line): a stopping daemon answers every held poll,
// so a proxied request never loses its daemon in the middle.
const server = useServer({
  realtime: true,
  // debug: the daemon logs each poll it holds, which the held-poll stop test waits for
  realtimeArgs: ['--outbox-poll', '60000', '--recovery-max', '8', '--log-level', 'debug'],
}, [/AH00957/, /AH01114/, /AH00959/, /AH10101/]);
// through Apache (ProxyPass /socket.io/ to the daemon)
const rt = () => server().base;
const send = (from, to, content) => server().api('POST', '/api/messages/send',
  { token: from.token, body: { receiver: to.user._id, content } });

// Collect the `event`s a socket receives, in order.
function collect(sock, event) {
  const got = [];
  sock.on(event, (...args) => got.push(args));
  return got;
}

test('a REST send reaches every socket of the receiver at once, with its offset', async () => {
  const a = await register(server()); const b = await register(server());
  const b1 = await connectClient(rt(), b.token, { transports: ['websocket'] });
  const b2 = await connectClient(rt(), b.token);
  try {
    const t0 = Date.now();
    const note = next(b1, 'notification:new');
    const [[m1, off1], [m2]] = await Promise.all([next(b1, 'message:received'),
      next(b2, 'message:received'), send(a, b, 'hello B')]);
    assert.ok(Date.now() - t0 < 1000, 'not woken by the datagram');
    assert.equal(m1.content, 'hello B');
    assert.equal(m1.sender._id ?? m1.sender, a.user._id);
    assert.deepEqual(m1, m2);
    assert.match(off1, /^\d+$/);
    const [n] = await note;
    assert.equal(n.type, 'message');
  } finally {
    b1.close(); b2.close();
  }
});

test('read receipts and deletions reach the other side', async () => {
  const a = await register(server()); const b = await register(server());
  const sa = await connectClient(rt(), a.token);
  try {
    const r = await send(a, b, 'read me');
    assert.equal(r.status, 201, r.text);
    const id = r.json.data._id;
    const read = next(sa, 'message:read');
    assert.ok((await server().api('PUT', `/api/messages/${id}/read`, { token: b.token })).status < 300);
    const [rd] = await read;
    assert.ok(JSON.stringify(rd).includes(id));
    const del = next(sa, 'message:deleted');
    assert.ok((await server().api('DELETE', `/api/messages/${id}`, { token: a.token })).status < 300);
    const [dd] = await del;
    assert.ok(JSON.stringify(dd).includes(id));
  } finally {
    sa.close();
  }
});

test('three messages sent while disconnected arrive once, in order, and socket.recovered', async () => {
  const a = await register(server()); const b = await register(server());
  const sb = await connectClient(rt(), b.token, { transports: ['websocket'] });
  try {
    assert.equal(sb.recovered, false);
    const got = collect(sb, 'message:received');
    await Promise.all([next(sb, 'message:received'), send(a, b, 'before')]);
    sb.disconnect();
    for (const c of ['one', 'two', 'three']) assert.equal((await send(a, b, c)).status, 201);
    const back = new Promise((res) => sb.once('connect', res));
    sb.connect();
    await back;
    assert.equal(sb.recovered, true);
    await sleep(300);
    assert.deepEqual(got.map(([m]) => m.content), ['before', 'one', 'two', 'three']);
    const offs = got.map((x) => Number(x[1]));
    assert.deepEqual([...offs].sort((x, y) => x - y), offs);
    // live again: the next one arrives once too
    await Promise.all([next(sb, 'message:received'), send(a, b, 'four')]);
    await sleep(200);
    assert.deepEqual(got.map(([m]) => m.content), ['before', 'one', 'two', 'three', 'four']);
  } finally {
    sb.close();
  }
});

test('more missed events than --recovery-max: a fresh connection, nothing replayed', async () => {
  const a = await register(server()); const b = await register(server());
  const sb = await connectClient(rt(), b.token, { transports: ['websocket'] });
  try {
    await Promise.all([next(sb, 'message:received'), send(a, b, 'first')]);
    sb.disconnect();
    // each send gives b at least one event: 9 sends, more than 8
    for (let i = 0; i < 9; i++) assert.equal((await send(a, b, `m${i}`)).status, 201);
    const got = collect(sb, 'message:received');
    const back = new Promise((res) => sb.once('connect', res));
    sb.connect();
    await back;
    assert.equal(sb.recovered, false);
    assert.ok(await none(sb, 'message:received', 300));
    assert.deepEqual(got, []);
  } finally {
    sb.close();
  }
});

test('a forged pid is not recovered', async () => {
  const b = await register(server());
  const s = io(rt(), { auth: { token: b.token, pid: `${b.user._id}.0.forged`, offset: '0' },
    transports: ['websocket'], reconnection: false });
  await new Promise((res, rej) => { s.once('connect', res); s.once('connect_error', rej); });
  assert.equal(s.recovered, false);
  s.close();
});

test('a daemon restart loses nothing: the client reconnects and recovers', async () => {
  const a = await register(server()); const b = await register(server());
  const sb = await connectClient(rt(), b.token,
    { transports: ['websocket'], reconnection: true, reconnectionDelay: 100, reconnectionDelayMax: 200 });
  try {
    const got = collect(sb, 'message:received');
    await Promise.all([next(sb, 'message:received'), send(a, b, 'before restart')]);
    const down = new Promise((res) => sb.once('disconnect', res));
    await server().realtime.stop();
    await down;
    for (const c of ['while down 1', 'while down 2']) assert.equal((await send(a, b, c)).status, 201);
    const back = new Promise((res) => sb.once('connect', res));
    await server().realtime.start();
    await back;
    assert.equal(sb.recovered, true);
    await sleep(300);
    assert.deepEqual(got.map(([m]) => m.content), ['before restart', 'while down 1', 'while down 2']);
  } finally {
    sb.close();
  }
});

test('a daemon stop answers the held polls: no proxy error, and the polling client recovers', async () => {
  const a = await register(server()); const b = await register(server());
  // polling only, through Apache: its GET is held by the daemon when it stops; it reconnects
  // by hand once the next daemon is up, so Apache never finds the port closed
  const sb = await connectClient(rt(), b.token, { transports: ['polling'] });
  try {
    const got = collect(sb, 'message:received');
    // how many of its polls the daemon had held when the last event arrived: the client asks
    // for its next poll only after it has handled the answer, so one more held line is that
    // poll, held by the daemon (a fixed sleep raced it on a loaded machine)
    const held = () => server().realtime.log().split('\n')
      .filter((l) => l.endsWith(`session ${sb.io.engine.id}: poll held`)).length;
    let seen = held();
    sb.onAny(() => { seen = held(); });
    await Promise.all([next(sb, 'message:received'), send(a, b, 'before stop')]);
    await waitFor(() => held() > seen, 5000, 'the daemon to hold the next poll');
    const down = new Promise((res) => sb.once('disconnect', res));
    await server().realtime.stop();
    // answered with the close packet, not cut: the client sees the server close the transport
    assert.equal(await down, 'transport close');
    assert.equal((await send(a, b, 'while down')).status, 201);
    await server().realtime.start();
    const back = new Promise((res) => sb.once('connect', res));
    sb.connect();
    await back;
    assert.equal(sb.recovered, true);
    await sleep(300);
    assert.deepEqual(got.map(([m]) => m.content), ['before stop', 'while down']);
    const cut = server().errorLog().split('\n').filter((l) => /AH01102/.test(l));
    assert.deepEqual(cut, [], 'Apache lost a polling request at the stop');
  } finally {
    sb.close(); // its close packet may still be on its way when the file's server stops
  }
});
