// The per-process cache of verified access tokens (core/sb_jwt.c) must not delay anything the
// guard decides: one server process, so the second use of a token is a cache hit, and every
// way a session ends refuses that cached token on the very next request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { useServer, register } from './harness.mjs';

const server = useServer({
  extra: ['ServerLimit 1', 'StartServers 1', 'ThreadsPerChild 4', 'MaxRequestWorkers 4',
    'MinSpareThreads 1', 'MaxSpareThreads 4'].join('\n'),
});
const api = (...a) => server().api(...a);
const profile = (token) => api('GET', '/api/users/profile', { token });
const part = (jwt, i) => JSON.parse(Buffer.from(jwt.split('.')[i], 'base64url').toString());
const now = () => Math.floor(Date.now() / 1000);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function sign(payload) {
  const key = readFileSync(join(server().root, 'secret', 'jwt.key'), 'utf8').replace(/\s+$/, '');
  const b64 = (x) => Buffer.from(JSON.stringify(x)).toString('base64url');
  const head = `${b64({ alg: 'HS256', typ: 'at+jwt' })}.${b64(payload)}`;
  return `${head}.${createHmac('sha256', key).update(head).digest('base64url')}`;
}

async function cached(token) {   // used twice: the second verification is the cache's
  assert.equal((await profile(token)).status, 200);
  assert.equal((await profile(token)).status, 200);
}

test('logout refuses the cached token on the next request', async () => {
  const { token, refreshToken } = await register(server());
  await cached(token);
  assert.equal((await api('POST', '/api/auth/logout', { body: { refreshToken } })).status, 200);
  const r = await profile(token);
  assert.equal(r.status, 401);
  assert.match(r.json.message, /Session has ended/);
});

test('logout-all refuses every cached token of the caller at once', async () => {
  const a = await register(server());
  const login = await api('POST', '/api/auth/login',
    { body: { email: a.body.email, password: a.body.password } });
  assert.equal(login.status, 200);
  await cached(a.token);
  await cached(login.json.data.token);
  assert.equal((await api('POST', '/api/auth/logout-all', { token: a.token })).status, 200);
  assert.equal((await profile(a.token)).status, 401);
  assert.equal((await profile(login.json.data.token)).status, 401);
});

test('a password reset refuses the cached token issued before it', async () => {
  const { body, token } = await register(server());
  await cached(token);
  await sleep(1100);   // tokens carry whole seconds
  await api('POST', '/api/auth/forgot-password', { body: { email: body.email } });
  const mail = server().mails().reverse().find((m) => m.includes(`To: ${body.email}`) && /reset/i.test(m));
  const t = mail.match(/token=([A-Za-z0-9_-]+)/)[1];
  const r = await api('POST', '/api/auth/reset-password', { body: { token: t, password: 'fresh secret 42' } });
  assert.equal(r.status, 200);
  const old = await profile(token);
  assert.equal(old.status, 401);
});

test('a ban refuses the cached token at once', async () => {
  const { user, token } = await register(server());
  await cached(token);
  assert.equal(server().sbctl('set-status', user._id, 'banned', 'spam').status, 0);
  assert.equal((await profile(token)).status, 403);
});

test('a cached token expires on time', async () => {
  const { token } = await register(server());
  const short = sign({ ...part(token, 1), iat: now(), nbf: now(), exp: now() + 2 });
  await cached(short);
  await sleep(2100);
  const r = await profile(short);
  assert.equal(r.status, 401);
  assert.equal(r.json.message, 'Token expired.');
});
