// The SQLite driver's per-process cache of users and live sessions (store/sqlite/
// sqlite_user_cache.c) must be exact: after every change — made by this server's children, by
// sbctl (another process) or by a settlement — the very next request sees it. Two children,
// each user read several times first, so whichever child answers has it cached.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { register, useServer } from './harness.mjs';
import {
  sessionServerOpts, teacher, dayStart, booked, act, clockAt, relogin, balance, sql, HOUR, MIN,
} from './sessions_kit.mjs';

const opts = sessionServerOpts(['ServerLimit 2', 'StartServers 2', 'MinSpareThreads 1',
  'MaxSpareThreads 8', 'ThreadsPerChild 4', 'MaxRequestWorkers 8'].join('\n'));
const server = useServer(opts);
const api = (...a) => server().api(...a);
const profile = (token) => api('GET', '/api/users/profile', { token });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Read u's profile often enough that both children hold it (the guard's read and the answer).
async function cached(token) {
  for (let i = 0; i < 6; i++) assert.equal((await profile(token)).status, 200);
}

// The ways a session ends, each applied to a new user cached in both children: end(u) makes
// the change and returns the access tokens the very next request must refuse.
async function resetPassword(u) {
  await sleep(1100); // tokens carry whole seconds
  await api('POST', '/api/auth/forgot-password', { body: { email: u.body.email } });
  const mails = server().mails().filter((m) => m.includes(`To: ${u.body.email}`));
  const link = mails.pop().match(/token=([A-Za-z0-9_-]+)/)[1];
  u.body.password = 'fresh secret 42';
  const r = await api('POST', '/api/auth/reset-password', { body: { token: link, password: u.body.password } });
  assert.equal(r.status, 200, r.text);
  return [u.token];
}
const endings = {
  logout: async (u) => {
    assert.equal((await api('POST', '/api/auth/logout', { body: { refreshToken: u.refreshToken } })).status, 200);
    return [u.token];
  },
  'logout-all': async (u) => {
    const again = await api('POST', '/api/auth/login', { body: { email: u.body.email, password: u.body.password } });
    await cached(again.json.data.token);
    assert.equal((await api('POST', '/api/auth/logout-all', { token: u.token })).status, 200);
    return [u.token, again.json.data.token];
  },
  'a password reset': resetPassword,
};
for (const [name, end] of Object.entries(endings)) {
  test(`${name} ends the cached session on the next request`, async () => {
    const u = await register(server());
    await cached(u.token);
    for (const token of await end(u)) assert.equal((await profile(token)).status, 401);
    const login = await api('POST', '/api/auth/login', { body: { email: u.body.email, password: u.body.password } });
    assert.equal(login.status, 200, login.text); // and the account itself goes on
  });
}

test('a ban by sbctl (another process) is seen on the next request', async () => {
  const { user, token } = await register(server());
  await cached(token);
  const viewer = await register(server());
  for (let i = 0; i < 6; i++) {
    assert.equal((await api('GET', `/api/discover/${user._id}`, { token: viewer.token })).status, 200);
  }
  assert.equal(server().sbctl('set-status', user._id, 'banned', 'spam').status, 0);
  assert.equal((await profile(token)).status, 403);
  assert.equal((await api('GET', `/api/discover/${user._id}`, { token: viewer.token })).status, 404);
  assert.equal(server().sbctl('set-status', user._id, 'active').status, 0);
  assert.equal((await api('GET', `/api/discover/${user._id}`, { token: viewer.token })).status, 200);
});

test('a deactivation by sbctl is seen on the next request', async () => {
  const { user, token } = await register(server());
  await cached(token);
  assert.equal(server().sbctl('set-status', user._id, 'inactive').status, 0);
  const r = await profile(token);
  assert.notEqual(r.status, 200, r.text);
});

test('a profile edit shows in the next profile answer and in /api/discover/:id', async () => {
  const { user, token } = await register(server());
  const viewer = await register(server());
  await cached(token);
  for (let i = 0; i < 6; i++) {
    assert.equal((await api('GET', `/api/discover/${user._id}`, { token: viewer.token })).status, 200);
  }
  for (const bio of ['first edit', 'second edit']) {
    const put = await api('PUT', '/api/users/profile', { token, body: { bio } });
    assert.equal(put.status, 200, put.text);
    assert.equal((await profile(token)).json.data.bio, bio);
    const d = await api('GET', `/api/discover/${user._id}`, { token: viewer.token });
    assert.equal(d.status, 200, d.text);
    assert.equal(d.json.data.bio, bio, d.text);
  }
});

test("a settled session's credits show in both profiles on the next request", async () => {
  const s = server();
  clockAt(s, Date.now());
  const t = await teacher(s);
  const l = await register(s);
  const at = dayStart(3) + 12 * HOUR;
  const id = (await booked(s, l, t, at, 15))._id;
  assert.equal((await act(s, t, id, { action: 'accept' })).status, 200);
  clockAt(s, at);
  await relogin(s, t); await relogin(s, l);
  for (const u of [t, l]) {
    assert.equal((await api('POST', `/api/sessions/${id}/start`, { token: u.token })).status, 200);
  }
  clockAt(s, at + 15 * MIN + 30 * 1000);
  await relogin(s, t); await relogin(s, l);
  await cached(t.token);
  await cached(l.token);
  const before = (await profile(t.token)).json.data.credits;
  const r = await api('POST', `/api/sessions/${id}/end`, { token: l.token });
  assert.equal(r.status, 200, r.text);
  const after = (await profile(t.token)).json.data.credits;
  assert.equal(after, before + 0.25);
  assert.equal(after, (await balance(s, t)).available);
  assert.equal((await profile(l.token)).json.data.credits, (await balance(s, l)).available);
  clockAt(s, Date.now());
});

test('sbctl cache-reset makes a change made with the sqlite3 shell visible', async () => {
  const { user, token } = await register(server());
  await cached(token);
  sql(server(), `UPDATE users SET bio = 'by the shell' WHERE id = '${user._id}'`);
  const r = server().sbctl('cache-reset');
  assert.equal(r.status, 0, r.out);
  for (let i = 0; i < 4; i++) assert.equal((await profile(token)).json.data.bio, 'by the shell');
});
