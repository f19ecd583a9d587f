// One configuration for every process: httpd writes its resolved settings to
// DefaultRuntimeDir/skillbarter.settings and sbctl runs from that file when given no URI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TOP, useServer, startServer, makeRoot, httpdCtl } from './harness.mjs';

const SBCTL = join(TOP, 'build', 'sbctl');
const server = useServer({ extra: 'SkillBarterAccessTokenTTL 10m\n'
  + 'SkillBarterOutboxSocket run/custom-outbox.sock\n' });

function sbctl(args, env = {}) {
  const r = spawnSync(SBCTL, args, { encoding: 'utf8', timeout: 60000,
    env: { ...process.env, ...env } });
  return { status: r.status, out: (r.stdout || '') + (r.stderr || '') };
}

function settingsFile(s) {
  return join(s.root, 'run', 'skillbarter.settings');
}

function readSettings(s) {
  const kv = {};
  for (const line of readFileSync(settingsFile(s), 'utf8').split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.indexOf(' ');
    kv[line.slice(0, i)] = line.slice(i + 1);
  }
  return kv;
}

test('the settings file holds the resolved paths and lifetimes, never the secret', () => {
  const s = server();
  const kv = readSettings(s);
  assert.equal(kv.store_uri, s.storeUri);
  assert.equal(kv.jwt_secret_file, join(s.root, 'secret', 'jwt.key'));
  assert.equal(kv.ratelimit_shm, join(s.root, 'run', 'skillbarter-ratelimit.shm'));
  assert.equal(kv.outbox_socket, join(s.root, 'run', 'custom-outbox.sock'));
  assert.equal(kv.access_ttl, '600');
  assert.equal(kv.refresh_ttl, String(30 * 86400));
  const secret = readFileSync(join(s.root, 'secret', 'jwt.key'), 'utf8').trim();
  assert.ok(!readFileSync(settingsFile(s), 'utf8').includes(secret));
});

test('the settings file is readable by the worker group and not by others', () => {
  const s = server();
  const st = statSync(settingsFile(s));
  assert.equal(st.mode & 0o777, 0o640);
  const gid = Number(spawnSync('id', ['-g', 'www-data'], { encoding: 'utf8' }).stdout.trim());
  assert.equal(st.gid, gid);
});

test('the outbox socket defaults to DefaultRuntimeDir/skillbarter-outbox.sock', async () => {
  const s = await startServer();
  try {
    const kv = readSettings(s);
    assert.equal(kv.outbox_socket, join(s.root, 'run', 'skillbarter-outbox.sock'));
    assert.equal(kv.access_ttl, String(15 * 60));
  } finally {
    await s.stop();
    s.assertCleanLog();
    s.cleanup();
  }
});

test('configtest rejects a SkillBarterOutboxSocket path too long for a socket', async () => {
  const { root } = await makeRoot({ extra: `SkillBarterOutboxSocket /run/${'x'.repeat(120)}.sock\n` });
  const r = httpdCtl(root, '-t');
  rmSync(root, { recursive: true, force: true });
  assert.notEqual(r.status, 0);
  assert.match(r.out, /SkillBarterOutboxSocket/);
});

test('sbctl without a URI uses the store named in the settings file', async () => {
  const s = server();
  const r = sbctl(['--settings', settingsFile(s), 'ledger-check']);
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /ledger: balanced/);
  const viaEnv = sbctl(['seed-demo'], { SKILLBARTER_SETTINGS: settingsFile(s) });
  assert.equal(viaEnv.status, 0, viaEnv.out);
  const login = await s.api('POST', '/api/auth/login',
    { body: { email: 'alice@demo.skillbarter.local', password: 'barter-demo-2024' } });
  assert.equal(login.status, 200, login.text);
});

test('sbctl ratelimit-show without a table path uses the settings file', () => {
  const s = server();
  const r = sbctl(['--settings', settingsFile(s), 'ratelimit-show']);
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /^global \d+ per \d+s by ip/m);
});

test('sbctl says which settings file it could not read', () => {
  const r = sbctl(['--settings', '/nonexistent/skillbarter.settings', 'migrate']);
  assert.equal(r.status, 2);
  assert.match(r.out, /\/nonexistent\/skillbarter\.settings/);
});

test('sbctl --help lists every command; an unknown one is a usage error', () => {
  const r = sbctl(['--help']);
  assert.equal(r.status, 0);
  for (const c of ['migrate', 'seed-demo', 'ledger-check', 'set-status', 'seed',
    'ratelimit-hit', 'ratelimit-show']) {
    assert.match(r.out, new RegExp(`^  ${c}( |$)`, 'm'), `${c} missing from:\n${r.out}`);
  }
  const bad = sbctl(['sqlite:/nonexistent.db', 'frobnicate']);
  assert.equal(bad.status, 2);
  assert.match(bad.out, /no command 'frobnicate'/);
});

test('sbctl seed --seed S makes the same people for the same seed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sb-it-seed-'));
  try {
    const people = (name, seed) => {
      const uri = `sqlite:${join(dir, name)}`;
      const r = sbctl([uri, 'seed', '30', '--seed', String(seed)]);
      assert.equal(r.status, 0, r.out);
      const q = spawnSync('sqlite3', [join(dir, name),
        'SELECT username, skills_offered, skills_wanted, country FROM users ORDER BY username'],
      { encoding: 'utf8' });
      assert.equal(q.status, 0, q.stderr);
      return q.stdout;
    };
    const a = people('a.db', 7), b = people('b.db', 7), c = people('c.db', 8);
    assert.equal(a.split('\n').length, 31);
    assert.equal(a, b);
    assert.notEqual(a, c);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
