// Issue 13, accounts: an access token belongs to a session (sid = its refresh-token family)
// and stops working the moment that session ends; registered claims and explicit typing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { useServer, register } from './harness.mjs';

const server = useServer({}, [/refresh token reuse detected/]);
const api = (...a) => server().api(...a);
const profile = (token) => api('GET', '/api/users/profile', { token });
const part = (jwt, i) => JSON.parse(Buffer.from(jwt.split('.')[i], 'base64url').toString());
const now = () => Math.floor(Date.now() / 1000);

function sign(header, payload) {
  const key = readFileSync(join(server().root, 'secret', 'jwt.key'), 'utf8').replace(/\s+$/, '');
  const b64 = (x) => Buffer.from(JSON.stringify(x)).toString('base64url');
  const head = `${b64(header)}.${b64(payload)}`;
  return `${head}.${createHmac('sha256', key).update(head).digest('base64url')}`;
}

async function login(body) {
  const r = await api('POST', '/api/auth/login', { body: { email: body.email, password: body.password } });
  assert.equal(r.status, 200, r.text);
  return r.json.data;
}

test('issued tokens are typed at+jwt and carry aud, nbf, jti and the session id', async () => {
  const { token } = await register(server());
  const h = part(token, 0), c = part(token, 1);
  assert.equal(h.typ, 'at+jwt');
  assert.equal(h.alg, 'HS256');
  assert.equal(c.aud, 'skillbarter-api');
  assert.equal(c.nbf, c.iat);
  assert.match(c.jti, /^[0-9a-f]{24}$/);
  assert.match(c.sid, /^[0-9a-f]{24}$/);
});

test('logout ends the access token of that session at once, not the other sessions', async () => {
  const { token, refreshToken, body } = await register(server());
  const other = await login(body);
  assert.equal((await profile(token)).status, 200);
  const out = await api('POST', '/api/auth/logout', { body: { refreshToken } });
  assert.equal(out.status, 200);
  const r = await profile(token);
  assert.equal(r.status, 401);
  assert.match(r.json.message, /Session has ended/);
  assert.equal((await profile(other.token)).status, 200, 'another login is another session');
});

test('a refreshed access token stays in its session and ends with it', async () => {
  const { token, refreshToken } = await register(server());
  const r = await api('POST', '/api/auth/refresh', { body: { refreshToken } });
  assert.equal(r.status, 200);
  assert.equal(part(r.json.data.token, 1).sid, part(token, 1).sid);
  assert.equal((await profile(r.json.data.token)).status, 200);
  await api('POST', '/api/auth/logout', { body: { refreshToken: r.json.data.refreshToken } });
  assert.equal((await profile(r.json.data.token)).status, 401);
  assert.equal((await profile(token)).status, 401);
});

test('refresh-token reuse ends the access tokens of the family', async () => {
  const { refreshToken } = await register(server());
  const r = await api('POST', '/api/auth/refresh', { body: { refreshToken } });
  assert.equal((await profile(r.json.data.token)).status, 200);
  const reuse = await api('POST', '/api/auth/refresh', { body: { refreshToken } });
  assert.equal(reuse.status, 401);
  assert.equal((await profile(r.json.data.token)).status, 401);
});

test('POST /api/auth/logout-all ends every session of the caller only', async () => {
  const a = await register(server());
  const a2 = await login(a.body);
  const b = await register(server());
  assert.equal((await api('POST', '/api/auth/logout-all', {})).status, 401, 'needs a token');
  const r = await api('POST', '/api/auth/logout-all', { token: a2.token });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.success, true);
  assert.equal((await profile(a.token)).status, 401);
  assert.equal((await profile(a2.token)).status, 401);
  for (const refreshToken of [a.refreshToken, a2.refreshToken]) {
    assert.equal((await api('POST', '/api/auth/refresh', { body: { refreshToken } })).status, 401);
  }
  assert.equal((await profile(b.token)).status, 200);
  const again = await login(a.body);
  assert.equal((await profile(again.token)).status, 200, 'a new login is a new session');
});

test('a token with nbf in the future, another audience or no typ is refused', async () => {
  const { user, token } = await register(server());
  const good = { ...part(token, 1), iat: now(), exp: now() + 60 };
  const typed = { alg: 'HS256', typ: 'at+jwt' };
  assert.equal((await profile(sign(typed, good))).status, 200, 'harness sanity');
  assert.equal((await profile(sign(typed, { ...good, nbf: now() + 30 }))).status, 200,
    'within the leeway');
  const cases = {
    nbf: sign(typed, { ...good, nbf: now() + 3600 }),
    aud: sign(typed, { ...good, aud: 'another-service' }),
    noaud: sign(typed, (({ aud, ...rest }) => rest)(good)),
    nosid: sign(typed, (({ sid, ...rest }) => rest)(good)),
    typ: sign({ alg: 'HS256', typ: 'JWT' }, good),
    notyp: sign({ alg: 'HS256' }, good),
  };
  for (const [name, t] of Object.entries(cases)) {
    const r = await profile(t);
    assert.equal(r.status, 401, name);
  }
  assert.equal(user.email.includes('@'), true);
});

test('a ban ends the sessions it interrupts: lifting it does not revive them', async () => {
  const { user, token, refreshToken, body } = await register(server());
  assert.equal(server().sbctl('set-status', user._id, 'banned', 'spam').status, 0);
  assert.equal((await profile(token)).status, 403);
  assert.equal(server().sbctl('set-status', user._id, 'active').status, 0);
  const r = await profile(token);
  assert.equal(r.status, 401);
  assert.match(r.json.message, /Session has ended/);
  assert.equal((await api('POST', '/api/auth/refresh', { body: { refreshToken } })).status, 401);
  assert.equal((await profile((await login(body)).token)).status, 200);
});
