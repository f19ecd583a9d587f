// The freshness bounds of discovery at scale (store_discovery.h): category counts and trending
// are exact at once after any write, by any writer, and when a timed ban runs out with no
// write at all; search membership and totalCount are exact at once in every server process
// although rankings are cached and patched, not recomputed; a person's own edit shows in
// their own answers at once. Several requests are sent at a time so that different children
// (each with its own search cache) answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { useServer, register } from './harness.mjs';

const server = useServer();
const api = (...a) => server().api(...a);

function sql(query) {
  const db = server().storeUri.slice('sqlite:'.length);
  const r = spawnSync('sqlite3', ['-json', '-cmd', '.timeout 5000', db, query], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim() ? JSON.parse(r.stdout) : [];
}

let viewer;
let seeded;
function ready() {
  seeded ||= (async () => {
    const s = server().sbctl('seed', '600');
    assert.equal(s.status, 0, s.out);
    viewer = await register(server());
  })();
  return seeded;
}

// The same GET sent `n` times at once; every answer must be 200. Returns the JSON bodies.
async function many(path, token = viewer.token, n = 12) {
  const rs = await Promise.all(Array.from({ length: n }, () => api('GET', path, { token })));
  for (const r of rs) assert.equal(r.status, 200, r.text);
  return rs.map((r) => r.json);
}
const offer = (u, skills) => api('PUT', '/api/users/skills/offered', { token: u.token, body: { skills } });
const count = (cats, name) => cats.data.find((c) => c.name === name).count;

test('categories and trending follow every write at once, API and other processes alike', async () => {
  await ready();
  const before = (await many('/api/discover/categories'))[0];
  const u = await register(server());
  assert.equal((await offer(u, [{ skill: 'Zymurgy', category: 'Cooking' }, { skill: 'Zither', category: 'Music' }])).status, 200);
  for (const c of await many('/api/discover/categories')) {
    assert.equal(count(c, 'Cooking'), count(before, 'Cooking') + 1);
    assert.equal(count(c, 'Music'), count(before, 'Music') + 1);
  }
  // trending (no sessions yet: the most offered skills) loses a user banned elsewhere
  const top = (await many('/api/discover/trending?limit=50'))[0].data.skills[0];
  const [holder] = sql(`SELECT u.id FROM users u JOIN user_skills s ON s.user_id = u.id AND s.kind = 'offered' WHERE s.skill = '${top.skill}' AND u.is_active = 1 AND u.is_banned = 0 LIMIT 1`);
  assert.equal(server().sbctl('set-status', holder.id, 'banned', 'spam').status, 0);
  for (const t of await many('/api/discover/trending?limit=50')) {
    assert.equal(t.data.source, 'offered');
    assert.equal(t.data.skills.find((x) => x.skill === top.skill).count, top.count - 1);
  }
  assert.equal(server().sbctl('set-status', holder.id, 'active').status, 0);
  for (const t of await many('/api/discover/trending?limit=50')) {
    assert.equal(t.data.skills.find((x) => x.skill === top.skill).count, top.count);
  }
  // sessions written by another writer are counted at once, and so is their removal
  const [t1, t2] = sql("SELECT id FROM users WHERE email LIKE '%@seed.skillbarter.local' LIMIT 2").map((x) => x.id);
  const now = Date.now();
  sql(`INSERT INTO sessions (id, teacher_id, student_id, skill, category, scheduled_time, duration, created_at, updated_at) VALUES
    ('${'a1'.repeat(12)}', '${t1}', '${t2}', 'Zymurgy', 'Cooking', ${now}, 60, ${now}, ${now}),
    ('${'a2'.repeat(12)}', '${t1}', '${t2}', 'zymurgy', 'Cooking', ${now}, 60, ${now - 6 * 86400000}, ${now})`);
  for (const t of await many('/api/discover/trending')) {
    assert.equal(t.data.source, 'sessions');
    assert.deepEqual(t.data.skills, [{ skill: 'Zymurgy', category: 'Cooking', count: 2 }]);
  }
  sql(`DELETE FROM sessions WHERE id = '${'a1'.repeat(12)}'`);
  for (const t of await many('/api/discover/trending')) {
    assert.deepEqual(t.data.skills, [{ skill: 'zymurgy', category: 'Cooking', count: 1 }]);
  }
  // a ban from another process (sbctl), then the unban
  assert.equal(server().sbctl('set-status', u.user._id, 'banned', 'spam').status, 0);
  for (const c of await many('/api/discover/categories')) assert.equal(count(c, 'Cooking'), count(before, 'Cooking'));
  assert.equal(server().sbctl('set-status', u.user._id, 'active').status, 0);
  for (const c of await many('/api/discover/categories')) assert.equal(count(c, 'Cooking'), count(before, 'Cooking') + 1);
  // the ban ended u's sessions: sign in again
  const back = await server().api('POST', '/api/auth/login', { body: { email: u.body.email, password: u.body.password } });
  assert.equal(back.status, 200);
  u.token = back.json.data.token;
  // the editor's own change of mind
  assert.equal((await offer(u, [{ skill: 'Zymurgy', category: 'Other' }])).status, 200);
  for (const c of await many('/api/discover/categories', u.token)) {
    assert.equal(count(c, 'Cooking'), count(before, 'Cooking'));
    assert.equal(count(c, 'Music'), count(before, 'Music'));
  }
});

test('a timed ban that runs out counts again at once, with no write in between', async () => {
  await ready();
  const u = await register(server(), { firstName: 'Quillon' });
  await offer(u, [{ skill: 'Quillwork', category: 'Design' }]);
  const base = count((await many('/api/discover/categories'))[0], 'Design');
  const until = Date.now() + 1500;
  sql(`UPDATE users SET is_banned = 1, ban_reason = 'cool down', ban_expires_at = ${until} WHERE id = '${u.user._id}'`);
  assert.equal(server().sbctl('cache-reset').status, 0); // a write around the driver
  for (const c of await many('/api/discover/categories')) assert.equal(count(c, 'Design'), base - 1);
  for (const s of await many('/api/discover/search?q=quillon')) assert.equal(s.pagination.totalCount, 0);
  await new Promise((r) => setTimeout(r, until - Date.now() + 100));
  for (const c of await many('/api/discover/categories')) assert.equal(count(c, 'Design'), base);
  for (const s of await many('/api/discover/search?q=quillon')) {
    assert.deepEqual(s.data.map((x) => x._id), [u.user._id]);
    assert.equal(s.pagination.totalCount, 1);
  }
});

test('search members and totalCount follow edits at once in every process', async () => {
  await ready();
  const q = '/api/discover/search?q=guitar&limit=50';
  const first = await many(q);
  const total = first[0].pagination.totalCount;
  for (const s of first) assert.equal(s.pagination.totalCount, total);
  // a new match, then its edit away from the query, then a second edit back
  const u = await register(server(), { firstName: 'Guitarra' });
  await offer(u, [{ skill: 'Lute', category: 'Music' }]);
  for (const s of await many(q)) assert.equal(s.pagination.totalCount, total + 1);
  assert.equal((await api('PUT', '/api/users/profile', { token: u.token, body: { firstName: 'Laudista' } })).status, 200);
  for (const s of await many(q)) {
    assert.equal(s.pagination.totalCount, total);
    assert.ok(!s.data.some((x) => x._id === u.user._id));
  }
  assert.equal((await api('PUT', '/api/users/profile', { token: u.token, body: { bio: 'guitar on weekends' } })).status, 200);
  for (const s of await many(q)) assert.equal(s.pagination.totalCount, total + 1);
  // the editor does not see themself, before or after their own edit
  for (const s of await many(q, u.token)) {
    assert.equal(s.pagination.totalCount, total);
    assert.ok(!s.data.some((x) => x._id === u.user._id));
  }
  // more writes than a cached ranking is patched with (one transaction, 300 users)
  const ids = sql("SELECT id FROM users WHERE email LIKE '%@seed.skillbarter.local' AND coalesce(bio, '') NOT LIKE '%guitar%' AND skills_offered NOT LIKE '%guitar%' AND is_active = 1 AND is_banned = 0 AND skills_offered <> '[]' LIMIT 300").map((x) => `'${x.id}'`);
  assert.equal(ids.length, 300);
  sql(`UPDATE users SET bio = 'guitar' WHERE id IN (${ids.join(',')})`);
  // a write made around the driver (the sqlite3 shell) bumps no counter: the processes'
  // caches are told by sbctl cache-reset, as for the user cache
  const reset = server().sbctl('cache-reset');
  assert.equal(reset.status, 0, reset.out);
  for (const s of await many(q)) assert.equal(s.pagination.totalCount, total + 1 + 300);
});

// The people list is kept per process between writes (sqlite_page_cache.h): every write, by
// whoever in whatever process, shows in the next answer of every process.
test('the people list follows edits at once in every process, my own block too', async () => {
  await ready();
  const q = '/api/discover?category=Music&limit=5';
  const ids = (pages) => pages.map((p) => p.data.map((x) => x._id).join(' '));
  const same = (pages) => { for (const p of ids(pages)) assert.equal(p, ids(pages)[0]); return pages[0]; };
  same(await many(q));
  // someone new offers Music: first (seen last), with their card's text
  const u = await register(server(), { firstName: 'Citharist' });
  await offer(u, [{ skill: 'Cittern', category: 'Music' }]);
  let top = same(await many(q));
  assert.equal(top.data[0]._id, u.user._id);
  assert.equal(top.data[0].firstName, 'Citharist');
  // their edit, then a ban from another process (sbctl), then its lifting
  assert.equal((await api('PUT', '/api/users/profile', { token: u.token, body: { firstName: 'Lutenist' } })).status, 200);
  top = same(await many(q));
  assert.equal(top.data[0].firstName, 'Lutenist');
  assert.equal(server().sbctl('set-status', u.user._id, 'banned', 'spam').status, 0);
  for (const p of await many(q)) assert.ok(!p.data.some((x) => x._id === u.user._id));
  assert.equal(server().sbctl('set-status', u.user._id, 'active').status, 0);
  for (const p of await many(q)) assert.equal(p.data[0]._id, u.user._id);
  // the ban ended u's sessions: sign in again
  const back = await api('POST', '/api/auth/login', { body: { email: u.body.email, password: u.body.password } });
  assert.equal(back.status, 200);
  u.token = back.json.data.token;
  // the viewer's own block hides at once, in every process, and its lifting shows again
  assert.equal((await api('POST', `/api/users/${u.user._id}/block`, { token: viewer.token })).status, 200);
  for (const p of await many(q)) assert.ok(!p.data.some((x) => x._id === u.user._id));
  for (const p of await many(q, u.token)) assert.ok(!p.data.some((x) => x._id === u.user._id));
  assert.equal((await api('DELETE', `/api/users/${u.user._id}/block`, { token: viewer.token })).status, 200);
  for (const p of await many(q)) assert.equal(p.data[0]._id, u.user._id);
});

test('my own skill edit changes my matches at once', async () => {
  await ready();
  const mk = async (offered, wanted) => {
    const u = await register(server());
    await offer(u, offered.map((skill) => ({ skill })));
    await api('PUT', '/api/users/skills/wanted', { token: u.token, body: { skills: wanted.map((skill) => ({ skill })) } });
    return u;
  };
  const me = await mk(['Yodeling'], ['Xeriscaping']);
  const other = await mk(['Xeriscaping'], ['Yodeling']);
  for (const m of await many('/api/discover/matches?limit=50', me.token)) assert.ok(m.data.some((x) => x._id === other.user._id));
  await offer(me, [{ skill: 'Whittling' }]);
  for (const m of await many('/api/discover/matches?limit=50', me.token)) assert.ok(!m.data.some((x) => x._id === other.user._id));
});
