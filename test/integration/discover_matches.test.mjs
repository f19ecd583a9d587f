// GET /api/discover/matches against a from-scratch computation: a seeded random sequence of
// writes through the API (offered and wanted skills, profile text, blocks and unblocks,
// logins), by sbctl (bans, reactivation) and by raw SQL (lastSeen, then sbctl cache-reset),
// and after every few writes every user's matches compared with one SQL query that joins
// every user's skills (what the route did before sql/013's pair lists): same people, same
// order, same counts. Several requests are sent at a time, so different server children
// answer. Then the kept answers (store/sqlite/sqlite_match_cache.h): a viewer's own edit and
// a match's edit are seen by the very next request, whichever child answers it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { useServer, register } from './harness.mjs';

const server = useServer();
const api = (...a) => server().api(...a);
const WINDOW = 200; // SB_STORE_MATCHES_WINDOW (store/store_discovery.h)

function sql(query) {
  const db = server().storeUri.slice('sqlite:'.length);
  const r = spawnSync('sqlite3', ['-json', '-cmd', '.timeout 5000', db, query], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim() ? JSON.parse(r.stdout) : [];
}

// Every visible user sharing a skill each way with the viewer, the WINDOW most recently
// seen of them ranked: both counts, the smaller count, lastSeen, id.
function fromScratch(viewer, now, limit) {
  return sql(`WITH mine AS (SELECT kind, skill_lower FROM user_skills WHERE user_id = '${viewer}'),
    a AS (SELECT uid, count(*) AS n FROM (SELECT DISTINCT s.user_id AS uid, s.skill_lower FROM mine m
      JOIN user_skills s ON s.kind = 'offered' AND s.skill_lower = m.skill_lower
      WHERE m.kind = 'wanted' AND s.user_id <> '${viewer}') GROUP BY uid),
    b AS (SELECT uid, count(*) AS n FROM (SELECT DISTINCT s.user_id AS uid, s.skill_lower FROM mine m
      JOIN user_skills s ON s.kind = 'wanted' AND s.skill_lower = m.skill_lower
      WHERE m.kind = 'offered' AND s.user_id <> '${viewer}') GROUP BY uid),
    every AS (SELECT u.id, a.n AS o, b.n AS w, u.last_seen AS ls FROM a JOIN b ON b.uid = a.uid
      JOIN users u ON u.id = a.uid
      WHERE u.is_active = 1 AND (u.is_banned = 0 OR (u.ban_expires_at > 0 AND u.ban_expires_at <= ${now}))
      AND u.skills_offered <> '[]' AND NOT EXISTS (SELECT 1 FROM user_blocks k
        WHERE k.blocker_id = '${viewer}' AND k.blocked_id = u.id)),
    win AS (SELECT * FROM every ORDER BY ls DESC, id DESC LIMIT ${WINDOW})
    SELECT id, o, w FROM win ORDER BY o + w DESC, min(o, w) DESC, ls DESC, id DESC LIMIT ${limit}`)
    .map((r) => ({ _id: r.id, match: { theyOffer: r.o, theyWant: r.w, score: r.o + r.w } }));
}

// mulberry32: the same sequence every run
function rng(seed) {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) % n);
  };
}

const NAMES = ['Guitar', 'guitar', 'Piano', 'PIANO', 'Chess', 'Sushi', 'Yoga', 'Welsh'];

// up to k names, distinct case-insensitively (the API refuses duplicates)
function pick(r, k) {
  const out = [];
  for (let i = 0; i < k; i++) {
    const n = NAMES[r(NAMES.length)];
    if (!out.some((x) => x.toLowerCase() === n.toLowerCase())) out.push(n);
  }
  return out;
}

test('matches equal a from-scratch computation after a random sequence of writes', async () => {
  const r = rng(14);
  const users = [];
  for (let i = 0; i < 14; i++) users.push(await register(server()));
  const blocks = new Set();
  const put = async (u, kind, names) => {
    const skills = names.map((skill) => (kind === 'offered' ? { skill, experience: 'Expert' } : { skill }));
    const res = await api('PUT', `/api/users/skills/${kind}`, { token: u.token, body: { skills } });
    assert.equal(res.status, 200, res.text);
  };
  for (const u of users) {
    await put(u, 'offered', pick(r, 3));
    await put(u, 'wanted', pick(r, 3));
  }
  const banned = new Set();
  const check = async (step) => {
    const now = Date.now();
    for (const v of users.filter((x) => !banned.has(x.user._id))) {
      const want = fromScratch(v.user._id, now, 50);
      const got = await Promise.all([0, 1, 2].map(() =>
        api('GET', '/api/discover/matches?limit=50', { token: v.token })));
      for (const g of got) {
        assert.equal(g.status, 200, g.text);
        assert.deepEqual(g.json.data.map((x) => ({ _id: x._id, match: x.match })), want,
          `step ${step}, viewer ${v.user.username}`);
      }
    }
  };
  await check(0);
  let nonEmpty = 0;
  for (let step = 1; step <= 60; step++) {
    const i = r(users.length);
    const u = users[i];
    let op = r(6);
    if (op < 4 && banned.has(u.user._id)) op = 4; // a banned user writes nothing: lift the ban
    switch (op) {
      case 0: await put(u, 'offered', pick(r, 4)); break;
      case 1: await put(u, 'wanted', pick(r, 4)); break;
      case 2: {
        const res = await api('PUT', '/api/users/profile', { token: u.token, body: { bio: `edit ${step}` } });
        assert.equal(res.status, 200, res.text);
        break;
      }
      case 3: {
        const other = users[(i + 1 + r(users.length - 1)) % users.length];
        const key = `${u.user._id}>${other.user._id}`;
        const res = await api(blocks.has(key) ? 'DELETE' : 'POST', `/api/users/${other.user._id}/block`, { token: u.token });
        assert.ok(res.status === 200 || res.status === 201, res.text);
        if (blocks.has(key)) blocks.delete(key); else blocks.add(key);
        break;
      }
      case 4: {
        // banned or back, by another process (a banned user is no viewer until then)
        const id = u.user._id;
        const s = server().sbctl('set-status', id, banned.has(id) ? 'active' : 'banned', 'test');
        assert.equal(s.status, 0, s.out);
        if (banned.has(id)) {
          // the ban ended the user's sessions: a login (which also writes lastSeen)
          const back = await api('POST', '/api/auth/login', { body: { email: u.body.email, password: u.body.password } });
          assert.equal(back.status, 200, back.text);
          u.token = back.json.data.token;
          banned.delete(id);
        } else {
          banned.add(id);
        }
        break;
      }
      default: {
        sql(`UPDATE users SET last_seen = ${Date.now() - r(4) * 3600000} WHERE id = '${u.user._id}'`);
        // a write around the module moves none of the counters its caches check: what its
        // operator does after one (store/sqlite/sqlite_match_cache.h)
        const s = server().sbctl('cache-reset');
        assert.equal(s.status, 0, s.out);
        break;
      }
    }
    if (step % 10 === 0) {
      await check(step);
      nonEmpty += users.filter((v) => fromScratch(v.user._id, Date.now(), 50).length > 0).length;
    }
  }
  assert.ok(nonEmpty > 20, `the writes leave matches to compare (${nonEmpty})`);
});

// Many requests first, so every child keeps the answer; then one write and at once a burst.
test('a person\'s own skill edit and a match\'s edit show in their matches at once', async () => {
  const [me, a, b] = [await register(server()), await register(server()), await register(server())];
  const put = async (u, kind, skills) => {
    const res = await api('PUT', `/api/users/skills/${kind}`, { token: u.token, body: { skills } });
    assert.equal(res.status, 200, res.text);
  };
  await put(me, 'offered', [{ skill: 'Oboe', experience: 'Expert' }]);
  await put(me, 'wanted', [{ skill: 'Harp' }]);
  for (const u of [a, b]) {
    await put(u, 'offered', [{ skill: 'harp', experience: 'Expert' }]);
    await put(u, 'wanted', [{ skill: 'OBOE' }]);
  }
  const burst = async (n) => {
    const got = await Promise.all(Array.from({ length: n }, () =>
      api('GET', '/api/discover/matches', { token: me.token })));
    return got.map((g) => {
      assert.equal(g.status, 200, g.text);
      return g.json.data.map((x) => x._id).sort().join(' ');
    });
  };
  const both = [a.user._id, b.user._id].sort().join(' ');
  for (let i = 0; i < 4; i++) assert.deepEqual(await burst(8), Array(8).fill(both));
  await put(me, 'wanted', [{ skill: 'Lute' }]);
  assert.deepEqual(await burst(8), Array(8).fill(''));
  await put(me, 'wanted', [{ skill: 'Harp' }]);
  for (let i = 0; i < 4; i++) assert.deepEqual(await burst(8), Array(8).fill(both));
  await put(a, 'wanted', [{ skill: 'Lute' }]);
  assert.deepEqual(await burst(8), Array(8).fill(b.user._id));
  for (let i = 0; i < 4; i++) await burst(8);
  const res = await api('PUT', '/api/users/profile', { token: b.token, body: { firstName: 'Renamed' } });
  assert.equal(res.status, 200, res.text);
  const got = await api('GET', '/api/discover/matches', { token: me.token });
  assert.equal(got.json.data[0].firstName, 'Renamed');
});
