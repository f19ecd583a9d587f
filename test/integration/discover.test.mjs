// /api/discover and friends over a seeded data set where hundreds of users share a lastSeen.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { useServer, register } from './harness.mjs';

const server = useServer();
const api = (...a) => server().api(...a);
const fields = (r) => (r.json.errors || []).map((e) => e.field);

// Read (or write) the test server's SQLite file directly, as an independent view of the data.
function sql(query) {
  const db = server().storeUri.slice('sqlite:'.length);
  const r = spawnSync('sqlite3', ['-json', '-cmd', '.timeout 5000', db, query], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim() ? JSON.parse(r.stdout) : [];
}

let viewer;
const qs = (o) => new URLSearchParams(o).toString();
const get = (path, token = viewer.token) => api('GET', path, { token });

// The data set, made once on first use (root-level hooks may run before useServer's).
let seeded;
function ready() {
  seeded ||= (async () => {
    // a fixed seed: the same people every run, so each filter below has its matches
    const s = server().sbctl('seed', '400', '--seed', '42');
    assert.equal(s.status, 0, s.out);
    // Two lastSeen values for all seeded users: pages must cut through long runs of ties.
    sql("UPDATE users SET last_seen = CASE WHEN abs(random()) % 2 = 0 THEN 1700000000000 ELSE 1700000360000 END WHERE email LIKE '%@seed.skillbarter.local'");
    // a write around the driver: the processes' caches are told (sbctl cache-reset)
    assert.equal(server().sbctl('cache-reset').status, 0);
    viewer = await register(server());
  })();
  return seeded;
}

/* The expected result computed here from the raw rows, not by the server's SQL. */
function expected(f, viewerId = viewer.user._id) {
  const now = Date.now();
  return sql('SELECT id, is_active, is_banned, ban_expires_at, skills_offered, languages, rating, last_seen FROM users')
    .filter((u) => u.id !== viewerId && u.is_active === 1
      && (u.is_banned === 0 || (u.ban_expires_at > 0 && u.ban_expires_at <= now)))
    .map((u) => ({ ...u, offered: JSON.parse(u.skills_offered), langs: JSON.parse(u.languages) }))
    .filter((u) => u.offered.length > 0)
    .filter((u) => !f.skill || u.offered.some((s) => s.skill.toLowerCase().includes(f.skill.toLowerCase())))
    .filter((u) => !f.category || u.offered.some((s) => s.category === f.category))
    .filter((u) => !f.language || u.langs.some((l) => l.toLowerCase() === f.language.toLowerCase()))
    .filter((u) => f.minRating === undefined || u.rating >= Number(f.minRating))
    .sort((a, b) => (b.last_seen - a.last_seen) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
    .map((u) => u.id);
}

async function walk(f, limit) {
  const ids = [];
  let cursor = null;
  for (let n = 0; n < 1000; n++) {
    const r = await get(`/api/discover?${qs({ ...f, limit: String(limit), ...(cursor ? { cursor } : {}) })}`);
    assert.equal(r.status, 200, r.text);
    const { pagination: pg, data } = r.json;
    assert.equal(pg.limit, limit);
    assert.equal(pg.count, data.length);
    assert.ok(data.length <= limit);
    ids.push(...data.map((u) => u._id));
    if (!pg.hasMore) {
      assert.equal(pg.nextCursor, null);
      return ids;
    }
    assert.equal(data.length, limit);
    assert.match(pg.nextCursor, /^[A-Za-z0-9_-]+$/);
    cursor = pg.nextCursor;
  }
  throw new Error('too many pages');
}

test('pages concatenated equal the full filtered, sorted result, without duplicates', async () => {
  await ready();
  const ties = sql("SELECT last_seen, count(*) AS n FROM users GROUP BY last_seen ORDER BY n DESC LIMIT 1")[0];
  assert.ok(ties.n > 100, `want long runs of equal lastSeen, got ${ties.n}`);
  for (const [f, limit] of [[{}, 7], [{}, 50], [{ category: 'Music' }, 5], [{ skill: 'in' }, 12],
    [{ language: 'spanish' }, 9], [{ minRating: '4.5' }, 3], [{ category: 'Cooking', language: 'French', minRating: '3' }, 2]]) {
    const want = expected(f);
    assert.ok(want.length > 0, `no data for ${JSON.stringify(f)}`);
    const got = await walk(f, limit);
    assert.equal(new Set(got).size, got.length, `duplicates for ${JSON.stringify(f)}`);
    assert.deepEqual(got, want, JSON.stringify(f));
  }
});

test('the default page is 12 cards with the public card fields only', async () => {
  await ready();
  const r = await get('/api/discover');
  assert.equal(r.status, 200);
  assert.equal(r.json.success, true);
  assert.equal(r.json.data.length, 12);
  assert.equal(r.json.pagination.limit, 12);
  assert.equal(r.json.pagination.hasMore, true);
  const u = r.json.data[0];
  for (const k of ['_id', 'username', 'firstName', 'lastName', 'fullName', 'skillsOffered', 'skillsWanted', 'languages', 'rating', 'totalReviews', 'lastSeen', 'timezone']) {
    assert.ok(k in u, k);
  }
  for (const k of ['email', 'credits', 'isBanned', 'banReason', 'role']) assert.ok(!(k in u), k);
  assert.ok(u.skillsOffered.length > 0);
});

// The list and search answers are written by hand, not by json-c: the envelope and the
// pagination must be the bytes json-c writes (plain, keys in order; ints, booleans, strings
// and null are what JSON.stringify writes too).
test('list and search answers are the envelope json-c writes, byte for byte', async () => {
  await ready();
  const first = await get('/api/discover?limit=5');
  const next = await get(`/api/discover?${qs({ limit: '5', cursor: first.json.pagination.nextCursor })}`);
  const last = await get('/api/discover?skill=nosuchskillanywhere');
  const search = await get('/api/discover/search?q=a&page=2&limit=3');
  const none = await get('/api/discover/search?q=zzqqxxnothing');
  for (const r of [first, next, last, search, none]) {
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.ok(r.text.startsWith('{"success":true,"data":['), r.text.slice(0, 40));
    assert.ok(r.text.endsWith(`],"pagination":${JSON.stringify(r.json.pagination)}}`), r.text.slice(-200));
    assert.deepEqual(Object.keys(r.json), ['success', 'data', 'pagination']);
  }
  assert.deepEqual(Object.keys(first.json.pagination), ['hasMore', 'nextCursor', 'limit', 'count']);
  assert.equal(last.json.pagination.nextCursor, null);
  assert.deepEqual(last.json.data, []);
  assert.deepEqual(Object.keys(search.json.pagination),
    ['currentPage', 'totalPages', 'totalCount', 'hasMore', 'hasPrevious', 'limit']);
  assert.equal(search.json.pagination.hasPrevious, true);
  assert.equal(none.json.pagination.totalCount, 0);
});

test('the caller, banned, inactive users and users offering nothing are never listed', async () => {
  await ready();
  const a = await register(server());
  await api('PUT', '/api/users/skills/offered', { token: a.token, body: { skills: [{ skill: 'Quokka whispering', category: 'Other' }] } });
  const b = await register(server());
  await api('PUT', '/api/users/skills/offered', { token: b.token, body: { skills: [{ skill: 'Quokka taming', category: 'Other' }] } });
  const listed = async (token) => (await api('GET', '/api/discover?skill=quokka&limit=50', { token })).json.data.map((u) => u._id);
  assert.deepEqual(await listed(viewer.token), [b.user._id, a.user._id]);
  assert.deepEqual(await listed(a.token), [b.user._id]);
  server().sbctl('set-status', b.user._id, 'banned', 'spam');
  assert.deepEqual(await listed(viewer.token), [a.user._id]);
  server().sbctl('set-status', b.user._id, 'inactive');
  assert.deepEqual(await listed(viewer.token), [a.user._id]);
  server().sbctl('set-status', b.user._id, 'active');
  // the ban ended b's sessions: sign in again
  const b2 = (await api('POST', '/api/auth/login', { body: { email: b.body.email, password: b.body.password } })).json.data;
  await api('PUT', '/api/users/skills/offered', { token: b2.token, body: { skills: [] } });
  assert.deepEqual(await listed(viewer.token), [a.user._id]);
  const nothing = (await get('/api/discover?limit=50')).json.data.map((u) => u._id);
  assert.ok(!nothing.includes(viewer.user._id));
});

test('skill matches a literal, case-insensitive substring: %, _, .* and ( are not patterns', async () => {
  await ready();
  const names = ['C++ (advanced)', '100% Cotton knitting', 'snake_case naming', 'regex a.*b tricks'];
  const ids = [];
  for (const skill of names) {
    const u = await register(server());
    await api('PUT', '/api/users/skills/offered', { token: u.token, body: { skills: [{ skill, category: 'Other' }] } });
    ids.push(u.user._id);
  }
  const only = async (skill) => (await get(`/api/discover?${qs({ skill, limit: '50' })}`)).json.data.map((u) => u._id);
  assert.deepEqual(await only('('), [ids[0]]);
  assert.deepEqual(await only('C++ (ADV'), [ids[0]]);
  assert.deepEqual(await only('%'), [ids[1]]);
  assert.deepEqual(await only('0% c'), [ids[1]]);
  assert.deepEqual(await only('_'), [ids[2]]);
  assert.deepEqual(await only('.*'), [ids[3]]);
  assert.deepEqual(await only('a.*b'), [ids[3]]);
  assert.deepEqual(await only("' OR 1=1 --"), []);
});

test('invalid filters, limits and cursors are 400 naming the parameter', async () => {
  await ready();
  const good = (await get('/api/discover?limit=2')).json.pagination.nextCursor;
  const flip = good.slice(0, 10) + (good[10] === 'A' ? 'B' : 'A') + good.slice(11);
  const cases = [
    [{ category: 'Magic' }, 'category'], [{ category: 'music' }, 'category'],
    [{ limit: '0' }, 'limit'], [{ limit: '51' }, 'limit'], [{ limit: 'ten' }, 'limit'], [{ limit: '1.5' }, 'limit'], [{ limit: '-3' }, 'limit'],
    [{ minRating: '6' }, 'minRating'], [{ minRating: '-1' }, 'minRating'], [{ minRating: 'high' }, 'minRating'], [{ minRating: 'NaN' }, 'minRating'], [{ minRating: '1e400' }, 'minRating'],
    [{ cursor: 'garbage' }, 'cursor'], [{ cursor: flip }, 'cursor'], [{ cursor: good + 'A' }, 'cursor'], [{ cursor: good.slice(0, -1) }, 'cursor'],
    [{ cursor: new Date().toISOString() }, 'cursor'],
    [{ skill: 'x'.repeat(51) }, 'skill'], [{ language: 'l'.repeat(41) }, 'language'],
  ];
  for (const [f, field] of cases) {
    const r = await get(`/api/discover?${qs(f)}`);
    assert.equal(r.status, 400, `${JSON.stringify(f)}: ${r.text}`);
    assert.deepEqual(fields(r), [field], JSON.stringify(f));
  }
  assert.equal((await get(`/api/discover?cursor=${good}`)).status, 200);
  assert.equal((await api('GET', '/api/discover')).status, 401);
});

test('search ranks matches over skill names, names and bio, with offset pagination', async () => {
  await ready();
  const u = await register(server(), { firstName: 'Zebulon', lastName: 'Quartz' });
  await api('PUT', '/api/users/skills/offered', { token: u.token, body: { skills: [{ skill: 'Xylophone tuning', category: 'Music' }] } });
  const v = await register(server());
  await api('PUT', '/api/users/profile', { token: v.token, body: { bio: 'I once saw a xylophone in a museum' } });
  await api('PUT', '/api/users/skills/offered', { token: v.token, body: { skills: [{ skill: 'Juggling', category: 'Sports' }] } });
  const r = await get('/api/discover/search?q=xylophone');
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.data.map((x) => x._id), [u.user._id, v.user._id]);
  assert.deepEqual(r.json.pagination, { currentPage: 1, totalPages: 1, totalCount: 2, hasMore: false, hasPrevious: false, limit: 12 });
  assert.deepEqual((await get('/api/discover/search?q=zebul')).json.data.map((x) => x._id), [u.user._id]);
  assert.deepEqual((await get('/api/discover/search?q=XYLO%20quartz')).json.data.map((x) => x._id), [u.user._id]);
  assert.deepEqual((await get('/api/discover/search?q=xylophone&category=Sports')).json.data.map((x) => x._id), [v.user._id]);

  const total = sql("SELECT count(*) AS n FROM users WHERE skills_offered LIKE '%Guitar%'")[0].n;
  const p1 = await get('/api/discover/search?q=guitar&limit=5');
  assert.equal(p1.status, 200);
  assert.equal(p1.json.data.length, 5);
  assert.ok(p1.json.pagination.totalCount > 0 && p1.json.pagination.totalCount <= total);
  const all = [];
  for (let page = 1; page <= p1.json.pagination.totalPages; page++) {
    const r2 = await get(`/api/discover/search?q=guitar&limit=5&page=${page}`);
    assert.equal(r2.json.pagination.hasPrevious, page > 1);
    all.push(...r2.json.data.map((x) => x._id));
  }
  assert.equal(all.length, p1.json.pagination.totalCount);
  assert.equal(new Set(all).size, all.length);
});

test('search input never reaches FTS5 as syntax', async () => {
  await ready();
  // Planted users, all with a marker word no one else has: every query below starts with
  // it, so the result is a subset of them and can be stated exactly. Each word of q is a
  // required prefix phrase of its letters and digits; a word without any is dropped. Read
  // as FTS5 syntax instead, these queries would be errors or match other planted users
  // (name:python → p1, NOT x drops p3, ^python → p1 only, bio : x → p3 and p4).
  const m = `mk${Math.random().toString(36).slice(2, 8)}`;
  const plant = async (i, bio, over = {}) => {
    const u = await register(server(), { username: `pl${i}_${m}`, ...over });
    const t = { token: u.token };
    assert.equal((await api('PUT', '/api/users/profile', { ...t, body: { bio: `${m} ${bio}`.trim() } })).status, 200);
    assert.equal((await api('PUT', '/api/users/skills/offered', { ...t, body: { skills: [{ skill: 'Pottery' }] } })).status, 200);
    return u.user._id;
  };
  const p = {};
  p[1] = await plant(1, '', { firstName: 'Python' });
  p[2] = await plant(2, 'name python');
  p[3] = await plant(3, 'python and not x');
  p[4] = await plant(4, 'biology x');
  p[5] = await plant(5, 'x yak');
  p[6] = await plant(6, 'near apple banana');
  p[7] = await plant(7, 'python orange');
  const all = [1, 2, 3, 4, 5, 6, 7];
  const py = [1, 2, 3, 7];
  for (const [q, want] of [
    ['python OR', [7]], ['"', all], ['"python', py], ['NEAR(a b)', [6]], ['*', all],
    ['a*', [2, 3, 4, 5, 6, 7]], ['name:python', [2]], ['^python', py],
    ['python AND NOT x', [3]], ['(((', all], ['x"y', [5]], ['bio : x', [4]], ['-python', py],
    ['+python', py], ['é', []], ['日本語', []],
  ]) {
    const r = await get(`/api/discover/search?${qs({ q: `${m} ${q}`, limit: '50' })}`);
    assert.equal(r.status, 200, `${q}: ${r.text}`);
    assert.deepEqual(r.json.data.map((u) => u._id).sort(), want.map((i) => p[i]).sort(), q);
    assert.equal(r.json.pagination.totalCount, want.length, q);
  }
  // Nothing but operators: no word is left, and that is the caller's error.
  for (const q of ['"', '*', '(((', 'OR', '-', '" * ^ :']) {
    const r = await get(`/api/discover/search?${qs({ q })}`);
    if (q === 'OR') {
      // a word like any other: the prefix "or", not the operator (which alone is an error)
      assert.equal(r.status, 200, r.text);
      continue;
    }
    assert.equal(r.status, 400, `${q}: ${r.text}`);
    assert.deepEqual(fields(r), ['q'], q);
  }
  for (const [f, field] of [[{}, 'q'], [{ q: '' }, 'q'], [{ q: '   ' }, 'q'], [{ q: '+++' }, 'q'],
    [{ q: 'x'.repeat(101) }, 'q'], [{ q: 'a b c d e f g h i' }, 'q'], [{ q: 'a', page: '0' }, 'page'],
    [{ q: 'a', limit: '99' }, 'limit'], [{ q: 'a', category: 'Nope' }, 'category']]) {
    const r = await get(`/api/discover/search?${qs(f)}`);
    assert.equal(r.status, 400, JSON.stringify(f));
    assert.deepEqual(fields(r), [field], JSON.stringify(f));
  }
});

test('categories lists all eight with the number of visible users offering each', async () => {
  await ready();
  const r = await get('/api/discover/categories');
  assert.equal(r.status, 200);
  const names = ['Technology', 'Design', 'Business', 'Language', 'Music', 'Sports', 'Cooking', 'Other'];
  assert.deepEqual(r.json.data.map((c) => c.name), names);
  for (const c of r.json.data) {
    const want = expected({ category: c.name }, 'none').length;
    assert.equal(c.count, want, c.name);
  }
});

test('trending falls back to most offered skills, then counts sessions of the last 7 days', async () => {
  await ready();
  const r = await get('/api/discover/trending');
  assert.equal(r.status, 200);
  assert.equal(r.json.data.source, 'offered');
  assert.equal(r.json.data.windowDays, 7);
  const counts = r.json.data.skills.map((s) => s.count);
  assert.ok(counts.length > 0 && counts.length <= 10);
  assert.deepEqual(counts, [...counts].sort((a, b) => b - a));
  const [t, s] = sql('SELECT id FROM users WHERE skills_offered <> \'[]\' LIMIT 2').map((x) => x.id);
  const now = Date.now();
  sql(`INSERT INTO sessions (id, teacher_id, student_id, skill, category, scheduled_time, duration, created_at, updated_at) VALUES
    ('${'b'.repeat(24)}', '${t}', '${s}', 'Kite surfing', 'Sports', ${now + 86400000}, 60, ${now}, ${now}),
    ('${'c'.repeat(24)}', '${t}', '${s}', 'kite surfing', 'Sports', ${now + 86400000}, 60, ${now}, ${now}),
    ('${'d'.repeat(24)}', '${t}', '${s}', 'Old news', 'Other', ${now}, 60, ${now - 8 * 86400000}, ${now})`);
  const r2 = await get('/api/discover/trending?limit=5');
  assert.equal(r2.json.data.source, 'sessions');
  assert.deepEqual(r2.json.data.skills.map((x) => [x.skill.toLowerCase(), x.count]), [['kite surfing', 2]]);
  const bad = await get('/api/discover/trending?limit=0');
  assert.equal(bad.status, 400);
  assert.deepEqual(fields(bad), ['limit']);
});

test('the detailed profile has skills, availability, stats and recent reviews', async () => {
  await ready();
  const u = await register(server());
  await api('PUT', '/api/users/skills/offered', { token: u.token, body: { skills: [{ skill: 'Pottery', category: 'Other' }] } });
  await api('PUT', '/api/users/availability', { token: u.token, body: { timezone: 'Asia/Tokyo', availability: [{ day: 'Tuesday', timeSlots: [{ startTime: '19:00', endTime: '21:00' }] }] } });
  const r = await get(`/api/discover/${u.user._id}`);
  assert.equal(r.status, 200, r.text);
  const d = r.json.data;
  assert.equal(d.skillsOffered[0].skill, 'Pottery');
  assert.equal(d.availability[0].day, 'Tuesday');
  assert.equal(d.timezone, 'Asia/Tokyo');
  for (const k of ['rating', 'totalReviews', 'reviewCount', 'totalHoursTaught', 'totalHoursLearned']) assert.ok(k in d, k);
  assert.deepEqual(d.recentReviews, []);
  assert.ok(!('email' in d) && !('credits' in d));
  const [rev] = sql('SELECT id FROM users WHERE id <> \'' + u.user._id + '\' LIMIT 1');
  const now = Date.now();
  sql(`INSERT INTO sessions (id, teacher_id, student_id, skill, scheduled_time, duration, status, created_at, updated_at) VALUES ('${'e'.repeat(24)}', '${u.user._id}', '${rev.id}', 'Pottery', ${now}, 60, 'completed', ${now}, ${now});
       INSERT INTO reviews (id, session_id, reviewer_id, reviewee_id, rating, feedback, created_at) VALUES ('${'f'.repeat(24)}', '${'e'.repeat(24)}', '${rev.id}', '${u.user._id}', 5, 'Great teacher', ${now})`);
  const r2 = await get(`/api/discover/${u.user._id}`);
  assert.equal(r2.json.data.recentReviews.length, 1);
  assert.equal(r2.json.data.recentReviews[0].feedback, 'Great teacher');
  assert.equal(r2.json.data.recentReviews[0].rating, 5);
  assert.equal((await get(`/api/discover/${'0'.repeat(24)}`)).status, 404);
  assert.equal((await get('/api/discover/not-an-id')).status, 404);
  server().sbctl('set-status', u.user._id, 'banned');
  assert.equal((await get(`/api/discover/${u.user._id}`)).status, 404);
});

test('matches are people who offer what I want and want what I offer, best first', async () => {
  await ready();
  const mk = async (offered, wanted) => {
    const u = await register(server());
    await api('PUT', '/api/users/skills/offered', { token: u.token, body: { skills: offered.map((skill) => ({ skill })) } });
    await api('PUT', '/api/users/skills/wanted', { token: u.token, body: { skills: wanted.map((skill) => ({ skill })) } });
    return u;
  };
  const me = await mk(['Welsh', 'Bassoon'], ['Falconry', 'Lacrosse']);
  const both2 = await mk(['falconry', 'LACROSSE'], ['welsh', 'bassoon']);
  const both1 = await mk(['Falconry'], ['Welsh', 'Origami']);
  const oneWay = await mk(['Falconry', 'Lacrosse'], ['Origami']);
  const r = await get('/api/discover/matches', me.token);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.data.map((u) => u._id), [both2.user._id, both1.user._id]);
  assert.deepEqual(r.json.data[0].match, { theyOffer: 2, theyWant: 2, score: 4 });
  assert.deepEqual(r.json.data[1].match, { theyOffer: 1, theyWant: 1, score: 2 });
  assert.ok(!r.json.data.some((u) => u._id === oneWay.user._id));
  assert.equal((await get('/api/discover/matches?limit=1', me.token)).json.data.length, 1);
  const bad = await get('/api/discover/matches?limit=x', me.token);
  assert.equal(bad.status, 400);
  assert.deepEqual(fields(bad), ['limit']);
});
