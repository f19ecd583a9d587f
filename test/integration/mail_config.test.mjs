// The mail directives: configtest names a bad value; smtp without a server refuses to start;
// the settings file carries what the jobs runner needs, never the SMTP password itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, readFileSync, rmSync, chownSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { TOP, makeRoot, httpdCtl, startServer } from './harness.mjs';

async function configtest(extra) {
  const { root } = await makeRoot({ extra });
  const r = httpdCtl(root, '-t');
  rmSync(root, { recursive: true, force: true });
  return r;
}

test('the mail directives pass configtest with good values', async () => {
  const r = await configtest(`SkillBarterMailTransport smtp
SkillBarterSMTP mail.example.org 587 starttls
SkillBarterSMTPHelo app.example.org
SkillBarterSMTPTimeout 10s 1m
SkillBarterMailRetry 2d 1m
`);
  assert.equal(r.status, 0, r.out);
});

for (const [directive, value] of [
  ['SkillBarterMailTransport', 'sendmail'],
  ['SkillBarterSMTP', 'mail.example.org 0'],
  ['SkillBarterSMTP', 'mail.example.org 25 ssl'],
  ['SkillBarterSMTP', 'user@mail.example.org'],
  ['SkillBarterSMTPAuth', 'user /nonexistent/password'],
  ['SkillBarterSMTPHelo', '"two words"'],
  ['SkillBarterSMTPTimeout', '0s 1m'],
  ['SkillBarterSMTPTimeout', '10s 2h'],
  ['SkillBarterMailRetry', 'forever'],
  ['SkillBarterMailRetry', '1d 0s'],
  ['SkillBarterMailTemplates', '/nonexistent/templates'],
]) {
  test(`configtest rejects ${directive} ${value} and names it`, async () => {
    const r = await configtest(`${directive} ${value}\n`);
    assert.notEqual(r.status, 0);
    assert.match(r.out, new RegExp(directive));
  });
}

test('SkillBarterMailTransport smtp without SkillBarterSMTP refuses to start', async () => {
  const { root } = await makeRoot({ extra: 'SkillBarterMailTransport smtp\n' });
  try {
    const r = httpdCtl(root, '-k', 'start');
    const log = readFileSync(join(root, 'logs', 'error.log'), 'utf8');
    assert.match(r.out + log, /SkillBarterMailTransport smtp needs SkillBarterSMTP/);
    httpdCtl(root, '-k', 'stop');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('the settings file names the SMTP settings and the password file, not the password',
  async () => {
    let pwfile = null;
    const server = await startServer({
      beforeStart(root) {
        pwfile = join(root, 'secret', 'smtp.password');
        writeFileSync(pwfile, 'hunter2-not-in-settings\n');
      },
      extra: `SkillBarterMailTransport smtp
SkillBarterSMTP 127.0.0.1 2525 tls
SkillBarterSMTPHelo helo.example
SkillBarterSMTPTimeout 3s 20s
SkillBarterMailRetry 6h 30s
SkillBarterSMTPAuth mailer secret/smtp.password
`,
    });
    try {
      const st = readFileSync(join(server.root, 'run', 'skillbarter.settings'), 'utf8');
      for (const line of ['mail_transport smtp', 'smtp_host 127.0.0.1', 'smtp_port 2525',
        'smtp_tls tls', 'smtp_helo helo.example', 'smtp_connect_timeout 3',
        'smtp_timeout 20', 'mail_retry_for 21600', 'mail_backoff 30', 'smtp_user mailer',
        `smtp_password_file ${pwfile}`]) {
        assert.ok(st.split('\n').includes(line), `${line} in:\n${st}`);
      }
      assert.doesNotMatch(st, /hunter2/);
      assert.ok(pwfile);
    } finally {
      await server.stop();
      server.assertCleanLog();
      server.cleanup();
    }
  });

test('with the spool transport the runner runs the mail job on the spool and exits cleanly',
  async () => {
    const server = await startServer({});
    try {
      const log = join(server.root, 'logs', 'jobs.log');
      writeFileSync(log, '');
      chownSync(log, 33, 33);
      const r = spawnSync(join(TOP, 'build', 'sbctl'),
        ['--settings', join(server.root, 'run', 'skillbarter.settings'), 'jobs', '--once',
          '--log', log], { encoding: 'utf8', uid: 33, gid: 33 });
      assert.equal(r.status, 0, r.stdout + r.stderr);
      const text = readFileSync(log, 'utf8');
      // queued mail (reminders) goes into SkillBarterMailSpool (sessions_jobs.test.mjs)
      assert.doesNotMatch(text, /mail: .*job off/);
      assert.match(text, /jobs runner .* stopped/);
      assert.doesNotMatch(text, /\[(error|warn)\]/);
    } finally {
      await server.stop();
      server.assertCleanLog();
      server.cleanup();
    }
  });
