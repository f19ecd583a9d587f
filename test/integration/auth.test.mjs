// /api/auth: registration, login, token refresh with rotation, logout, email verification,
// password reset — and every bad input the issue lists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, register, newUser } from './harness.mjs';

const server = useServer({}, [/refresh token reuse detected/]);
const api = (...a) => server().api(...a);

function tokenFromMail(mail) {
  const m = mail.match(/token=([A-Za-z0-9_-]+)/);
  assert.ok(m, `no token link in:\n${mail}`);
  return m[1];
}

test('register answers 201 with user, token, refreshToken and expiresIn', async () => {
  const body = newUser();
  const r = await api('POST', '/api/auth/register', { body });
  assert.equal(r.status, 201);
  assert.equal(r.json.success, true);
  const { user, token, refreshToken, expiresIn } = r.json.data;
  assert.match(user._id, /^[0-9a-f]{24}$/);
  assert.equal(user.username, body.username);
  assert.equal(user.email, body.email);
  assert.equal(user.credits, 5);
  assert.equal(user.isVerified, false);
  assert.equal(user.fullName, 'Ada Lovelace');
  assert.equal(token.split('.').length, 3);
  assert.ok(refreshToken.length >= 40);
  assert.equal(expiresIn, 900);
  assert.ok(!('password' in user) && !('passwordHash' in user));
  assert.doesNotMatch(r.text, /\$2[aby]\$/);
});

test('the starting credits are a bonus ledger row and the ledger balances', async () => {
  await register(server());
  const r = server().sbctl('ledger-check');
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /balanced/);
});

test('email addresses are stored lower-cased', async () => {
  const { user } = await register(server(), { email: `MiXeD${Date.now()}@Example.ORG` });
  assert.equal(user.email, user.email.toLowerCase());
});

for (const [field, value, why] of [
  ['username', 'ab', 'too short'],
  ['username', 'a'.repeat(21), 'too long'],
  ['username', 'bad name!', 'bad characters'],
  ['username', 42, 'not a string'],
  ['email', 'not-an-email', 'no @'],
  ['email', 'a@b', 'no dot in domain'],
  ['password', 'short', 'under 8 characters'],
  ['password', 'é'.repeat(37), 'over 72 bytes'],
  ['firstName', 'x'.repeat(51), 'over 50 characters'],
  ['lastName', '', 'empty'],
  ['firstName', null, 'null'],
]) {
  test(`register rejects ${field} (${why}) with a 400 naming the field`, async () => {
    const body = newUser({ [field]: value });
    const r = await api('POST', '/api/auth/register', { body });
    assert.equal(r.status, 400);
    assert.equal(r.json.success, false);
    assert.ok(r.json.errors.some((e) => e.field === field), JSON.stringify(r.json));
    const login = await api('POST', '/api/auth/login', { body: { email: body.email, password: body.password } });
    assert.equal(login.status, 401, 'nothing was created');
  });
}

test('register rejects missing fields, naming each', async () => {
  const r = await api('POST', '/api/auth/register', { body: {} });
  assert.equal(r.status, 400);
  const fields = r.json.errors.map((e) => e.field).sort();
  assert.deepEqual(fields, ['email', 'firstName', 'lastName', 'password', 'username']);
});

test('register refuses server-owned fields such as credits or role', async () => {
  for (const extra of [{ credits: 1000 }, { role: 'admin' }, { isVerified: true }]) {
    const r = await api('POST', '/api/auth/register', { body: newUser(extra) });
    assert.equal(r.status, 400);
    assert.equal(r.json.errors[0].field, Object.keys(extra)[0]);
  }
});

test('duplicate username (any case) and duplicate email are 409', async () => {
  const { body } = await register(server());
  const a = await api('POST', '/api/auth/register', { body: newUser({ username: body.username.toUpperCase() }) });
  assert.equal(a.status, 409);
  assert.equal(a.json.errors[0].field, 'username');
  const b = await api('POST', '/api/auth/register', { body: newUser({ email: body.email.toUpperCase() }) });
  assert.equal(b.status, 409);
  assert.equal(b.json.errors[0].field, 'email');
});

test('concurrent registrations of one username create exactly one account', async () => {
  const username = `race_${Date.now() % 1e9}`;
  const rs = await Promise.all(Array.from({ length: 8 }, (_, i) =>
    api('POST', '/api/auth/register', { body: newUser({ username, email: `race${i}_${Date.now()}@example.org` }) })));
  const codes = rs.map((r) => r.status).sort();
  assert.equal(codes.filter((c) => c === 201).length, 1, codes.join(','));
  assert.ok(codes.filter((c) => c !== 201).every((c) => c === 409), codes.join(','));
});

test('login works with email or username and answers like register', async () => {
  const { body } = await register(server());
  for (const cred of [{ email: body.email }, { email: body.username }, { username: body.username },
    { email: body.email.toUpperCase() }]) {
    const r = await api('POST', '/api/auth/login', { body: { ...cred, password: body.password } });
    assert.equal(r.status, 200, JSON.stringify(cred));
    assert.equal(r.json.data.user.username, body.username);
    assert.ok(r.json.data.token && r.json.data.refreshToken);
    assert.equal(r.json.data.expiresIn, 900);
  }
});

test('unknown user and wrong password get one and the same 401', async () => {
  const { body } = await register(server());
  const a = await api('POST', '/api/auth/login', { body: { email: body.email, password: 'wrong password!' } });
  const b = await api('POST', '/api/auth/login', { body: { email: 'nobody@example.org', password: 'wrong password!' } });
  assert.equal(a.status, 401);
  assert.equal(b.status, 401);
  assert.equal(a.json.message, b.json.message);
});

test('login rejects missing or mistyped fields with 400', async () => {
  for (const [body, want] of [[{}, ['email', 'password']], [{ email: 'a@b.co' }, ['password']],
    [{ password: 'x' }, ['email']], [{ email: 5, password: 'abcdefgh' }, ['email']],
    [{ email: 'a@b.co', password: ['x'] }, ['password']]]) {
    const r = await api('POST', '/api/auth/login', { body });
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(r.json.success, false);
    assert.deepEqual(r.json.errors.map((e) => e.field).sort(), want, JSON.stringify(body));
  }
});

test('refresh rotates the token: new pair works, the old one is refused', async () => {
  const { refreshToken } = await register(server());
  const r1 = await api('POST', '/api/auth/refresh', { body: { refreshToken } });
  assert.equal(r1.status, 200);
  assert.notEqual(r1.json.data.refreshToken, refreshToken);
  assert.ok(r1.json.data.token && r1.json.data.user);
  assert.equal(r1.json.data.expiresIn, 900);
  const p = await api('GET', '/api/users/profile', { token: r1.json.data.token });
  assert.equal(p.status, 200);
  const r2 = await api('POST', '/api/auth/refresh', { body: { refreshToken: r1.json.data.refreshToken } });
  assert.equal(r2.status, 200);
});

test('reusing a rotated refresh token revokes its whole family', async () => {
  const { refreshToken } = await register(server());
  const r1 = await api('POST', '/api/auth/refresh', { body: { refreshToken } });
  assert.equal(r1.status, 200);
  const reuse = await api('POST', '/api/auth/refresh', { body: { refreshToken } });
  assert.equal(reuse.status, 401);
  const next = await api('POST', '/api/auth/refresh', { body: { refreshToken: r1.json.data.refreshToken } });
  assert.equal(next.status, 401, 'the descendant of a reused token is revoked too');
});

test('concurrent refreshes with one token: exactly one wins', async () => {
  const { refreshToken } = await register(server());
  const rs = await Promise.all(Array.from({ length: 6 }, () =>
    api('POST', '/api/auth/refresh', { body: { refreshToken } })));
  assert.equal(rs.filter((r) => r.status === 200).length, 1, rs.map((r) => r.status).join(','));
});

test('refresh rejects unknown, malformed and missing tokens', async () => {
  const unknown = await api('POST', '/api/auth/refresh', { body: { refreshToken: 'nope' } });
  assert.equal(unknown.status, 401, unknown.text);
  assert.equal(unknown.json.message, 'Invalid refresh token.');
  for (const body of [{ refreshToken: '' }, {}, { refreshToken: 7 }]) {
    const r = await api('POST', '/api/auth/refresh', { body });
    assert.equal(r.status, 400, `${JSON.stringify(body)} → ${r.status}`);
    assert.equal(r.json.success, false);
    assert.deepEqual(r.json.errors.map((e) => e.field), ['refreshToken'], JSON.stringify(body));
  }
});

test('logout revokes the refresh token', async () => {
  const { refreshToken } = await register(server());
  const out = await api('POST', '/api/auth/logout', { body: { refreshToken } });
  assert.equal(out.status, 200);
  assert.equal(out.json.success, true);
  const r = await api('POST', '/api/auth/refresh', { body: { refreshToken } });
  assert.equal(r.status, 401);
  const missing = await api('POST', '/api/auth/logout', { body: {} });
  assert.equal(missing.status, 400);
  assert.deepEqual(missing.json.errors.map((e) => e.field), ['refreshToken']);
});

test('registration mails a verification link that verifies once', async () => {
  const { body, token } = await register(server());
  const mail = server().mails().find((m) => m.includes(`To: ${body.email}`));
  assert.ok(mail, 'verification mail in the spool');
  assert.match(mail, /^From: .*\r\nTo: /m);
  assert.match(mail, /\r\nSubject: .+\r\nDate: .+\r\nMessage-ID: <.+>\r\n/);
  const t = tokenFromMail(mail);
  const v = await api('POST', '/api/auth/verify-email', { body: { token: t } });
  assert.equal(v.status, 200);
  const p = await api('GET', '/api/users/profile', { token });
  assert.equal(p.json.data.isVerified, true);
  const again = await api('POST', '/api/auth/verify-email', { body: { token: t } });
  assert.equal(again.status, 400);
  assert.equal(again.json.message, 'Invalid or expired verification token.');
});

test('verify-email rejects bad tokens', async () => {
  const unknown = await api('POST', '/api/auth/verify-email', { body: { token: 'x'.repeat(43) } });
  assert.equal(unknown.status, 400);
  assert.equal(unknown.json.message, 'Invalid or expired verification token.');
  for (const body of [{}, { token: 12 }, { token: '' }]) {
    const r = await api('POST', '/api/auth/verify-email', { body });
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.deepEqual(r.json.errors.map((e) => e.field), ['token'], JSON.stringify(body));
  }
});

test('forgot-password answers the same for unknown addresses and sends nothing', async () => {
  const before = server().mails().length;
  const r = await api('POST', '/api/auth/forgot-password', { body: { email: 'ghost@example.org' } });
  assert.equal(r.status, 200);
  assert.equal(server().mails().length, before);
  const { body } = await register(server());
  const mid = server().mails().length;
  const k = await api('POST', '/api/auth/forgot-password', { body: { email: body.email } });
  assert.equal(k.status, 200);
  assert.equal(k.json.message, r.json.message);
  assert.equal(server().mails().length, mid + 1);
  const bad = await api('POST', '/api/auth/forgot-password', { body: { email: 'nope' } });
  assert.equal(bad.status, 400);
  assert.deepEqual(bad.json.errors.map((e) => e.field), ['email']);
});

test('reset-password sets the password once and revokes refresh tokens', async () => {
  const { body, refreshToken } = await register(server());
  await api('POST', '/api/auth/forgot-password', { body: { email: body.email } });
  const mail = server().mails().reverse().find((m) => m.includes(`To: ${body.email}`) && /reset/i.test(m));
  const t = tokenFromMail(mail);
  const weak = await api('POST', '/api/auth/reset-password', { body: { token: t, password: 'short' } });
  assert.equal(weak.status, 400);
  assert.equal(weak.json.errors[0].field, 'password');
  const r = await api('POST', '/api/auth/reset-password', { body: { token: t, password: 'a brand new secret' } });
  assert.equal(r.status, 200);
  const old = await api('POST', '/api/auth/login', { body: { email: body.email, password: body.password } });
  assert.equal(old.status, 401);
  const fresh = await api('POST', '/api/auth/login', { body: { email: body.email, password: 'a brand new secret' } });
  assert.equal(fresh.status, 200);
  const rt = await api('POST', '/api/auth/refresh', { body: { refreshToken } });
  assert.equal(rt.status, 401, 'refresh tokens from before the reset are revoked');
  const again = await api('POST', '/api/auth/reset-password', { body: { token: t, password: 'yet another secret' } });
  assert.equal(again.status, 400, 'a reset token works once');
  assert.equal(again.json.message, 'Invalid or expired reset token.');
});

test('a password reset also ends access tokens issued before it', async () => {
  const { body, token } = await register(server());
  assert.equal((await api('GET', '/api/users/profile', { token })).status, 200);
  await new Promise((r) => setTimeout(r, 1100));   // tokens carry whole seconds
  await api('POST', '/api/auth/forgot-password', { body: { email: body.email } });
  const mail = server().mails().reverse().find((m) => m.includes(`To: ${body.email}`) && /reset/i.test(m));
  const r = await api('POST', '/api/auth/reset-password', { body: { token: tokenFromMail(mail), password: 'fresh secret 42' } });
  assert.equal(r.status, 200);
  const old = await api('GET', '/api/users/profile', { token });
  assert.equal(old.status, 401);
  assert.match(old.json.message, /password changed/);
  const login = await api('POST', '/api/auth/login', { body: { email: body.email, password: 'fresh secret 42' } });
  assert.equal(login.status, 200);
  assert.equal((await api('GET', '/api/users/profile', { token: login.json.data.token })).status, 200);
});

test('banned and deactivated users cannot log in (403)', async () => {
  const a = await register(server());
  const b = await register(server());
  assert.equal(server().sbctl('set-status', a.user._id, 'banned', 'spam').status, 0);
  assert.equal(server().sbctl('set-status', b.user._id, 'inactive').status, 0);
  const ra = await api('POST', '/api/auth/login', { body: { email: a.body.email, password: a.body.password } });
  const rb = await api('POST', '/api/auth/login', { body: { email: b.body.email, password: b.body.password } });
  assert.equal(ra.status, 403);
  assert.equal(ra.json.message, 'Account is banned: spam');
  assert.equal(rb.status, 403);
  assert.equal(rb.json.message, 'Account is deactivated.');
  // The ban and the deactivation ended both users' sessions: their refresh tokens are revoked.
  const rr = await api('POST', '/api/auth/refresh', { body: { refreshToken: a.refreshToken } });
  assert.equal(rr.status, 401);
  const rd = await api('POST', '/api/auth/refresh', { body: { refreshToken: b.refreshToken } });
  assert.equal(rd.status, 401);
});
