// SMTP AUTH with the password read from SkillBarterSMTPAuth's file by the jobs runner: the
// loopback server (fixtures/smtp_sink.py with SINK_AUTH) requires AUTH and takes only the
// right credentials; the password never reaches the runner's log.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, chownSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TOP, useServer, freePort, register, waitFor } from './harness.mjs';
import { smtpSink } from './smtp_sink.mjs';

const smtpPort = await freePort();
const SBCTL = join(TOP, 'build', 'sbctl');
const WWW = { uid: 33, gid: 33 };
const server = useServer({
  extra: `SkillBarterMailTransport smtp
SkillBarterSMTP 127.0.0.1 ${smtpPort}
SkillBarterSMTPAuth mailer secret/smtp.password
SkillBarterSMTPTimeout 2s 5s
SkillBarterMailRetry 1h 1s
`,
  beforeStart(root) {
    writeFileSync(join(root, 'secret', 'smtp.password'), 'open sesame\n');
  },
});
const outdir = mkdtempSync(join(tmpdir(), 'sb-smtp-'));
const sink = smtpSink(smtpPort, outdir);
let runner = null;
const startSink = (auth) => sink.start({ SINK_AUTH: auth }, 'ignore');
const stopSink = () => sink.stop();
const settings = () => join(server().root, 'run', 'skillbarter.settings');
const jobsLog = () => join(server().root, 'logs', 'jobs.log');
const rowOf = (email) => spawnSync(SBCTL, ['--settings', settings(), 'mail-queue', 'list'],
  { ...WWW, encoding: 'utf8' }).stdout.split('\n').find((l) => l.includes(` ${email} `));
const delivered = (email) => readdirSync(outdir).filter((f) => f.endsWith('.eml'))
  .map((f) => readFileSync(join(outdir, f), 'utf8')).filter((m) => m.includes(`To: ${email}`));

before(async () => {
  await waitFor(() => server(), 30000, 'the server');
  writeFileSync(jobsLog(), '');
  chownSync(jobsLog(), WWW.uid, WWW.gid);
  // the password file is read by the runner, which runs as the worker user
  chownSync(join(server().root, 'secret'), WWW.uid, WWW.gid);
  chownSync(join(server().root, 'secret', 'smtp.password'), WWW.uid, WWW.gid);
  await startSink('mailer:open sesame');
  runner = spawn(SBCTL, ['--settings', settings(), 'jobs', '--log', jobsLog(), '--interval', '100'],
    { ...WWW, stdio: 'inherit' });
});

after(async () => {
  if (runner) {
    const gone = new Promise((r) => runner.on('exit', r));
    runner.kill('SIGTERM');
    await gone;
  }
  await stopSink();
  rmSync(outdir, { recursive: true, force: true });
});

test('the runner authenticates with the password from the file', async () => {
  const { body } = await register(server());
  await waitFor(() => delivered(body.email).length === 1, 15000, 'delivery');
  assert.match(readFileSync(join(outdir, 'auth.log'), 'utf8'), /^mailer ok$/m);
  assert.match(rowOf(body.email), / sent /);
  assert.doesNotMatch(readFileSync(jobsLog(), 'utf8'), /open sesame/);
});
