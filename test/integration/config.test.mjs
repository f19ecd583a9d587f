// Operations: configtest names a bad directive; the server refuses to start without a secret.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { makeRoot, httpdCtl } from './harness.mjs';

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
  const { root, conf } = await makeRoot();
  const sbconf = join(root, 'conf', 'skillbarter.conf');
  const { readFileSync } = await import('node:fs');
  writeFileSync(sbconf, readFileSync(sbconf, 'utf8').replace(/^SkillBarterJWTSecretFile.*$/m, ''));
  const r = httpdCtl(root, '-k', 'start', '-DFOREGROUND');
  const log = readFileSync(join(root, 'logs', 'error.log'), 'utf8');
  rmSync(root, { recursive: true, force: true });
  assert.notEqual(r.status, 0);
  assert.match(log + r.out, /SkillBarterJWTSecretFile/);
  assert.ok(conf);
});
