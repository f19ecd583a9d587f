// Blocks: POST/DELETE /api/users/:id/block, GET /api/users/blocked; a blocked sender is
// refused with 403 (nothing stored) and leaves the blocker's discover, search and matches.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { useServer, register } from './harness.mjs';

const server = useServer();
const api = (...a) => server().api(...a);
const fields = (r) => (r.json.errors || []).map((e) => e.field);
const send = (from, to, content = 'hi') =>
  api('POST', '/api/messages/send', { token: from.token, body: { receiver: to.user._id, content } });

function sql(query) {
  const db = server().storeUri.slice('sqlite:'.length);
  const r = spawnSync('sqlite3', ['-json', '-cmd', '.timeout 5000', db, query], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim() ? JSON.parse(r.stdout) : [];
}

async function withSkills(u, offered, wanted) {
  let r = await api('PUT', '/api/users/skills/offered', { token: u.token, body: { skills: [{ skill: offered, category: 'Music', experience: 'Expert' }] } });
  assert.equal(r.status, 200, r.text);
  r = await api('PUT', '/api/users/skills/wanted', { token: u.token, body: { skills: [{ skill: wanted, category: 'Music' }] } });
  assert.equal(r.status, 200, r.text);
  return u;
}

const ids = (r) => r.json.data.map((u) => u._id);

test('a block refuses the blocked sender and hides them from the blocker\'s discovery', async () => {
  const me = await withSkills(await register(server()), 'Theremin', 'Hurdygurdy');
  const pest = await withSkills(await register(server()), 'Hurdygurdy', 'Theremin');
  const friend = await withSkills(await register(server()), 'Hurdygurdy', 'Theremin');
  const seenBy = async (viewer) => ({
    discover: ids(await api('GET', '/api/discover?skill=hurdygurdy', { token: viewer.token })),
    search: ids(await api('GET', '/api/discover/search?q=hurdygurdy', { token: viewer.token })),
    matches: ids(await api('GET', '/api/discover/matches', { token: viewer.token })),
  });
  const both = [friend.user._id, pest.user._id].sort();
  let v = await seenBy(me);
  assert.deepEqual(v.discover.sort(), both);
  assert.deepEqual(v.search.sort(), both);
  assert.deepEqual(v.matches.sort(), both);

  const r = await api('POST', `/api/users/${pest.user._id}/block`, { token: me.token });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.data, { userId: pest.user._id, blocked: true });
  assert.equal((await api('POST', `/api/users/${pest.user._id}/block`, { token: me.token })).status, 200, 'idempotent');
  const blocked = await api('GET', '/api/users/blocked', { token: me.token });
  assert.equal(blocked.status, 200, blocked.text);
  assert.deepEqual(ids(blocked), [pest.user._id]);
  assert.equal(blocked.json.data[0].username, pest.user.username);
  assert.equal(blocked.json.data[0].email, undefined);

  const before = sql('SELECT (SELECT count(*) FROM messages) AS m, (SELECT count(*) FROM outbox) AS o');
  const refused = await send(pest, me);
  assert.equal(refused.status, 403, refused.text);
  assert.deepEqual(fields(refused), ['receiver']);
  assert.deepEqual(sql('SELECT (SELECT count(*) FROM messages) AS m, (SELECT count(*) FROM outbox) AS o'), before);
  assert.equal((await send(friend, me)).status, 201);
  assert.equal((await send(me, pest)).status, 201, 'the blocker may still write');

  v = await seenBy(me);
  assert.deepEqual(v, { discover: [friend.user._id], search: [friend.user._id], matches: [friend.user._id] });
  const search = await api('GET', '/api/discover/search?q=hurdygurdy', { token: me.token });
  assert.equal(search.json.pagination.totalCount, 1);
  // one-way: the blocked user still sees the blocker
  assert.ok(ids(await api('GET', '/api/discover?skill=theremin', { token: pest.token })).includes(me.user._id));

  const un = await api('DELETE', `/api/users/${pest.user._id}/block`, { token: me.token });
  assert.equal(un.status, 200, un.text);
  assert.deepEqual(un.json.data, { userId: pest.user._id, blocked: false });
  assert.equal((await api('DELETE', `/api/users/${pest.user._id}/block`, { token: me.token })).status, 404);
  assert.deepEqual((await api('GET', '/api/users/blocked', { token: me.token })).json.data, []);
  v = await seenBy(me);
  assert.deepEqual(v.search.sort(), both);
  assert.equal((await send(pest, me)).status, 201);
});

test('bad block requests are 4xx naming the field and change nothing', async () => {
  const me = await register(server());
  const before = sql('SELECT count(*) AS n FROM user_blocks')[0].n;
  for (const [method, path, status, field] of [
    ['POST', `/api/users/${me.user._id}/block`, 400, 'id'],
    ['POST', '/api/users/not-an-id/block', 400, 'id'],
    ['POST', '/api/users/abababababababababababab/block', 404, null],
    ['DELETE', '/api/users/not-an-id/block', 400, 'id'],
    ['DELETE', `/api/users/${me.user._id}/block`, 400, 'id'],
    ['DELETE', '/api/users/abababababababababababab/block', 404, null],
  ]) {
    const r = await api(method, path, { token: me.token });
    assert.equal(r.status, status, `${method} ${path}: ${r.text}`);
    if (field) assert.deepEqual(fields(r), [field]);
  }
  assert.equal(sql('SELECT count(*) AS n FROM user_blocks')[0].n, before);
  assert.equal((await api('GET', '/api/users/blocked')).status, 401);
  assert.equal((await api('POST', `/api/users/${me.user._id}/block`)).status, 401);
  // /api/users/blocked is not taken for a user id
  assert.equal((await api('GET', '/api/users/blocked', { token: me.token })).status, 200);
});
