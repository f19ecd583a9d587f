// /api/messages: send, conversations, a conversation's cursor pages, read marks, delete; the
// outbox rows each change writes (read back through `sbctl outbox-read`), the wake-up
// datagram, and the `messages` limiter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { useServer, startServer, register, makeRoot, httpdCtl, TOP, waitFor } from './harness.mjs';

const server = useServer();
const api = (...a) => server().api(...a);
const fields = (r) => (r.json.errors || []).map((e) => e.field);
const HEX24 = /^[0-9a-f]{24}$/;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

function sql(query, s = server()) {
  const db = s.storeUri.slice('sqlite:'.length);
  const r = spawnSync('sqlite3', ['-json', '-cmd', '.timeout 5000', db, query], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim() ? JSON.parse(r.stdout) : [];
}
const counts = () => sql('SELECT (SELECT count(*) FROM messages) AS m, (SELECT count(*) FROM outbox) AS o,'
  + ' (SELECT count(*) FROM notifications) AS n, (SELECT coalesce(sum(unread), 0) FROM conversations) AS u')[0];

// The store-level reader: a user's outbox events after a seq, as sbctl prints them.
function outbox(userId, after = 0) {
  const r = server().sbctl('outbox-read', userId, String(after));
  assert.equal(r.status, 0, r.out);
  return r.out.trim() ? r.out.trim().split('\n').map((l) => JSON.parse(l)) : [];
}

const send = (from, to, content, more = {}) =>
  api('POST', '/api/messages/send', { token: from.token, body: { receiver: to.user._id, content, ...more } });

test('send answers 201 with the stored message in the spec shape', async () => {
  const a = await register(server()); const b = await register(server());
  const r = await send(a, b, '  Hello there \n ');
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.success, true);
  const m = r.json.data;
  assert.match(m._id, HEX24);
  assert.equal(m.sender._id, a.user._id);
  assert.equal(m.receiver._id, b.user._id);
  assert.equal(m.sender.username, a.user.username);
  assert.equal(m.receiver.email, undefined, 'public user objects carry no email');
  assert.equal(m.sender.credits, undefined);
  assert.equal(m.content, 'Hello there', 'trimmed');
  assert.equal(m.messageType, 'text');
  assert.equal(m.isRead, false);
  assert.equal(m.readAt, null);
  assert.equal(m.replyTo, null);
  assert.match(m.createdAt, ISO);
  const row = sql(`SELECT sender_id, receiver_id, content, message_type FROM messages WHERE id = '${m._id}'`)[0];
  assert.deepEqual(row, { sender_id: a.user._id, receiver_id: b.user._id, content: 'Hello there', message_type: 'text' });
  // characters, not bytes: 1000 two-byte characters fit; tabs and newlines inside are kept
  const long = await send(a, b, 'é'.repeat(1000));
  assert.equal(long.status, 201, long.text);
  assert.equal(long.json.data.content.length, 1000);
  const multi = await send(a, b, 'line one\n\tline two', { messageType: 'text', replyTo: m._id });
  assert.equal(multi.status, 201, multi.text);
  assert.equal(multi.json.data.content, 'line one\n\tline two');
  assert.equal(multi.json.data.replyTo, m._id);
});

test('every bad send is a 4xx naming the field and changes nothing', async () => {
  const a = await register(server()); const b = await register(server()); const c = await register(server());
  const banned = await register(server()); const inactive = await register(server());
  assert.equal(server().sbctl('set-status', banned.user._id, 'banned', 'spam').status, 0);
  assert.equal(server().sbctl('set-status', inactive.user._id, 'inactive').status, 0);
  const other = (await send(b, c, 'between b and c')).json.data._id;
  const mine = (await send(a, b, 'first')).json.data._id;
  const before = counts();
  const cases = [
    [{ content: 'x' }, 400, 'receiver'],
    [{ receiver: 'xyz', content: 'x' }, 400, 'receiver'],
    [{ receiver: 42, content: 'x' }, 400, 'receiver'],
    [{ receiver: a.user._id, content: 'x' }, 400, 'receiver'],
    [{ receiver: 'aaaaaaaaaaaaaaaaaaaaaaaa', content: 'x' }, 404, 'receiver'],
    [{ receiver: banned.user._id, content: 'x' }, 404, 'receiver'],
    [{ receiver: inactive.user._id, content: 'x' }, 404, 'receiver'],
    [{ receiver: b.user._id }, 400, 'content'],
    [{ receiver: b.user._id, content: ' \n\t ' }, 400, 'content'],
    [{ receiver: b.user._id, content: '' }, 400, 'content'],
    [{ receiver: b.user._id, content: 'x'.repeat(1001) }, 400, 'content'],
    [{ receiver: b.user._id, content: 'é'.repeat(1001) }, 400, 'content'],
    [{ receiver: b.user._id, content: 'nul\u0000byte' }, 400, 'content'],
    [{ receiver: b.user._id, content: 'bell\u0007' }, 400, 'content'],
    [{ receiver: b.user._id, content: 'cr\rlf' }, 400, 'content'],
    [{ receiver: b.user._id, content: 5 }, 400, 'content'],
    [{ receiver: b.user._id, content: 'x', messageType: 'session_request' }, 400, 'messageType'],
    [{ receiver: b.user._id, content: 'x', messageType: 'bogus' }, 400, 'messageType'],
    [{ receiver: b.user._id, content: 'x', messageType: 3 }, 400, 'messageType'],
    [{ receiver: b.user._id, content: 'x', replyTo: 'nope' }, 400, 'replyTo'],
    [{ receiver: b.user._id, content: 'x', replyTo: other }, 400, 'replyTo'],
    [{ receiver: b.user._id, content: 'x', replyTo: 'bbbbbbbbbbbbbbbbbbbbbbbb' }, 400, 'replyTo'],
    [{ receiver: c.user._id, content: 'x', replyTo: mine }, 400, 'replyTo'],
    [{ receiver: b.user._id, content: 'x', sender: b.user._id }, 400, 'sender'],
    [{ receiver: b.user._id, content: 'x', isRead: true }, 400, 'isRead'],
  ];
  for (const [body, status, field] of cases) {
    const r = await api('POST', '/api/messages/send', { token: a.token, body });
    assert.equal(r.status, status, `${JSON.stringify(body).slice(0, 80)}: ${r.text}`);
    assert.equal(r.json.success, false);
    assert.ok(fields(r).includes(field), `${JSON.stringify(body).slice(0, 80)} names ${field}: ${r.text}`);
  }
  const arr = await api('POST', '/api/messages/send', { token: a.token, body: [] });
  assert.equal(arr.status, 400);
  const text = await api('POST', '/api/messages/send', { token: a.token, raw: 'hi', headers: { 'content-type': 'text/plain' } });
  assert.equal(text.status, 415);
  const anon = await api('POST', '/api/messages/send', { body: { receiver: b.user._id, content: 'x' } });
  assert.equal(anon.status, 401);
  assert.deepEqual(counts(), before);
});

test('conversations: one row per partner, newest first, unread counts and paging', async () => {
  const me = await register(server());
  const partners = [];
  for (let i = 0; i < 3; i++) partners.push(await register(server()));
  await send(partners[0], me, 'p0 one');
  await send(partners[0], me, 'p0 two');
  await send(me, partners[1], 'to p1');
  await send(partners[2], me, 'p2 one');
  const r = await api('GET', '/api/messages/conversations', { token: me.token });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.data.map((c) => c.otherUser._id), [partners[2], partners[1], partners[0]].map((p) => p.user._id));
  const [c2, c1, c0] = r.json.data;
  assert.equal(c2._id, partners[2].user._id);
  assert.equal(c2.lastMessage.content, 'p2 one');
  assert.equal(c2.lastMessage.sender, partners[2].user._id);
  assert.equal(c2.lastMessage.receiver, me.user._id);
  assert.equal(c2.unreadCount, 1);
  assert.equal(c1.unreadCount, 0);
  assert.equal(c1.lastMessage.content, 'to p1');
  assert.equal(c0.unreadCount, 2);
  assert.equal(c0.otherUser.username, partners[0].user.username);
  assert.equal(c0.otherUser.email, undefined);
  assert.equal(r.json.unreadCount, 3, 'the header badge in the same call');
  assert.deepEqual(r.json.pagination, { currentPage: 1, totalPages: 1, totalCount: 3, hasMore: false, hasPrevious: false, limit: 20 });
  const p1 = await api('GET', '/api/messages/conversations?page=1&limit=2', { token: me.token });
  assert.deepEqual(p1.json.pagination, { currentPage: 1, totalPages: 2, totalCount: 3, hasMore: true, hasPrevious: false, limit: 2 });
  assert.equal(p1.json.data.length, 2);
  const p2 = await api('GET', '/api/messages/conversations?page=2&limit=2', { token: me.token });
  assert.deepEqual(p2.json.data.map((c) => c._id), [partners[0].user._id]);
  assert.equal(p2.json.pagination.hasMore, false);
  // a partner who gets banned leaves the list
  assert.equal(server().sbctl('set-status', partners[2].user._id, 'banned', 'spam').status, 0);
  const after = await api('GET', '/api/messages/conversations', { token: me.token });
  assert.deepEqual(after.json.data.map((c) => c._id), [partners[1], partners[0]].map((p) => p.user._id));
  assert.equal(after.json.unreadCount, 2);
  for (const q of ['page=0', 'page=x', 'limit=0', 'limit=51', 'limit=-1', 'page=10001']) {
    const bad = await api('GET', `/api/messages/conversations?${q}`, { token: me.token });
    assert.equal(bad.status, 400, q);
    assert.deepEqual(fields(bad), [q.split('=')[0]]);
  }
});

test('unread counts through send, read and read-all', async () => {
  const me = await register(server()); const them = await register(server());
  const ids = [];
  for (const t of ['one', 'two', 'three']) ids.push((await send(them, me, t)).json.data._id);
  const unread = async () => {
    const r = await api('GET', '/api/messages/conversations', { token: me.token });
    return [r.json.unreadCount, r.json.data[0].unreadCount];
  };
  assert.deepEqual(await unread(), [3, 3]);
  // the sender cannot mark it; a stranger cannot either (404: ids are not probeable)
  assert.equal((await api('PUT', `/api/messages/${ids[0]}/read`, { token: them.token })).status, 404);
  const r = await api('PUT', `/api/messages/${ids[0]}/read`, { token: me.token });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.data._id, ids[0]);
  assert.equal(r.json.data.isRead, true);
  assert.match(r.json.data.readAt, ISO);
  assert.equal(r.json.data.sender._id, them.user._id);
  assert.equal(r.json.data.receiver._id, me.user._id);
  assert.deepEqual(await unread(), [2, 2]);
  const again = await api('PUT', `/api/messages/${ids[0]}/read`, { token: me.token });
  assert.equal(again.status, 200);
  assert.equal(again.json.data.readAt, r.json.data.readAt, 'idempotent: the first read time stays');
  assert.deepEqual(await unread(), [2, 2]);
  const all = await api('PUT', `/api/messages/${them.user._id}/read-all`, { token: me.token });
  assert.equal(all.status, 200, all.text);
  assert.equal(all.json.data.modifiedCount, 2);
  assert.equal(all.json.data.userId, them.user._id);
  assert.deepEqual(await unread(), [0, 0]);
  assert.equal((await api('PUT', `/api/messages/${them.user._id}/read-all`, { token: me.token })).json.data.modifiedCount, 0);
  assert.deepEqual(sql(`SELECT count(*) AS n FROM messages WHERE receiver_id = '${me.user._id}' AND is_read = 1 AND read_at IS NOT NULL`), [{ n: 3 }]);
  // the sender's side never had unread messages
  const theirs = await api('GET', '/api/messages/conversations', { token: them.token });
  assert.equal(theirs.json.unreadCount, 0);
  // bad ids
  for (const [path, status, field] of [
    ['/api/messages/nothex/read', 400, 'id'],
    ['/api/messages/cccccccccccccccccccccccc/read', 404, null],
    ['/api/messages/nothex/read-all', 400, 'userId'],
    [`/api/messages/${me.user._id}/read-all`, 400, 'userId'],
    ['/api/messages/cccccccccccccccccccccccc/read-all', 404, null],
  ]) {
    const bad = await api('PUT', path, { token: me.token });
    assert.equal(bad.status, status, path);
    if (field) assert.deepEqual(fields(bad), [field]);
  }
});

test('a conversation of 250 messages with equal timestamps pages every message once, in order', async () => {
  const a = await register(server()); const b = await register(server());
  const seeded = server().sbctl('seed-chat', a.user._id, b.user._id, '250', '25');
  assert.equal(seeded.status, 0, seeded.out);
  // the expected order, computed from the raw rows: newest first by (created_at, id)
  const expected = sql(`SELECT id, created_at FROM messages WHERE (sender_id = '${a.user._id}' AND receiver_id = '${b.user._id}') OR (sender_id = '${b.user._id}' AND receiver_id = '${a.user._id}')`)
    .sort((x, y) => (y.created_at - x.created_at) || (x.id < y.id ? 1 : -1)).map((m) => m.id);
  assert.equal(expected.length, 250);
  assert.equal(new Set(sql(`SELECT created_at FROM messages WHERE sender_id IN ('${a.user._id}', '${b.user._id}')`).map((m) => m.created_at)).size, 10);
  for (const [viewer, partner] of [[a, b], [b, a]]) {
    const seen = [];
    let cursor = null;
    for (let n = 0; n < 100; n++) {
      const q = new URLSearchParams({ limit: '17', ...(cursor ? { cursor } : {}) });
      const r = await api('GET', `/api/messages/${partner.user._id}?${q}`, { token: viewer.token });
      assert.equal(r.status, 200, r.text);
      const { data, pagination: pg } = r.json;
      assert.equal(pg.count, data.length);
      assert.equal(pg.limit, 17);
      // each page is shown oldest first; pages go back in time
      const page = data.map((m) => m._id).reverse();
      seen.push(...page);
      for (const m of data) {
        const mine = m.sender._id === viewer.user._id;
        assert.equal((mine ? m.receiver : m.sender)._id, partner.user._id);
      }
      if (!pg.hasMore) { assert.equal(pg.nextCursor, null); break; }
      assert.equal(data.length, 17);
      cursor = pg.nextCursor;
    }
    assert.deepEqual(seen, expected);
  }
  // default and bounds
  const d = await api('GET', `/api/messages/${b.user._id}`, { token: a.token });
  assert.equal(d.json.data.length, 50);
  assert.equal(d.json.pagination.limit, 50);
  const full = await api('GET', `/api/messages/${b.user._id}?limit=100`, { token: a.token });
  assert.equal(full.json.data.length, 100);
  const c = await register(server());
  const tampered = d.json.pagination.nextCursor.slice(0, -2) + (d.json.pagination.nextCursor.endsWith('AA') ? 'BB' : 'AA');
  for (const [path, status, field] of [
    [`/api/messages/${b.user._id}?limit=0`, 400, 'limit'],
    [`/api/messages/${b.user._id}?limit=101`, 400, 'limit'],
    [`/api/messages/${b.user._id}?limit=ten`, 400, 'limit'],
    [`/api/messages/${b.user._id}?cursor=garbage`, 400, 'cursor'],
    [`/api/messages/${b.user._id}?cursor=${tampered}`, 400, 'cursor'],
    ['/api/messages/not-an-id', 400, 'userId'],
    [`/api/messages/${a.user._id}`, 400, 'userId'],
    ['/api/messages/dddddddddddddddddddddddd', 404, 'userId'],
  ]) {
    const r = await api('GET', path, { token: a.token });
    assert.equal(r.status, status, `${path}: ${r.text}`);
    assert.deepEqual(fields(r), [field], path);
  }
  // a third person sees nothing of it
  const none = await api('GET', `/api/messages/${b.user._id}`, { token: c.token });
  assert.deepEqual(none.json.data, []);
});

test('a deleted message vanishes from both sides; only its sender deletes it', async () => {
  const a = await register(server()); const b = await register(server());
  const first = (await send(a, b, 'keep me')).json.data._id;
  const gone = (await send(a, b, 'delete me')).json.data._id;
  const before = counts();
  assert.equal((await api('DELETE', `/api/messages/${gone}`, { token: b.token })).status, 404);
  assert.equal((await api('DELETE', '/api/messages/zz', { token: a.token })).status, 400);
  assert.equal((await api('DELETE', '/api/messages/eeeeeeeeeeeeeeeeeeeeeeee', { token: a.token })).status, 404);
  assert.deepEqual(counts(), before);
  const r = await api('DELETE', `/api/messages/${gone}`, { token: a.token });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.data._id, gone);
  assert.equal(r.json.data.isDeleted, true);
  assert.equal(r.json.data.deletedBy, a.user._id);
  assert.match(r.json.data.deletedAt, ISO);
  for (const [viewer, partner] of [[a, b], [b, a]]) {
    const page = await api('GET', `/api/messages/${partner.user._id}`, { token: viewer.token });
    assert.deepEqual(page.json.data.map((m) => m._id), [first]);
    const conv = await api('GET', '/api/messages/conversations', { token: viewer.token });
    assert.equal(conv.json.data[0].lastMessage._id, first);
  }
  // b had not read it: it no longer counts as unread
  const conv = await api('GET', '/api/messages/conversations', { token: b.token });
  assert.equal(conv.json.unreadCount, 1);
  assert.deepEqual(sql(`SELECT is_deleted, deleted_by FROM messages WHERE id = '${gone}'`), [{ is_deleted: 1, deleted_by: a.user._id }]);
  // gone for good: no second delete, no read mark, no reply
  assert.equal((await api('DELETE', `/api/messages/${gone}`, { token: a.token })).status, 404);
  assert.equal((await api('PUT', `/api/messages/${gone}/read`, { token: b.token })).status, 404);
  const reply = await send(b, a, 'what?', { replyTo: gone });
  assert.equal(reply.status, 400);
  assert.deepEqual(fields(reply), ['replyTo']);
  // both sides' clients are told
  for (const who of [a, b]) {
    const ev = outbox(who.user._id).filter((e) => e.type === 'message:deleted');
    assert.equal(ev.length, 1);
    assert.equal(ev[0].data.messageId, gone);
  }
});

test('outbox rows appear in order with the right recipients', async () => {
  const a = await register(server()); const b = await register(server());
  const m1 = (await send(a, b, 'first')).json.data;
  const m2 = (await send(a, b, 'second')).json.data;
  await api('PUT', `/api/messages/${m1._id}/read`, { token: b.token });
  await api('PUT', `/api/messages/${a.user._id}/read-all`, { token: b.token });
  await api('DELETE', `/api/messages/${m2._id}`, { token: a.token });
  const forB = outbox(b.user._id);
  assert.deepEqual(forB.map((e) => [e.seq, e.type]), [
    [1, 'message:received'], [2, 'notification:new'], [3, 'message:received'], [4, 'message:deleted']]);
  assert.ok(forB.every((e) => e.user === b.user._id));
  // the payload is the message as the API shows it, the people in their short form
  const short = (u) => ({ _id: u._id, username: u.username, firstName: u.firstName, lastName: u.lastName,
    fullName: u.fullName, profilePicture: u.profilePicture });
  assert.deepEqual(forB[0].data, { ...m1, sender: short(m1.sender), receiver: short(m1.receiver) });
  assert.equal(forB[1].data.type, 'message');
  assert.equal(forB[1].data.data.messageId, m1._id);
  assert.equal(forB[2].data._id, m2._id);
  const forA = outbox(a.user._id);
  assert.deepEqual(forA.map((e) => [e.seq, e.type]), [
    [1, 'message:received'], [2, 'message:received'], [3, 'message:read'], [4, 'message:read'],
    [5, 'message:deleted']]);
  assert.equal(forA[0].data._id, m1._id, "the sender's other devices get the message too");
  assert.equal(forA[2].data.messageId, m1._id);
  assert.equal(forA[2].data.readBy, b.user._id);
  assert.equal(forA[3].data.readBy, b.user._id);
  // the store-wide order agrees, and reading after a seq continues from there
  const all = [...forA, ...forB].sort((x, y) => x.pos - y.pos);
  assert.deepEqual(all.map((e) => e.user), [b, a, b, b, a, a, a, b, a].map((u) => u.user._id));
  assert.deepEqual(outbox(a.user._id, 3).map((e) => e.seq), [4, 5]);
  // nothing is written for changes that change nothing
  await api('PUT', `/api/messages/${m1._id}/read`, { token: b.token });
  await api('PUT', `/api/messages/${a.user._id}/read-all`, { token: b.token });
  assert.equal(outbox(a.user._id).length, 5);
});

test('after a commit the module sends one wake-up datagram to the outbox socket', async () => {
  const a = await register(server()); const b = await register(server());
  const sock = join(server().root, 'run', 'skillbarter-outbox.sock');
  const listener = spawn('python3', [join(TOP, 'test', 'integration', 'outbox_listen.py'), sock, '10']);
  const lines = [];
  let buf = '';
  listener.stdout.on('data', (d) => { buf += d; const parts = buf.split('\n'); buf = parts.pop(); lines.push(...parts); });
  const datagrams = (pred) => waitFor(pred, 5000, () => `a datagram; got ${JSON.stringify(lines)}`);
  try {
    await datagrams(() => lines.includes('ready'));
    const r = await send(a, b, 'wake up');
    assert.equal(r.status, 201);
    await datagrams(() => lines.filter((l) => l === 'datagram outbox').length === 1);
    await api('PUT', `/api/messages/${r.json.data._id}/read`, { token: b.token });
    await datagrams(() => lines.filter((l) => l === 'datagram outbox').length === 2);
    // a request that changes nothing sends nothing
    await api('GET', '/api/messages/conversations', { token: a.token });
    await new Promise((res) => setTimeout(res, 300));
    assert.equal(lines.filter((l) => l.startsWith('datagram')).length, 2);
  } finally {
    listener.kill('SIGINT');
  }
  // with nobody listening a send still succeeds at once
  const t0 = Date.now();
  assert.equal((await send(a, b, 'nobody hears')).status, 201);
  assert.ok(Date.now() - t0 < 2000);
});

test('the messages limiter answers 429 on the 11th send in a minute', async () => {
  const s = await startServer({ extra: 'SkillBarterRateLimit messages 10 1m user\n' });
  try {
    const a = await register(s); const b = await register(s); const c = await register(s);
    const go = (from, to) => s.api('POST', '/api/messages/send', { token: from.token, body: { receiver: to.user._id, content: 'hi' } });
    for (let i = 0; i < 10; i++) {
      const r = await go(a, b);
      assert.equal(r.status, 201, r.text);
      assert.equal(r.headers.get('ratelimit-limit'), '10');
    }
    const r = await go(a, b);
    assert.equal(r.status, 429, r.text);
    assert.equal(r.json.success, false);
    assert.ok(Number(r.headers.get('retry-after')) > 0);
    assert.deepEqual(sql(`SELECT count(*) AS n FROM messages WHERE sender_id = '${a.user._id}'`, s), [{ n: 10 }]);
    // per user: someone else still sends, and other routes are not limited by it
    assert.equal((await go(c, b)).status, 201);
    assert.equal((await s.api('GET', '/api/messages/conversations', { token: a.token })).status, 200);
  } finally {
    await s.stop();
    s.assertCleanLog();
    s.cleanup();
  }
});

// Listen at sock while fn runs; returns the datagrams received.
async function listening(sock, fn) {
  const listener = spawn('python3', [join(TOP, 'test', 'integration', 'outbox_listen.py'), sock, '10']);
  const lines = [];
  let buf = '';
  listener.stdout.on('data', (d) => { buf += d; const parts = buf.split('\n'); buf = parts.pop(); lines.push(...parts); });
  try {
    for (const end = Date.now() + 5000; !lines.includes('ready');) {
      assert.ok(Date.now() < end, 'listener did not start');
      await new Promise((res) => setTimeout(res, 20));
    }
    await fn();
    await new Promise((res) => setTimeout(res, 300));
  } finally {
    listener.kill('SIGINT');
  }
  return lines.filter((l) => l.startsWith('datagram'));
}

test('SkillBarterOutboxSocket names the socket (server-root relative)', async () => {
  const s = await startServer({ extra: 'SkillBarterOutboxSocket data/wake.sock\n' });
  try {
    const a = await register(s); const b = await register(s);
    const got = await listening(join(s.root, 'data', 'wake.sock'), async () => {
      const r = await s.api('POST', '/api/messages/send', { token: a.token, body: { receiver: b.user._id, content: 'hi' } });
      assert.equal(r.status, 201, r.text);
    });
    assert.deepEqual(got, ['datagram outbox']);
    // and nothing goes to the default path any more
    const none = await listening(join(s.root, 'run', 'skillbarter-outbox.sock'), async () => {
      await s.api('POST', '/api/messages/send', { token: a.token, body: { receiver: b.user._id, content: 'hi' } });
    });
    assert.deepEqual(none, []);
  } finally {
    await s.stop();
    s.assertCleanLog();
    s.cleanup();
  }
});

for (const [line, directive] of [
  ['SkillBarterOutboxRetention forever', 'SkillBarterOutboxRetention'],
  ['SkillBarterOutboxRetention 400d', 'SkillBarterOutboxRetention'],
  [`SkillBarterOutboxSocket /tmp/${'x'.repeat(120)}.sock`, 'SkillBarterOutboxSocket'],
]) {
  test(`configtest rejects "${line.slice(0, 50)}" naming ${directive}`, async () => {
    const { root } = await makeRoot({ extra: `${line}\n` });
    const r = httpdCtl(root, '-t');
    rmSync(root, { recursive: true, force: true });
    assert.notEqual(r.status, 0, r.out);
    assert.match(r.out, new RegExp(directive));
  });
}

test('sbctl outbox-prune removes events older than the retention', async () => {
  const a = await register(server()); const b = await register(server());
  await send(a, b, 'old news');
  const before = outbox(b.user._id).length;
  assert.ok(before > 0);
  // everything so far becomes eight days old (in commit order, as real clocks make it)
  sql('UPDATE outbox SET created_at = created_at - 8 * 86400000');
  const kept = server().sbctl('outbox-prune', '9d');
  assert.equal(kept.status, 0, kept.out);
  assert.equal(outbox(b.user._id).length, before);
  const r = server().sbctl('outbox-prune');
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /pruned \d+ outbox events older than 604800s/);
  assert.equal(outbox(b.user._id).length, 0);
  // numbers go on after the pruned ones
  await send(a, b, 'new');
  assert.deepEqual(outbox(b.user._id).map((e) => e.seq), [before + 1]);
  assert.equal(server().sbctl('outbox-prune', 'soon').status, 2);
});
