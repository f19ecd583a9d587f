// Accounts in the browser: validation errors (client rules and the server's, on the right
// field), register, reload keeps the session, an expired access token refreshed silently and
// once, logout revokes, the links from the mail spool (verify email, reset password).
import test from 'node:test';
import assert from 'node:assert/strict';
import { setup, shot, assertAccessible, assertNoProblems, register, newUser } from './lib.mjs';

const s = setup(test);
// The link in a mail, whether the body is plain or quoted-printable (=3D for '=').
const linkIn = (mail, path) => {
  const qp = /Content-Transfer-Encoding:\s*quoted-printable/i.test(mail);
  const text = qp ? mail.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16))) : mail;
  const m = text.match(new RegExp(`https?://[^\\s"<>]+${path}\\?token=[A-Za-z0-9_%-]+`));
  assert.ok(m, `a ${path} link in:\n${mail}`);
  return new URL(m[0]);
};

test('the home page and the not-found page', async () => {
  const { page, server } = s;
  await page.goto(server.url('/'));
  await page.getByRole('heading', { name: 'Skill Barter' }).waitFor();
  await shot(page, 'home');
  await assertAccessible(page, 'home');
  await page.goto(server.url('/no/such/page'));
  await page.getByTestId('not-found').waitFor();
  await shot(page, 'not-found');
  await assertAccessible(page, 'not found');
  assertNoProblems(s.browser);
});

test('register: client-side rules, then the server\'s errors on their fields, then success', async () => {
  const { page, server } = s;
  const taken = await register(server);
  await page.goto(server.url('/register'));
  await page.getByRole('button', { name: 'Create account' }).click();
  for (const f of ['firstName', 'lastName', 'username', 'email', 'password']) {
    await page.getByTestId(`error-${f}`).waitFor();
  }
  await page.getByLabel('Username').fill('no spaces!');
  await page.getByLabel('Email').fill('not-an-email');
  await page.getByLabel('Password', { exact: true }).fill('short');
  await page.getByLabel('Confirm password').fill('other');
  await page.getByRole('button', { name: 'Create account' }).click();
  assert.equal(await page.getByTestId('error-username').textContent(), 'Only letters, digits and underscores');
  assert.equal(await page.getByTestId('error-email').textContent(), 'Enter a valid email address');
  assert.match(await page.getByTestId('error-password').textContent(), /at least 8/);
  assert.equal(await page.getByTestId('error-confirm').textContent(), 'Passwords do not match');
  await shot(page, 'register-errors');
  await assertAccessible(page, 'register with errors');
  // valid for the client, but the username is taken: the server's 409 lands on that field
  const u = newUser();
  await page.getByLabel('First name').fill('Grace');
  await page.getByLabel('Last name').fill('Hopper');
  await page.getByLabel('Username').fill(taken.user.username);
  await page.getByLabel('Email').fill(u.email);
  await page.getByLabel('Password', { exact: true }).fill(u.password);
  await page.getByLabel('Confirm password').fill(u.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByTestId('error-username').filter({ hasText: /taken/ }).waitFor();
  assert.equal(await page.getByTestId('error-email').count(), 0);
  assert.match(page.url(), /\/register$/);
  await page.getByLabel('Username').fill(u.username);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByTestId('welcome').waitFor();
  assert.match(page.url(), /\/profile/);
  assert.equal(await page.getByTestId('credits-available').textContent(), '5');
  s.grace = u;
  // reload keeps the session
  await page.reload();
  await page.getByTestId('welcome').waitFor();
  await page.goto(server.url('/dashboard'));
  await page.getByRole('heading', { name: 'Hello, Grace' }).waitFor();
  await shot(page, 'dashboard');
  await assertAccessible(page, 'dashboard');
  assertNoProblems(s.browser);
});

test('an expired access token is refreshed silently, once for all the screen\'s requests', async () => {
  const { page, server } = s;
  const before = await page.evaluate(() => localStorage.getItem('sb.refreshToken'));
  // an access token the server refuses (as an expired one is), the refresh token still good
  await page.evaluate(() => localStorage.setItem('sb.token', 'eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjF9.expired'));
  const refreshes = [];
  const onReq = (r) => { if (r.url().endsWith('/api/auth/refresh')) refreshes.push(r.url()); };
  page.on('request', onReq);
  await page.goto(server.url('/dashboard'));
  await page.getByRole('heading', { name: 'Hello, Grace' }).waitFor();
  await page.getByTestId('recent-activity').waitFor();
  await page.waitForLoadState('networkidle').catch(() => {});
  page.off('request', onReq);
  assert.equal(refreshes.length, 1, 'one refresh for the profile, notifications and balance requests');
  const after = await page.evaluate(() => [localStorage.getItem('sb.token'), localStorage.getItem('sb.refreshToken')]);
  assert.notEqual(after[1], before, 'the refresh token was rotated');
  const me = await server.api('GET', '/api/users/profile', { token: after[0] });
  assert.equal(me.status, 200);
  assert.equal(me.json.data.username, s.grace.username);

  // now several requests at once: discover asks for people, categories, trending and matches
  // together; all of them get a 401, one refresh serves them all, every one is retried
  await page.evaluate(() => localStorage.setItem('sb.token', 'eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjF9.expired'));
  const seen = [];
  const onResp = (r) => {
    const u = new URL(r.url());
    if (u.pathname.startsWith('/api/')) seen.push(`${r.status()} ${u.pathname}`);
  };
  page.on('response', onResp);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Discover' }).click();
  await page.getByRole('heading', { name: 'Discover skills' }).waitFor();
  const want = ['200 /api/discover', '200 /api/discover/categories', '200 /api/discover/trending', '200 /api/discover/matches'];
  for (let i = 0; i < 100 && !want.every((w) => seen.includes(w)); i++) await page.waitForTimeout(100);
  await page.waitForTimeout(300);
  page.off('response', onResp);
  const unauthorized = seen.filter((x) => x.startsWith('401 '));
  assert.ok(unauthorized.length >= 3, `concurrent 401s: ${seen.join(', ')}`);
  assert.equal(seen.filter((x) => x.endsWith('/api/auth/refresh')).length, 1, seen.join(', '));
  for (const w of want) assert.ok(seen.includes(w), `${w} after the retry: ${seen.join(', ')}`);
  assertNoProblems(s.browser);
});

test('logout revokes the refresh token; protected pages send to login; login brings you back', async () => {
  const { page, server } = s;
  const rt = await page.evaluate(() => localStorage.getItem('sb.refreshToken'));
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.getByRole('heading', { name: 'Log in' }).waitFor();
  assert.equal(await page.evaluate(() => localStorage.getItem('sb.refreshToken')), null);
  const r = await server.api('POST', '/api/auth/refresh', { body: { refreshToken: rt } });
  assert.equal(r.status, 401, 'the old refresh token no longer works');
  await page.goto(server.url('/credits'));
  await page.getByRole('heading', { name: 'Log in' }).waitFor();
  await page.getByLabel('Email or username').fill(s.grace.username);
  await page.getByLabel('Password').fill('wrong password');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByTestId('form-error').filter({ hasText: 'Invalid credentials.' }).waitFor();
  await shot(page, 'login-error');
  await assertAccessible(page, 'login');
  await page.getByLabel('Password').fill(s.grace.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByTestId('credits-page').waitFor();
  assert.match(page.url(), /\/credits$/);
  assertNoProblems(s.browser);
});

test('the links in the mail: verify the email, reset the password', async () => {
  const { page, server } = s;
  const u = await register(server);
  const verifyMail = server.mails().find((m) => m.includes(u.body.email) && m.includes('/verify-email'));
  const verify = linkIn(verifyMail, '/verify-email');
  await page.goto(server.url(verify.pathname + verify.search));
  await page.getByTestId('verify-done').waitFor();
  await shot(page, 'verify-email');
  const me = await server.api('GET', '/api/users/profile', { token: u.token });
  assert.equal(me.json.data.isVerified, true);

  await page.evaluate(() => localStorage.clear());
  await page.goto(server.url('/forgot-password'));
  await page.getByLabel('Email').fill('bad');
  await page.getByRole('button', { name: 'Send the link' }).click();
  await page.getByTestId('error-email').waitFor();
  await page.getByLabel('Email').fill(u.body.email);
  await page.getByRole('button', { name: 'Send the link' }).click();
  await page.getByTestId('forgot-sent').waitFor();
  await shot(page, 'forgot-password');
  await assertAccessible(page, 'forgot password');
  let resetMail;
  for (let i = 0; i < 50 && !resetMail; i++) {
    resetMail = server.mails().find((m) => m.includes(u.body.email) && m.includes('/reset-password'));
    if (!resetMail) await new Promise((r) => setTimeout(r, 100));
  }
  const reset = linkIn(resetMail, '/reset-password');
  await page.goto(server.url(reset.pathname + reset.search));
  await page.getByLabel('New password').fill('a brand new secret');
  await page.getByLabel('Confirm password').fill('a brand new secret');
  await shot(page, 'reset-password');
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.getByTestId('reset-done').waitFor();
  const login = await server.api('POST', '/api/auth/login', { body: { email: u.body.email, password: 'a brand new secret' } });
  assert.equal(login.status, 200);
  assertNoProblems(s.browser);
});
