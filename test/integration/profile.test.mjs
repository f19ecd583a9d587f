// GET/PUT /api/users/profile and the access-token guard in front of them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { useServer, register } from './harness.mjs';

const server = useServer();
const api = (...a) => server().api(...a);

const b64url = (x) => Buffer.from(typeof x === 'string' ? x : JSON.stringify(x)).toString('base64url');
function secret() {
  return readFileSync(join(server().root, 'secret', 'jwt.key'), 'utf8').replace(/\s+$/, '');
}
function sign(header, payload, key = secret(), alg = 'sha256') {
  const head = `${b64url(header)}.${b64url(payload)}`;
  return `${head}.${createHmac(alg, key).update(head).digest('base64url')}`;
}
const now = () => Math.floor(Date.now() / 1000);

test('profile returns the caller without secrets', async () => {
  const { token, user } = await register(server());
  const r = await api('GET', '/api/users/profile', { token });
  assert.equal(r.status, 200);
  assert.equal(r.json.data._id, user._id);
  assert.equal(r.json.data.credits, 5);
  assert.ok(!JSON.stringify(r.json).includes('$2y$'));
  assert.ok(!('password' in r.json.data));
});

test('no token, a garbage token or a wrong scheme is 401', async () => {
  for (const headers of [{}, { authorization: 'Bearer nope' }, { authorization: 'Basic YTpi' },
    { authorization: 'Bearer a.b.c' }]) {
    const r = await api('GET', '/api/users/profile', { headers });
    assert.equal(r.status, 401, JSON.stringify(headers));
    assert.equal(r.json.success, false);
  }
});

test('a token signed by the server secret verifies (harness sanity)', async () => {
  const { user, token } = await register(server());
  const { sid } = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
  const t = sign({ alg: 'HS256', typ: 'at+jwt' }, { sub: user._id, iss: 'skillbarter', aud: 'skillbarter-api', sid, jti: 'j1', iat: now(), exp: now() + 60, role: 'user' });
  const r = await api('GET', '/api/users/profile', { token: t });
  assert.equal(r.status, 200, r.text);
});

test('alg none, another alg, a bad signature, a wrong issuer or an old exp are 401', async () => {
  const { user, token } = await register(server());
  const { sid } = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
  const claims = { sub: user._id, iss: 'skillbarter', aud: 'skillbarter-api', sid, jti: 'j1', iat: now(), exp: now() + 60, role: 'user' };
  const cases = {
    none: `${b64url({ alg: 'none', typ: 'at+jwt' })}.${b64url(claims)}.`,
    hs512: sign({ alg: 'HS512', typ: 'at+jwt' }, claims, secret(), 'sha512'),
    badsig: sign({ alg: 'HS256', typ: 'at+jwt' }, claims, 'x'.repeat(48)),
    issuer: sign({ alg: 'HS256', typ: 'at+jwt' }, { ...claims, iss: 'someone-else' }),
    expired: sign({ alg: 'HS256', typ: 'at+jwt' }, { ...claims, iat: now() - 120, exp: now() - 60 }),
  };
  for (const [name, t] of Object.entries(cases)) {
    const r = await api('GET', '/api/users/profile', { token: t });
    assert.equal(r.status, 401, name);
    if (name === 'expired') assert.match(r.json.message, /expired/i);
  }
});

test('a valid token for a user that does not exist is 401', async () => {
  const t = sign({ alg: 'HS256', typ: 'JWT' }, { sub: 'a'.repeat(24), iss: 'skillbarter', iat: now(), exp: now() + 60 });
  const r = await api('GET', '/api/users/profile', { token: t });
  assert.equal(r.status, 401);
});

test('banned or deactivated users get 403 on authenticated routes', async () => {
  const a = await register(server());
  const b = await register(server());
  server().sbctl('set-status', a.user._id, 'banned', 'abuse');
  server().sbctl('set-status', b.user._id, 'inactive');
  const ra = await api('GET', '/api/users/profile', { token: a.token });
  assert.equal(ra.status, 403);
  assert.equal(ra.json.message, 'Account is banned: abuse');
  const rb = await api('PUT', '/api/users/profile', { token: b.token, body: { bio: 'x' } });
  assert.equal(rb.status, 403);
  assert.equal(rb.json.message, 'Account is deactivated.');
  assert.equal(server().sbctl('set-status', b.user._id, 'active').status, 0);
  // The deactivation ended b's sessions too: a fresh login shows the refused update changed nothing.
  assert.equal((await api('GET', '/api/users/profile', { token: b.token })).status, 401);
  const bl = await api('POST', '/api/auth/login', { body: { email: b.body.email, password: b.body.password } });
  assert.notEqual((await api('GET', '/api/users/profile', { token: bl.json.data.token })).json.data.bio, 'x',
    'the refused update changed nothing');
  server().sbctl('set-status', a.user._id, 'active');
  // The ban ended the sessions it interrupted: the old token stays refused, a new login works.
  assert.equal((await api('GET', '/api/users/profile', { token: a.token })).status, 401);
  const again = await api('POST', '/api/auth/login', { body: { email: a.body.email, password: a.body.password } });
  assert.equal((await api('GET', '/api/users/profile', { token: again.json.data.token })).status, 200);
});

test('PUT profile updates the editable fields and returns the user', async () => {
  const { token } = await register(server());
  const body = { firstName: 'Grace', lastName: 'Hopper', bio: 'Compilers and COBOL.',
    timezone: 'America/New_York', country: 'USA', languages: ['English', 'Español'] };
  const r = await api('PUT', '/api/users/profile', { token, body });
  assert.equal(r.status, 200, r.text);
  for (const [k, v] of Object.entries(body)) assert.deepEqual(r.json.data[k], v, k);
  assert.equal(r.json.data.fullName, 'Grace Hopper');
  const g = await api('GET', '/api/users/profile', { token });
  assert.equal(g.json.data.bio, 'Compilers and COBOL.');
  const partial = await api('PUT', '/api/users/profile', { token, body: { bio: null } });
  assert.equal(partial.status, 200);
  assert.equal(partial.json.data.bio ?? null, null);
  assert.equal(partial.json.data.firstName, 'Grace', 'absent fields stay');
});

test('PUT profile refuses server-owned fields, naming each', async () => {
  const { token } = await register(server());
  for (const field of ['credits', 'rating', 'role', 'isBanned', 'banReason', 'isVerified', 'totalReviews', 'email']) {
    const r = await api('PUT', '/api/users/profile', { token, body: { bio: 'ok', [field]: 1 } });
    assert.equal(r.status, 400, field);
    assert.ok(r.json.errors.some((e) => e.field === field), field);
  }
  const p = await api('GET', '/api/users/profile', { token });
  assert.equal(p.json.data.credits, 5);
  assert.notEqual(p.json.data.bio, 'ok', 'nothing changed');
});

test('PUT profile validates types, lengths and the time zone', async () => {
  const { token } = await register(server());
  const cases = [
    ['firstName', 'x'.repeat(51)], ['firstName', ''], ['lastName', 12], ['bio', 'b'.repeat(501)],
    ['timezone', 'Mars/Olympus'], ['timezone', '../../etc/passwd'], ['languages', 'English'],
    ['languages', [1, 2]], ['languages', Array(21).fill('x')], ['unknownField', 'x'],
  ];
  for (const [field, value] of cases) {
    const r = await api('PUT', '/api/users/profile', { token, body: { [field]: value } });
    assert.equal(r.status, 400, `${field}=${JSON.stringify(value)}`);
    assert.ok(r.json.errors.some((e) => e.field.startsWith(field)), `${field}: ${r.text}`);
  }
});
