// The session jobs with an injected clock, through `sbctl session-jobs --now MS` against the
// real server's store: reminders once each, expiry, no-show (and its penalty), abandonment
// paid to the last presence; several runners at once apply every step once. And the test
// clock itself cannot be switched on without -D SB_TESTING.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useServer, register, makeRoot, httpdRun, TOP } from './harness.mjs';
import {
  sessionServerOpts, teacher, dayStart, booked, balance, act, clockAt, relogin, ledgerCheck, sql,
  midDayZone, HOUR, MIN,
} from './sessions_kit.mjs';

const server = useServer(sessionServerOpts());
const api = (...a) => server().api(...a);

function tick(at, ...more) {
  const r = server().sbctl('session-jobs', '--now', String(at), ...more);
  assert.equal(r.status, 0, r.out);
  const m = r.out.match(/expired (\d+), no_show (\d+), abandoned (\d+), reminders (\d+), skipped (\d+)/);
  assert.ok(m, r.out);
  const [expired, noShow, abandoned, reminders] = m.slice(1).map(Number);
  return { expired, noShow, abandoned, reminders };
}

function events(userId, type) {
  const r = server().sbctl('outbox-read', userId, '0', '1000');
  assert.equal(r.status, 0, r.out);
  return r.out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((e) => e.type === type);
}

test('SkillBarterTestClockFile is refused unless httpd runs with -D SB_TESTING', async () => {
  const { root } = await makeRoot({ extra: 'SkillBarterTestClockFile clock\n' });
  try {
    const r = httpdRun(root, ['-t']);
    assert.notEqual(r.status, 0, r.out);
    assert.match(r.out, /SkillBarterTestClockFile is accepted only when httpd runs with -D SB_TESTING/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('sbctl session-jobs refuses a bad --now', () => {
  const r = server().sbctl('session-jobs', '--now', 'soon');
  assert.equal(r.status, 2, r.out);
  assert.match(r.out, /--now MS/);
});

test('reminders 24 h, 1 h and 15 min before, each once, as events and notifications', async () => {
  const s = server();
  clockAt(s, Date.now());
  const t = await teacher(s);
  const l = await register(s);
  const at = dayStart(3) + 10 * HOUR;
  const id = (await booked(s, l, t, at, 60))._id;
  assert.equal((await act(s, t, id, { action: 'accept' })).status, 200);
  assert.equal(tick(at - 25 * HOUR).reminders, 0);
  assert.equal(tick(at - 24 * HOUR).reminders, 1);
  assert.equal(tick(at - 24 * HOUR + MIN).reminders, 0);
  assert.equal(tick(at - 59 * MIN).reminders, 1);
  assert.equal(tick(at - 58 * MIN).reminders, 0);
  assert.equal(tick(at - 10 * MIN).reminders, 1);
  assert.equal(tick(at - 9 * MIN).reminders, 0);
  for (const u of [t, l]) {
    const ev = events(u.user._id, 'session:reminder');
    assert.deepEqual(ev.map((e) => e.data.reminder), ['24h', '1h', '15min']);
    assert.equal(ev[0].data.sessionId, id);
    const r = await api('GET', '/api/notifications?limit=50', { token: u.token });
    assert.equal(r.json.data.filter((n) => n.type === 'session_reminder').length, 3);
  }
  const r = await api('GET', `/api/sessions/${id}`, { token: l.token });
  assert.deepEqual(r.json.data.remindersSent.map((x) => x.type), ['24h', '1h', '15min']);
});

test('each reminder mails both participants once, through the queue into the spool', async () => {
  // The mail is due when the reminder is recorded and the runner delivers by the real clock,
  // so these sessions start a little less than 24 h and 1 h from now.
  const s = server();
  clockAt(s, Date.now());
  // a teacher whose day is far from its end: 50 minutes from now must not run past midnight
  const t = await teacher(s, { timezone: midDayZone() });
  const l = await register(s);
  const minute = (ms) => Math.ceil(ms / MIN) * MIN;
  const day = (await booked(s, l, t, minute(Date.now() + 24 * HOUR - 10 * MIN), 45))._id;
  const hour = (await booked(s, l, t, minute(Date.now() + 50 * MIN), 30))._id;
  for (const id of [day, hour]) assert.equal((await act(s, t, id, { action: 'accept' })).status, 200);
  const settings = join(s.root, 'run', 'skillbarter.settings');
  // with the settings file the tick knows the mail settings (without it, as tick(), no mail)
  const jobsNow = () => {
    const r = spawnSync(join(TOP, 'build', 'sbctl'),
      ['--settings', settings, 'session-jobs', '--now', String(Date.now())], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    return r.stdout;
  };
  const queued = (id) => sql(s, `SELECT rcpt, kind FROM mail_queue WHERE state = 'queued' AND message LIKE '%/sessions/${id}%' ORDER BY rcpt`);
  const deliver = () => {   // the jobs runner, as the worker user: the queue into the spool
    const log = join(s.root, 'logs', 'jobs-mail.log');
    writeFileSync(log, '');
    chownSync(log, 33, 33);
    const r = spawnSync(join(TOP, 'build', 'sbctl'), ['--settings', settings, 'jobs', '--once', '--log', log],
      { encoding: 'utf8', timeout: 30000, uid: 33, gid: 33 });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.doesNotMatch(readFileSync(log, 'utf8'), /\[(error|warn)\]/);
  };
  const mailsAbout = (id) => s.mails().filter((m) => m.includes(`/sessions/${id}`));
  const to = (m) => (m.match(/^To: (.*)$/m) || [])[1].trim();
  const both = [t.body.email, l.body.email].sort();

  // the learner turns notification mail off only after the first reminder went
  assert.match(jobsNow(), /reminders 2/);
  assert.deepEqual(queued(day), both.map((rcpt) => ({ rcpt, kind: 'notification' })));
  assert.equal(queued(hour).length, 2);
  assert.match(jobsNow(), /reminders 0/);
  assert.equal(queued(day).length + queued(hour).length, 4);
  deliver();
  assert.equal(queued(day).length + queued(hour).length, 0);
  const mails = mailsAbout(day);
  assert.deepEqual(mails.map(to).sort(), both);
  for (const m of mails) {
    assert.match(m, /^Subject: Upcoming session: Guitar in 24 hours\r$/m);
    assert.match(m, /^List-Unsubscribe: </m);
    assert.match(m, /starts in 24 hours/);
  }
  assert.deepEqual(mailsAbout(hour).map(to).sort(), both);
  assert.ok(mailsAbout(hour).every((m) => /in one hour/.test(m)));
  // 15 minutes before the second one, with the learner's notification mail off: the teacher only
  assert.equal((await api('PUT', '/api/users/profile', { token: l.token, body: { emailNotifications: false } })).status, 200);
  const r = spawnSync(join(TOP, 'build', 'sbctl'),
    ['--settings', settings, 'session-jobs', '--now', String(minute(Date.now() + 50 * MIN) - 14 * MIN)], { encoding: 'utf8' });
  assert.match(r.stdout, /reminders 1/, r.stdout + r.stderr);
  assert.deepEqual(queued(hour).map((q) => q.rcpt), [t.body.email]);
  assert.equal(events(l.user._id, 'session:reminder').filter((e) => e.data.sessionId === hour).length, 2);
});

test('expiry, no-show (the whole hold when only the teacher came) and abandonment', async () => {
  const s = server();
  clockAt(s, Date.now());
  const t = await teacher(s);
  const l = await register(s);
  const at = dayStart(5) + 8 * HOUR;
  const pending = (await booked(s, l, t, at, 15))._id;
  const nobody = (await booked(s, l, t, at + 2 * HOUR, 30))._id;
  const alone = (await booked(s, l, t, at + 4 * HOUR, 60))._id;
  const left = (await booked(s, l, t, at + 6 * HOUR, 60))._id;
  for (const id of [nobody, alone, left]) assert.equal((await act(s, t, id, { action: 'accept' })).status, 200);
  assert.deepEqual(await balance(s, l).then((b) => [b.available, b.held]), [2.25, 2.75]);

  assert.equal(tick(at - 1).expired, 0);
  assert.equal(tick(at).expired, 1);
  assert.equal(tick(at).expired, 0);
  assert.equal((await api('GET', `/api/sessions/${pending}`, { token: l.token })).json.data.status, 'expired');
  assert.equal((await balance(s, l)).available, 2.5);

  assert.equal(tick(at + 2 * HOUR + 14 * MIN).noShow, 0);
  assert.equal(tick(at + 2 * HOUR + 15 * MIN).noShow, 1);
  assert.equal((await balance(s, l)).available, 3);   // nobody came: no penalty

  clockAt(s, at + 4 * HOUR);
  await relogin(s, t);
  assert.equal((await api('POST', `/api/sessions/${alone}/start`, { token: t.token })).status, 200);
  assert.equal(tick(at + 4 * HOUR + 15 * MIN).noShow, 1);
  assert.equal((await api('GET', `/api/sessions/${alone}`, { token: t.token })).json.data.status, 'no_show');
  await relogin(s, l);
  assert.equal((await balance(s, l)).available, 3);   // the hold of 1 is the penalty
  assert.equal((await balance(s, t)).available, 5);
  assert.ok(events(l.user._id, 'session:ended').some((e) => e.data.sessionId === alone && e.data.status === 'no_show'));

  clockAt(s, at + 6 * HOUR);
  await relogin(s, t);
  await relogin(s, l);
  assert.equal((await api('POST', `/api/sessions/${left}/start`, { token: t.token })).status, 200);
  assert.equal((await api('POST', `/api/sessions/${left}/start`, { token: l.token })).status, 200);
  clockAt(s, at + 6 * HOUR + 20 * MIN + 30 * 1000);
  await relogin(s, l);
  assert.equal((await api('GET', `/api/sessions/${left}/room`, { token: l.token })).status, 200);
  assert.equal(tick(at + 6 * HOUR + 75 * MIN).abandoned, 0);
  assert.equal(tick(at + 6 * HOUR + 76 * MIN).abandoned, 1);
  const r = await api('GET', `/api/sessions/${left}`, { token: l.token });
  assert.equal(r.json.data.status, 'abandoned');
  assert.equal(r.json.data.actualDuration, 20);
  await relogin(s, t);
  assert.equal((await balance(s, t)).available, 5.33);   // 5 h 20 min
  assert.equal((await balance(s, l)).available, 3.67);   // 3 h 40 min
  clockAt(s, Date.now());
  ledgerCheck(s);
});

test('four runners ticking at once apply every step once', async () => {
  const s = server();
  clockAt(s, Date.now());
  const t = await teacher(s);
  const l = await register(s);
  const at = dayStart(20) + 2 * HOUR;
  const ids = [];
  for (let i = 0; i < 8; i++) ids.push((await booked(s, l, t, at + i * 30 * MIN, 15))._id);
  const when = String(at + 8 * 30 * MIN);
  const runs = await Promise.all([0, 1, 2, 3].map(() => new Promise((resolve) => {
    const p = spawn(join(TOP, 'build', 'sbctl'), [s.storeUri, 'session-jobs', '--now', when]);
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { out += d; });
    p.on('close', (code) => resolve({ code, out }));
  })));
  let expired = 0;
  for (const r of runs) {
    assert.equal(r.code, 0, r.out);
    expired += Number(r.out.match(/expired (\d+)/)[1]);
  }
  assert.equal(expired, 8, runs.map((r) => r.out).join(''));
  const list = ids.map((x) => `'${x}'`).join(',');
  assert.deepEqual(sql(s, `SELECT count(*) AS n FROM credit_transactions WHERE related_session IN (${list}) AND type = 'refund'`), [{ n: 8 }]);
  assert.equal(events(l.user._id, 'session:ended').filter((e) => ids.includes(e.data.sessionId)).length, 8);
  assert.equal((await balance(s, l)).available, 5);
  ledgerCheck(s);
});

test('the jobs runner (sbctl jobs) runs the session job: a request whose start passed expires', async () => {
  const s = server();
  clockAt(s, Date.now());
  const t = await teacher(s);
  const l = await register(s);
  const at = dayStart(6) + 9 * HOUR;
  const id = (await booked(s, l, t, at, 15))._id;
  // the request's start moves into the past (the runner uses the real clock)
  sql(s, `UPDATE sessions SET scheduled_time = ${Date.now() - HOUR} WHERE id = '${id}'`);
  // as the worker user, as make run starts it (the store's files stay the worker's)
  const log = join(s.root, 'logs', 'jobs-once.log');
  writeFileSync(log, '');
  chownSync(log, 33, 33);
  const r = spawnSync(join(TOP, 'build', 'sbctl'),
    ['--settings', join(s.root, 'run', 'skillbarter.settings'), 'jobs', '--once', '--log', log],
    { encoding: 'utf8', timeout: 30000, uid: 33, gid: 33 });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.equal((await api('GET', `/api/sessions/${id}`, { token: l.token })).json.data.status, 'expired');
  assert.match(readFileSync(log, 'utf8'), /sessions: expired 1/);
});
