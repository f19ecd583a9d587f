// /api/notifications: a new message creates one (not repeated while one about the same
// sender is unread), pages newest first on a cursor, read marks, read-all, and opening the
// conversation (read-all of messages) clears the ones about that partner.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { useServer, register } from './harness.mjs';

const server = useServer();
const api = (...a) => server().api(...a);
const fields = (r) => (r.json.errors || []).map((e) => e.field);
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const send = (from, to, content) =>
  api('POST', '/api/messages/send', { token: from.token, body: { receiver: to.user._id, content } });
const list = (who, q = '') => api('GET', `/api/notifications${q}`, { token: who.token });

function sql(query) {
  const db = server().storeUri.slice('sqlite:'.length);
  const r = spawnSync('sqlite3', ['-json', '-cmd', '.timeout 5000', db, query], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim() ? JSON.parse(r.stdout) : [];
}

test('a new message notifies its receiver once while that notification is unread', async () => {
  const me = await register(server()); const ann = await register(server(), { firstName: 'Ann', lastName: 'Lee' });
  const m = (await send(ann, me, 'Are you free on Tuesday for a guitar lesson? ' + 'x'.repeat(100))).json.data;
  const r = await list(me);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.unreadCount, 1);
  assert.equal(r.json.data.length, 1);
  const n = r.json.data[0];
  assert.match(n._id, /^[0-9a-f]{24}$/);
  assert.equal(n.type, 'message');
  assert.equal(n.title, 'New message from Ann Lee');
  assert.equal(n.body, `${m.content.slice(0, 100)}…`, 'the first 100 characters');
  assert.equal(n.link, `/messages/${ann.user._id}`);
  assert.deepEqual(n.data, { messageId: m._id, senderId: ann.user._id });
  assert.equal(n.isRead, false);
  assert.equal(n.readAt, null);
  assert.match(n.createdAt, ISO);
  assert.deepEqual(r.json.pagination, { hasMore: false, nextCursor: null, limit: 20, count: 1 });
  // more from the same sender: still one; someone else: a second one
  await send(ann, me, 'hello?');
  assert.equal((await list(me)).json.data.length, 1);
  const bob = await register(server());
  await send(bob, me, 'hi from bob');
  const two = await list(me);
  assert.equal(two.json.unreadCount, 2);
  assert.equal(two.json.data[0].link, `/messages/${bob.user._id}`, 'newest first');
  // the sender got none
  assert.equal((await list(ann)).json.data.length, 0);
});

test('read marks: own only, idempotent; read-all; opening a conversation clears its own', async () => {
  const me = await register(server()); const a = await register(server());
  const b = await register(server()); const c = await register(server());
  await send(a, me, 'from a');
  await send(b, me, 'from b');
  await send(c, me, 'from c');
  await send(me, a, 'mine to a');
  const ns = (await list(me)).json.data;
  const [nc, nb] = ns;
  const theirs = (await list(a)).json.data[0];
  const before = sql('SELECT count(*) AS n FROM notifications WHERE is_read = 1')[0].n;
  for (const [path, status, field] of [
    [`/api/notifications/${theirs._id}/read`, 404, null],
    ['/api/notifications/ffffffffffffffffffffffff/read', 404, null],
    ['/api/notifications/bad-id/read', 400, 'id'],
  ]) {
    const r = await api('PUT', path, { token: me.token });
    assert.equal(r.status, status, path);
    if (field) assert.deepEqual(fields(r), [field]);
  }
  assert.equal(sql('SELECT count(*) AS n FROM notifications WHERE is_read = 1')[0].n, before);
  const r = await api('PUT', `/api/notifications/${nc._id}/read`, { token: me.token });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.data._id, nc._id);
  assert.equal(r.json.data.isRead, true);
  assert.match(r.json.data.readAt, ISO);
  const again = await api('PUT', `/api/notifications/${nc._id}/read`, { token: me.token });
  assert.equal(again.json.data.readAt, r.json.data.readAt);
  assert.equal((await list(me)).json.unreadCount, 2);
  // the chat window opens on b: b's notification is read with the messages
  await api('PUT', `/api/messages/${b.user._id}/read-all`, { token: me.token });
  const after = await list(me);
  assert.equal(after.json.unreadCount, 1);
  assert.equal(after.json.data.find((n) => n._id === nb._id).isRead, true);
  const all = await api('PUT', '/api/notifications/read-all', { token: me.token });
  assert.equal(all.status, 200, all.text);
  assert.equal(all.json.data.modifiedCount, 1);
  assert.equal((await list(me)).json.unreadCount, 0);
  assert.equal((await api('PUT', '/api/notifications/read-all', { token: me.token })).json.data.modifiedCount, 0);
  // a's own notification is untouched
  assert.equal((await list(a)).json.unreadCount, 1);
  assert.equal((await api('GET', '/api/notifications')).status, 401);
});

test('notifications page newest first on a cursor, every one exactly once', async () => {
  const me = await register(server());
  const senders = [];
  for (let i = 0; i < 23; i++) senders.push(await register(server()));
  for (const s of senders) await send(s, me, 'hello');
  // many equal createdAt values: the cursor must cut through ties
  sql(`UPDATE notifications SET created_at = 1700000000000 + (abs(random()) % 3) * 1000 WHERE user_id = '${me.user._id}'`);
  const expected = sql(`SELECT id, created_at FROM notifications WHERE user_id = '${me.user._id}'`)
    .sort((x, y) => (y.created_at - x.created_at) || (x.id < y.id ? 1 : -1)).map((n) => n.id);
  const seen = [];
  let cursor = null;
  for (let n = 0; n < 20; n++) {
    const r = await list(me, `?limit=5${cursor ? `&cursor=${cursor}` : ''}`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.unreadCount, 23);
    seen.push(...r.json.data.map((x) => x._id));
    if (!r.json.pagination.hasMore) break;
    cursor = r.json.pagination.nextCursor;
  }
  assert.deepEqual(seen, expected);
  for (const q of ['?limit=0', '?limit=51', '?limit=x', '?cursor=nope']) {
    const r = await list(me, q);
    assert.equal(r.status, 400, q);
    assert.deepEqual(fields(r), [q.slice(1).split('=')[0]]);
  }
});
