// The daemon prunes the outbox by retention (SkillBarterOutboxRetention, here 3 s): every
// --prune-interval, under the store's job lease "outbox-prune", so of several daemons on one
// store exactly one prunes; the holder gives the lease back when it stops and another takes
// the pruning over.
import { test as nodeTest } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const test = (name, fn) => nodeTest(name, { timeout: 60000 }, fn);
import { useServer, register, freePort } from './harness.mjs';
import { startRealtime } from './realtime_daemon.mjs';
import { sleep } from './rt_support.mjs';

const TOP = join(new URL('.', import.meta.url).pathname, '..', '..');
const PRUNE = ['--prune-interval', '200'];
const server = useServer({
  realtime: true,
  realtimeArgs: PRUNE,
  extra: 'SkillBarterOutboxRetention 3\n',
});

const send = (from, to, content) => server().api('POST', '/api/messages/send',
  { token: from.token, body: { receiver: to.user._id, content } });
// The recipient's stored events (sbctl outbox-read prints one JSON line each).
function stored(user) {
  const r = server().sbctl('outbox-read', user.user._id);
  assert.equal(r.status, 0, r.out);
  return r.out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
}
const contents = (user) => stored(user).map((e) => (e.data && e.data.content) || JSON.stringify(e.data));
// Wait until cond() holds (checked every 100 ms), at most ms.
async function until(cond, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await sleep(100);
  }
  return cond();
}
const pruneLines = (log) => log.split('\n').filter((l) => /outbox prune: removed [1-9]/.test(l));

test('events older than the retention are pruned, younger ones kept', async () => {
  const a = await register(server()); const b = await register(server());
  const tOld = Date.now();
  assert.equal((await send(a, b, 'old one')).status, 201);
  await sleep(1500);
  const tYoung = Date.now();
  assert.equal((await send(a, b, 'young one')).status, 201);
  assert.ok(contents(b).some((c) => c.includes('old one')), 'the first event is stored');
  assert.ok(await until(() => !contents(b).some((c) => c.includes('old one')), 10000),
    'the old event was never pruned');
  const now = Date.now();
  // pruned once its 3 s had passed, not before; the young one (under 3 s old) is kept
  assert.ok(now - tOld >= 2900, `pruned after ${now - tOld} ms`);
  if (now - tYoung < 2500) {
    assert.ok(contents(b).some((c) => c.includes('young one')), 'the young event went too');
  }
  assert.ok(pruneLines(server().realtime.log()).length >= 1, server().realtime.log());
});

test('of two daemons on one store one prunes; when it stops the other takes over', async () => {
  const first = server().realtime;
  const log2 = join(server().root, 'logs', 'realtime-second.log');
  const second = await startRealtime(TOP, server().root, await freePort(),
    [...PRUNE, '--log', log2]);
  const secondLog = () => (existsSync(log2) ? readFileSync(log2, 'utf8') : '');
  try {
    const a = await register(server()); const b = await register(server());
    const before1 = pruneLines(first.log()).length;
    const before2 = pruneLines(secondLog()).length;
    assert.equal((await send(a, b, 'pruned by the holder')).status, 201);
    assert.ok(await until(() => !contents(b).length, 10000), 'not pruned');
    await sleep(500);
    assert.ok(pruneLines(first.log()).length > before1, 'the lease holder pruned');
    assert.equal(pruneLines(secondLog()).length, before2, 'the second daemon pruned as well');
    // the holder stops and gives the lease back: the second daemon prunes from now on
    await first.stop();
    assert.equal((await send(a, b, 'pruned by the other')).status, 201);
    assert.ok(await until(() => !contents(b).length, 10000), 'not pruned after the stop');
    assert.ok(pruneLines(secondLog()).length > before2, 'the second daemon did not take over');
    assert.deepEqual(secondLog().split('\n').filter((l) => /\[(warn|error)\]/.test(l)), []);
  } finally {
    await second.stop();
    await first.start();
  }
});
