// SMTP delivery with the durable queue (issue 15): httpd queues account mail in the store
// (SkillBarterMailTransport smtp) and `sbctl jobs` delivers it to a real SMTP server on
// loopback (Debian's python3-aiosmtpd, test/integration/fixtures/smtp_sink.py), which keeps
// what it receives. The runner logs to its own file, checked at the end.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  mkdtempSync, readdirSync, readFileSync, existsSync, rmSync, writeFileSync, chownSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TOP, useServer, freePort, register, sleep, waitFor } from './harness.mjs';
import { smtpSink } from './smtp_sink.mjs';

const smtpPort = await freePort();
const SBCTL = join(TOP, 'build', 'sbctl');
const server = useServer({
  extra: `SkillBarterMailTransport smtp
SkillBarterSMTP 127.0.0.1 ${smtpPort} plain
SkillBarterSMTPHelo mail-test.example
SkillBarterSMTPTimeout 2s 5s
SkillBarterMailRetry 1h 1s
SkillBarterMailTemplates "${join(TOP, 'conf', 'mail')}"
`,
});
const api = (...a) => server().api(...a);
const outdir = mkdtempSync(join(tmpdir(), 'sb-smtp-'));
const sink = smtpSink(smtpPort, outdir);
let runner = null;
const WWW = { uid: 33, gid: 33 };   // the store belongs to www-data: the runner runs as it

const startSink = () => sink.start();
const stopSink = () => sink.stop();

const jobsLog = () => join(server().root, 'logs', 'jobs.log');
function sbctlArgs(...args) {
  return ['--settings', join(server().root, 'run', 'skillbarter.settings'), ...args];
}
function startRunner(env = {}) {
  runner = spawn(SBCTL, sbctlArgs('jobs', '--log', jobsLog(), '--interval', '100'),
    { ...WWW, stdio: 'inherit', env: { ...process.env, ...env } });
  const r = runner;
  r.exited = new Promise((resolve) => r.on('exit', (code, sig) => resolve({ code, sig })));
  return r;
}
async function stopRunner() {
  if (!runner) return;
  const r = runner;
  runner = null;
  if (r.exitCode === null && r.signalCode === null) r.kill('SIGTERM');
  await r.exited;
}
function queue(...args) {
  const r = spawnSync(SBCTL, sbctlArgs('mail-queue', ...args), { ...WWW, encoding: 'utf8' });
  return { status: r.status, out: r.stdout + r.stderr };
}

// What the sink received: [{rcpt line, text of the text/plain part, raw}].
function received() {
  return readdirSync(outdir).filter((f) => f.endsWith('.eml')).sort().map((f) => {
    const raw = readFileSync(join(outdir, f), 'utf8');
    return { raw, to: (raw.match(/^To: (.*)$/m) || [])[1]?.trim(), text: plainPart(raw) };
  });
}
function plainPart(raw) {
  const b = raw.match(/boundary="([^"]+)"/);
  const parts = b ? raw.split(`--${b[1]}`) : [raw];
  const p = parts.find((x) => /Content-Type: text\/plain/i.test(x)) || '';
  const [head, ...rest] = p.split(/\r?\n\r?\n/);
  const body = rest.join('\n\n');
  return /Content-Transfer-Encoding: base64/i.test(head)
    ? Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8') : body;
}
const mailsTo = (email) => received().filter((m) => m.to === email);
const rcptTries = (email) => (existsSync(join(outdir, 'rcpt.log'))
  ? readFileSync(join(outdir, 'rcpt.log'), 'utf8').split('\n').filter((l) => l.startsWith(`${email} `))
  : []);
const rowOf = (email) => queue('list').out.split('\n').find((l) => l.includes(` ${email} `));

before(async () => {
  // (the server of useServer() is started by its own hook, which may still be running)
  await waitFor(() => server(), 30000, 'the server');
  writeFileSync(jobsLog(), '');
  chownSync(jobsLog(), WWW.uid, WWW.gid);
  await startSink();
  startRunner();
});

after(async () => {
  await stopRunner();
  await stopSink();
  rmSync(outdir, { recursive: true, force: true });
});

test('a reset mail arrives by SMTP, well formed, with a link that works', async () => {
  const { body } = await register(server());
  const r = await api('POST', '/api/auth/forgot-password', { body: { email: body.email } });
  assert.equal(r.status, 200);
  const mail = await waitFor(() => mailsTo(body.email).find((m) => /reset/i.test(m.raw)),
    15000, 'the reset mail');
  assert.match(mail.raw, /\r\nMessage-ID: <[0-9a-f]{24}@[^>]+>\r\n/);
  assert.match(mail.raw, /\r\nDate: \w{3}, \d\d \w{3} \d{4} /);
  assert.match(mail.raw, /\r\nMIME-Version: 1\.0\r\n/);
  assert.match(mail.raw, /multipart\/alternative/);
  assert.match(mail.raw, /Content-Type: text\/html; charset=UTF-8/);
  assert.doesNotMatch(mail.raw, /List-Unsubscribe/i, 'account mail has no unsubscribe');
  const base = `http://127.0.0.1:${server().port}/reset-password?token=`;
  assert.ok(mail.text.includes(base), `link from SkillBarterPublicURL in:\n${mail.text}`);
  const token = mail.text.match(/token=([A-Za-z0-9_-]+)/)[1];
  const reset = await api('POST', '/api/auth/reset-password',
    { body: { token, password: 'fresh secret 42' } });
  assert.equal(reset.status, 200, reset.text);
  const login = await api('POST', '/api/auth/login',
    { body: { email: body.email, password: 'fresh secret 42' } });
  assert.equal(login.status, 200);
  assert.match(rowOf(body.email) || '', / sent /);
});

test('a 4xx answer is retried with backoff and the mail is delivered once', async () => {
  const email = `tempfail-once-${Date.now()}@example.org`;
  await register(server(), { email });
  await waitFor(() => mailsTo(email).length === 1, 15000, 'the retried mail');
  await sleep(1500);
  assert.equal(mailsTo(email).length, 1);
  assert.deepEqual(rcptTries(email).map((l) => l.split(' ')[1]), ['451', '250']);
  assert.match(rowOf(email), / sent .*attempts=2 /);
});

test('a 5xx answer fails the message for good: recorded, never retried', async () => {
  const email = `perm-${Date.now()}@example.org`;
  await register(server(), { email });
  await waitFor(() => / failed /.test(rowOf(email) || ''), 15000, 'the failed state');
  await sleep(2500);
  assert.equal(rcptTries(email).length, 1, 'one RCPT only');
  assert.equal(mailsTo(email).length, 0);
  assert.match(rowOf(email), /attempts=1 .*error=.*550/);
  assert.match(queue().out, /failed [1-9]/);
});

test('with the SMTP server down the mail waits in the queue and goes when it is back', async () => {
  await stopSink();
  const { body } = await register(server());
  await sleep(2500);
  assert.match(rowOf(body.email), / queued /);
  assert.equal(mailsTo(body.email).length, 0);
  await startSink();
  await waitFor(() => mailsTo(body.email).length === 1, 20000, 'delivery after the outage');
  assert.match(rowOf(body.email), / sent /);
});

test('a server that never greets is a temporary failure after the timeout', async () => {
  await stopSink();
  const conns = new Set();
  const silent = createServer((c) => { conns.add(c); });   // accepts, never says a word
  await new Promise((r) => silent.listen(smtpPort, '127.0.0.1', r));
  const started = Date.now();
  const { body } = await register(server());
  await waitFor(() => /timed out/.test(rowOf(body.email) || ''), 15000, 'the timeout');
  const row = rowOf(body.email);
  assert.match(row, / queued .*error=.*timed out/);
  // (libcurl counts the wait for the greeting in the connect phase: 2s here)
  assert.ok(Date.now() - started >= 1900, 'not before SkillBarterSMTPTimeout\'s 2s');
  await new Promise((r) => { silent.close(r); for (const c of conns) c.destroy(); });
  await startSink();
  await waitFor(() => mailsTo(body.email).length === 1, 20000, 'delivery after the timeout');
});

test('sbctl mail-queue retries a failed message and drops a queued one', async () => {
  const email = `perm-q${Date.now()}@example.org`;
  await register(server(), { email });
  await waitFor(() => / failed /.test(rowOf(email) || ''), 15000, 'the failed state');
  const id = rowOf(email).split(' ')[0];
  assert.equal(queue('drop', 'ffffffffffffffffffffffff').status, 1);
  assert.equal(queue('retry', id).status, 0);
  await waitFor(() => rcptTries(email).length === 2, 15000, 'the operator retry');
  await waitFor(() => / failed /.test(rowOf(email) || ''), 15000, 'failed again');
  assert.equal(queue('drop', id).status, 0);
  assert.equal(rowOf(email), undefined);
});

test('a runner crash between send and bookkeeping does not send the mail twice', async () => {
  await stopRunner();
  const r = startRunner({ SKILLBARTER_JOBS_FAULT: 'exit-after-send' });
  const { body } = await register(server());
  const { code } = await r.exited;
  assert.equal(code, 70, 'the runner exited at the fault');
  assert.equal(mailsTo(body.email).length, 1);
  assert.match(rowOf(body.email), / sending /);
  startRunner();
  await waitFor(() => / failed /.test(rowOf(body.email) || ''), 15000, 'recovery at start');
  assert.match(rowOf(body.email), /interrupted while sending/);
  await sleep(1500);
  assert.equal(mailsTo(body.email).length, 1, 'delivered once');
  const log = readFileSync(jobsLog(), 'utf8');
  assert.match(log, /\[warn\] .*mail: recovered 0 claimed message\(s\) to the queue, 1 interrupted/);
});

test('two runners: one holds the mail lease, the other stays idle', async () => {
  const other = spawn(SBCTL, sbctlArgs('jobs', '--log', jobsLog(), '--interval', '100'),
    { ...WWW, stdio: 'inherit' });
  const otherExit = new Promise((resolve) => other.on('exit', resolve));
  const { body } = await register(server());
  await waitFor(() => mailsTo(body.email).length === 1, 15000, 'delivery');
  await sleep(800);
  assert.equal(mailsTo(body.email).length, 1);
  other.kill('SIGTERM');
  await otherExit;
  const log = readFileSync(jobsLog(), 'utf8');
  const taken = log.split('\n').filter((l) => l.includes(`[pid ${other.pid}] mail: lease taken`));
  assert.equal(taken.length, 0, 'the second runner never took the lease');
});

test('emailNotifications: on by default, turned off and on in the profile', async () => {
  const { token } = await register(server());
  const get = await api('GET', '/api/users/profile', { token });
  assert.equal(get.json.data.emailNotifications, true);
  const off = await api('PUT', '/api/users/profile', { token, body: { emailNotifications: false } });
  assert.equal(off.status, 200, off.text);
  assert.equal(off.json.data.emailNotifications, false);
  const other = await api('PUT', '/api/users/profile', { token, body: { bio: 'still off' } });
  assert.equal(other.json.data.emailNotifications, false);
  const bad = await api('PUT', '/api/users/profile', { token, body: { emailNotifications: 'no' } });
  assert.equal(bad.status, 400);
  assert.deepEqual(bad.json.errors.map((e) => e.field), ['emailNotifications']);
  const on = await api('PUT', '/api/users/profile', { token, body: { emailNotifications: true } });
  assert.equal(on.json.data.emailNotifications, true);
});

test('the runner log has no errors and httpd\'s log none of the runner', async () => {
  await stopRunner();
  const log = readFileSync(jobsLog(), 'utf8');
  assert.deepEqual(log.split('\n').filter((l) => /\[error\]/.test(l)), []);
  assert.match(log, /jobs runner .* stopped/);
  assert.doesNotMatch(server().errorLog(), /mail [0-9a-f]{24}/);
});
