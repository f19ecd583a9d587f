// Bad input on every JSON route, driven by the route table itself: the rows of every
// sb_route_t table in mod_skillbarter/api/*.c are read from the source, and each row flagged
// SB_ROUTE_JSON must have an entry in ROUTES below (a new route without one fails here).
// For each: malformed JSON, each wrong JSON type of the whole body, each field's wrong type,
// an oversized body, an unknown field and each missing required field. Every answer is a 4xx
// with a message naming the problem (errors[].field where a field is at fault), and nothing
// changed: the store's rows, the mail spool and the uploads folder are compared before and
// after. The valid body of each route is sent last and must succeed, so that each bad body
// differs from a good one by its fault alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { useServer, register, TOP } from './harness.mjs';

const MAX_BODY = 2048;
const server = useServer({ extra: `SkillBarterMaxJSONBody ${MAX_BODY}\n` });
const api = (...a) => server().api(...a);

/** Every row of every sb_route_t table: {method, pattern, flags: [...], file}. */
function routeRows() {
  const dir = join(TOP, 'mod_skillbarter', 'api');
  const rows = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.c')).sort()) {
    const src = readFileSync(join(dir, f), 'utf8');
    for (const t of src.matchAll(/const sb_route_t \w+\[\] = \{([\s\S]*?)\};/g)) {
      for (const m of t[1].matchAll(/\{\s*"([A-Z]+)",\s*"([^"]+)",\s*\w+,\s*([^,]+),\s*[^}]+\}/g)) {
        rows.push({ method: m[1], pattern: m[2], flags: m[3].split('|').map((s) => s.trim()), file: f });
      }
    }
  }
  return rows;
}

// Wrong values for a field of each JSON type ('string!': a required string).
const WRONG = {
  string: [42, true, null, ['x'], { s: 'x' }],
  array: ['x', 7, { a: 1 }, true],
  object: ['x', 7, [1], true],
};

function sql(query) {
  const db = server().storeUri.slice('sqlite:'.length);
  const r = spawnSync('sqlite3', ['-json', '-cmd', '.timeout 5000', db, query], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim() ? JSON.parse(r.stdout) : [];
}

// Everything a request could change. users.last_seen is left out: every authenticated
// request touches it, whatever its body.
let userCols;
function snapshot() {
  const db = server().storeUri.slice('sqlite:'.length);
  userCols ||= sql('PRAGMA table_info(users)').map((c) => c.name).filter((n) => n !== 'last_seen');
  const dump = spawnSync('sqlite3', ['-cmd', '.timeout 5000', db, '.dump'], { encoding: 'utf8' });
  assert.equal(dump.status, 0, dump.stderr);
  return {
    users: sql(`SELECT ${userCols.join(', ')} FROM users ORDER BY id`),
    rest: dump.stdout.split('\n').filter((l) => !l.startsWith('INSERT INTO users ')),
    mail: readdirSync(join(server().root, 'mail')).sort(),
    uploads: readdirSync(join(server().root, 'uploads')).sort(),
  };
}

const tokenFromMail = (mail) => mail.replace(/=\r\n/g, '').match(/token=([A-Za-z0-9_-]{20,})/)[1];
function mailTo(email, re) {
  const m = server().mails().reverse().find((x) => x.includes(`To: ${email}`) && re.test(x));
  assert.ok(m, `no mail to ${email} matching ${re}`);
  return m;
}

// One entry per JSON route: fields (name → {type, required}), the body shape ('object', or
// 'list' when a bare JSON array is also accepted), and valid(ctx): a body that succeeds.
// ctx.user is a user registered for that route alone (its token is sent on AUTH routes).
const ROUTES = {
  'POST /api/auth/register': {
    fields: { username: 'string!', email: 'string!', password: 'string!', firstName: 'string!', lastName: 'string!' },
    valid: () => {
      const tag = Math.random().toString(36).slice(2, 10);
      return { username: `bi_${tag}`, email: `bi_${tag}@example.org`, password: 'correct horse battery', firstName: 'Bad', lastName: 'Input' };
    },
    ok: 201,
  },
  'POST /api/auth/login': {
    fields: { email: 'string!', password: 'string!' },
    valid: ({ user }) => ({ email: user.body.email, password: user.body.password }),
    ok: 200,
  },
  'POST /api/auth/logout': {
    fields: { refreshToken: 'string!' },
    valid: ({ user }) => ({ refreshToken: user.refreshToken }),
    ok: 200,
  },
  'POST /api/auth/logout-all': {
    fields: {},
    valid: () => ({}),
    ok: 200,
  },
  'POST /api/auth/refresh': {
    fields: { refreshToken: 'string!' },
    valid: ({ user }) => ({ refreshToken: user.refreshToken }),
    ok: 200,
  },
  'POST /api/auth/forgot-password': {
    fields: { email: 'string!' },
    valid: ({ user }) => ({ email: user.body.email }),
    ok: 200,
  },
  'POST /api/auth/reset-password': {
    fields: { token: 'string!', password: 'string!' },
    async prepare({ user }) {
      await api('POST', '/api/auth/forgot-password', { body: { email: user.body.email } });
      return { reset: tokenFromMail(mailTo(user.body.email, /reset/i)) };
    },
    valid: ({ reset }) => ({ token: reset, password: 'another good secret' }),
    ok: 200,
  },
  'POST /api/auth/verify-email': {
    fields: { token: 'string!' },
    prepare: ({ user }) => ({ verify: tokenFromMail(mailTo(user.body.email, /verif/i)) }),
    valid: ({ verify }) => ({ token: verify }),
    ok: 200,
  },
  'POST /api/messages/send': {
    fields: { receiver: 'string!', content: 'string!', messageType: 'string', replyTo: 'string' },
    prepare: async () => ({ peer: await register(server()) }),
    valid: ({ peer }) => ({ receiver: peer.user._id, content: 'Hello there', messageType: 'text' }),
    ok: 201,
  },
  'PUT /api/users/skills/offered': {
    fields: { skills: 'array!' },
    shape: 'list',
    valid: () => ({ skills: [{ skill: 'Juggling', category: 'Sports' }] }),
    ok: 200,
  },
  'PUT /api/users/skills/wanted': {
    fields: { skills: 'array!' },
    shape: 'list',
    valid: () => ({ skills: [{ skill: 'Welding' }] }),
    ok: 200,
  },
  'PUT /api/users/availability': {
    fields: { availability: 'array!', timezone: 'string' },
    shape: 'list',
    valid: () => ({ timezone: 'Europe/Paris', availability: [{ day: 'Monday', timeSlots: [{ startTime: '09:00', endTime: '10:00' }] }] }),
    ok: 200,
  },
  'PUT /api/users/profile': {
    fields: { firstName: 'string', lastName: 'string', bio: 'string', timezone: 'string', country: 'string', languages: 'array' },
    valid: () => ({ firstName: 'Grace', lastName: 'Hopper', bio: 'Compilers.', timezone: 'Asia/Tokyo', country: 'Japan', languages: ['Japanese'] }),
    ok: 200,
  },
};

const jsonRoutes = routeRows().filter((r) => r.flags.includes('SB_ROUTE_JSON'));

test('the route table is read, and every JSON route has an entry here (and no entry is stale)', () => {
  const all = routeRows();
  // the parse found the tables: a route of each group
  for (const p of ['/api/health', '/api/auth/login', '/api/users/profile', '/api/discover/search', '/api/users/upload-avatar']) {
    assert.ok(all.some((r) => r.pattern === p), `${p} not found in the route tables`);
  }
  const keys = jsonRoutes.map((r) => `${r.method} ${r.pattern}`).sort();
  assert.deepEqual(keys.filter((k) => !ROUTES[k]), [], 'JSON routes without a bad-input entry');
  assert.deepEqual(Object.keys(ROUTES).filter((k) => !keys.includes(k)).sort(), [], 'entries without a JSON route');
});

// The bad bodies of a route, each {what, raw | body, status, field (named in errors) }.
function badBodies(entry, valid) {
  const cases = [
    { what: 'malformed JSON', raw: '{"a": ', status: 400, message: /JSON/i },
    { what: 'truncated JSON', raw: JSON.stringify(valid).slice(0, -1), status: 400, message: /JSON/i },
  ];
  const wrongBodies = ['"text"', '42', 'true', 'null', ...(entry.shape === 'list' ? [] : ['[]', '[{"a":1}]'])];
  for (const raw of wrongBodies) cases.push({ what: `body ${raw}`, raw, status: 400 });
  for (const [name, spec] of Object.entries(entry.fields)) {
    const type = spec.replace('!', '');
    // null clears an optional field (bio: null), so it is a wrong type of required ones only
    for (const v of WRONG[type].filter((x) => x !== null || spec.endsWith('!'))) {
      cases.push({ what: `${name}=${JSON.stringify(v)}`, body: { ...valid, [name]: v }, status: 400, field: name });
    }
    if (spec.endsWith('!')) {
      const { [name]: _, ...rest } = valid;
      cases.push({ what: `without ${name}`, body: rest, status: 400, field: name });
    }
  }
  cases.push({ what: 'an unknown field', body: { ...valid, zzUnknown: 1 }, status: 400, field: 'zzUnknown' });
  cases.push({ what: 'an oversized body', body: { ...valid, zzPad: 'x'.repeat(MAX_BODY) }, status: 413, message: /too large/i });
  return cases;
}

for (const row of jsonRoutes) {
  const key = `${row.method} ${row.pattern}`;
  const entry = ROUTES[key];
  if (!entry) continue;   // failed above
  test(`${key}: bad input is a 4xx naming the problem, and changes nothing`, async () => {
    const user = await register(server());
    const ctx = { user, ...(entry.prepare ? await entry.prepare({ user }) : {}) };
    const token = row.flags.includes('SB_ROUTE_AUTH') ? user.token : undefined;
    const valid = entry.valid(ctx);
    let before = snapshot();
    for (const c of badBodies(entry, valid)) {
      const r = c.raw !== undefined
        ? await api(row.method, row.pattern, { token, raw: c.raw, headers: { 'content-type': 'application/json' } })
        : await api(row.method, row.pattern, { token, body: c.body });
      const why = `${c.what}: ${r.status} ${r.text}`;
      assert.equal(r.status, c.status, why);
      assert.equal(r.json?.success, false, why);
      assert.equal(typeof r.json.message, 'string', why);
      assert.ok(r.json.message.length > 0, why);
      if (c.message) assert.match(r.json.message, c.message, why);
      if (c.field) {
        assert.ok((r.json.errors || []).some((e) => e.field === c.field), `${why}: errors[].field lacks ${c.field}`);
        for (const e of r.json.errors) assert.equal(typeof e.message, 'string', why);
      }
      const after = snapshot();
      assert.deepEqual(after, before, `${c.what} changed something`);
      before = after;
    }
    // The valid body works: the faults above were the only difference.
    const ok = await api(row.method, row.pattern, { token, body: valid });
    assert.equal(ok.status, entry.ok, `valid body: ${ok.text}`);
  });
}

test('discover is limited per user (SkillBarterRateLimit discover), others are not', async () => {
  // A server of its own with a small discover limit: 3 per 5 minutes per user.
  const { startServer } = await import('./harness.mjs');
  const s = await startServer({ extra: 'SkillBarterRateLimit discover 3 5m user\n' });
  try {
    const a = await register(s);
    const b = await register(s);
    const get = (u, path = '/api/discover') => s.api('GET', path, { token: u.token });
    for (let i = 0; i < 3; i++) {
      const r = await get(a);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.headers.get('ratelimit-limit'), '3');
      assert.equal(r.headers.get('ratelimit-remaining'), String(2 - i));
    }
    const over = await get(a);
    assert.equal(over.status, 429, over.text);
    assert.equal(over.json.success, false);
    assert.equal(typeof over.json.message, 'string');
    assert.ok(Number(over.headers.get('retry-after')) > 0, 'Retry-After');
    // per user: b has its own 3; the other discover routes are not behind this limiter
    assert.equal((await get(b)).status, 200);
    assert.equal((await get(a, '/api/discover/categories')).status, 200);
    assert.equal((await get(a, '/api/users/profile')).status, 200);
    assert.equal((await get(a)).status, 429);
  } finally {
    await s.stop();
    try {
      s.assertCleanLog();
    } finally {
      s.cleanup();
    }
  }
});
