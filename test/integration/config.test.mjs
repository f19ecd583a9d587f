// Operations: configtest names a bad directive; the server refuses to start without a secret.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { makeRoot, httpdCtl, httpdRun } from './harness.mjs';

async function configtest(extra) {
  const { root } = await makeRoot({ extra });
  const r = httpdCtl(root, '-t');
  rmSync(root, { recursive: true, force: true });
  return r;
}

test('a valid generated configuration passes configtest', async () => {
  const r = await configtest('');
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /Syntax OK/);
});

for (const [directive, value] of [
  ['SkillBarterBcryptCost', '3'],
  ['SkillBarterBcryptCost', 'twelve'],
  ['SkillBarterAccessTokenTTL', '15 minutes'],
  ['SkillBarterRefreshTokenTTL', '0'],
  ['SkillBarterMaxJSONBody', '1T'],
  ['SkillBarterAllowOrigin', 'app.example.org'],
  ['SkillBarterStore', 'postgres://db/x'],
  ['SkillBarterStore', 'sqlite:relative.db'],
  ['SkillBarterMailSpool', '/nonexistent/spool'],
  ['SkillBarterJWTSecretFile', '/nonexistent/jwt.key'],
  ['SkillBarterStorePoolMax', '0'],
  // the two base URLs share one check (sb_base_url): no scheme, a query or a fragment
  ['SkillBarterRealtimeURL', 'rt.example:3443'],
  ['SkillBarterPublicURL', 'https://app.example/?next=1'],
  ['SkillBarterPublicURL', 'https://app.example/#top'],
]) {
  test(`configtest rejects ${directive} ${value} and names it`, async () => {
    const r = await configtest(`${directive} ${value}\n`);
    assert.notEqual(r.status, 0);
    assert.match(r.out, new RegExp(directive));
  });
}

test('a secret shorter than 32 bytes is refused at configtest', async () => {
  const { root } = await makeRoot();
  writeFileSync(join(root, 'secret', 'jwt.key'), 'too-short-secret\n');
  const r = httpdCtl(root, '-t');
  rmSync(root, { recursive: true, force: true });
  assert.notEqual(r.status, 0);
  assert.match(r.out, /SkillBarterJWTSecretFile/);
});

test('without SkillBarterJWTSecretFile the server refuses to start', async () => {
  const { root, port } = await makeRoot();
  const sbconf = join(root, 'conf', 'skillbarter.conf');
  writeFileSync(sbconf, readFileSync(sbconf, 'utf8').replace(/^SkillBarterJWTSecretFile.*$/m, ''));
  // In the foreground httpd returns only when it gives up: a start that hangs is a failure,
  // not a pass (killed at the timeout, httpd exits 0 or by the signal).
  const t0 = Date.now();
  const r = httpdRun(root, ['-k', 'start', '-DFOREGROUND'], { timeout: 15000 });
  const took = Date.now() - t0;
  const log = readFileSync(join(root, 'logs', 'error.log'), 'utf8');
  const pidFile = existsSync(join(root, 'run', 'httpd.pid'));
  const listening = await new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    sock.on('connect', () => { sock.destroy(); resolve(true); });
    sock.on('error', () => resolve(false));
  });
  rmSync(root, { recursive: true, force: true });
  assert.equal(r.timedOut, false, `httpd did not exit by itself within 15 s: ${r.out}`);
  assert.equal(r.signal, null, `httpd died of ${r.signal}: ${r.out}`);
  assert.ok(took < 10000, `httpd took ${took} ms to refuse`);
  assert.notEqual(r.status, 0);
  assert.match(log + r.out, /SkillBarterJWTSecretFile/);
  assert.equal(pidFile, false, 'a pid file was written');
  assert.equal(listening, false, `something answers on port ${port}`);
});
