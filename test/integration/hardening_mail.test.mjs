// Issue 13, account mail: the text states the link's lifetime, mail to one account and reset
// mail asked from one IP are budgeted (same answer when over), and a live reset link is
// mailed again instead of being replaced.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, register } from './harness.mjs';

const server = useServer({ extra: 'SkillBarterMailLimit 3 5 1h\n' });
const api = (...a) => server().api(...a);
const mailsTo = (email) => server().mails().filter((m) => m.includes(`To: ${email}`));
const resetsTo = (email) => mailsTo(email).filter((m) => /reset/i.test(m));
const forgot = (email) => api('POST', '/api/auth/forgot-password', { body: { email } });

function tokenFromMail(mail) {
  const m = mail.match(/token=([A-Za-z0-9_-]+)/);
  assert.ok(m, `no token link in:\n${mail}`);
  return m[1];
}

test('verification and reset mail state the link lifetime in minutes', async () => {
  const { body } = await register(server());
  const [verify] = mailsTo(body.email);
  assert.match(verify, /The link is valid for 1440 minutes\./);
  assert.equal((await forgot(body.email)).status, 200);
  const [reset] = resetsTo(body.email);
  assert.match(reset, /The link is valid for 60 minutes\./);
  assert.doesNotMatch(reset + verify, /%l/);
});

test('a live reset link is mailed again, not superseded, and still works', async () => {
  const { body } = await register(server());
  await forgot(body.email);
  await forgot(body.email);
  const resets = resetsTo(body.email);
  assert.equal(resets.length, 2);
  const [t1, t2] = resets.map(tokenFromMail);
  assert.equal(t1, t2, 'the second request mails the same link');
  const r = await api('POST', '/api/auth/reset-password', { body: { token: t1, password: 'a new secret 99' } });
  assert.equal(r.status, 200, r.text);
});

test('at most 3 mails per account per hour, with the same answer when over', async () => {
  const { body } = await register(server());   // 1: verification
  const answers = [];
  for (let i = 0; i < 3; i++) answers.push(await forgot(body.email));   // 2, 3, then none
  assert.equal(mailsTo(body.email).length, 3);
  const ghost = await forgot('nobody-here@example.org');
  for (const a of answers) {
    assert.equal(a.status, 200);
    assert.equal(a.json.message, ghost.json.message);
  }
});

test('reset mail asked from one IP is budgeted across accounts', async () => {
  // this file has had 5 reset mails sent on requests from 127.0.0.1 so far (budget 5 per hour)
  const { body } = await register(server());
  const r = await forgot(body.email);
  assert.equal(r.status, 200);
  assert.equal(resetsTo(body.email).length, 0);
  assert.equal(mailsTo(body.email).length, 1, 'registration mail is outside the IP budget');
});
