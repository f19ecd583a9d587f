// Integration harness: a real httpd with the freshly built module and a real SQLite file,
// in a server root generated from conf/*.in (tools/mkroot.sh) on a free loopback port.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { before, after } from 'node:test';

export const TOP = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const HTTPD = '/usr/sbin/apache2';

// Settings every test server gets unless a test overrides them: cheap bcrypt, and rate
// limits far above what any test file sends (the spec's auth limit is 5 failures per 15
// minutes per IP, and every test comes from 127.0.0.1). A later SkillBarterRateLimit line
// in `extra` redeclares a limiter, so rate-limit tests set their own.
const BASE_EXTRA = `SkillBarterBcryptCost 4
SkillBarterRateLimit global 100000000 15m ip
SkillBarterRateLimit auth 100000000 15m ip skip-successful
SkillBarterRateLimit messages 100000000 1m user
SkillBarterRateLimit discover 100000000 5m user
SkillBarterRateLimit sessions 100000000 1h user
`;

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 60000, ...opts });
  return { status: r.status, out: (r.stdout || '') + (r.stderr || '') };
}

export async function makeRoot({ mpm = 'event', extra = '' } = {}) {
  const root = mkdtempSync(join(tmpdir(), 'sb-it-'));
  const port = await freePort();
  const extraFile = join(root, 'extra.conf');
  writeFileSync(extraFile, BASE_EXTRA + extra);
  const r = run(join(TOP, 'tools', 'mkroot.sh'), [root, String(port), mpm, extraFile]);
  assert.equal(r.status, 0, `mkroot failed: ${r.out}`);
  return { root, port, conf: join(root, 'conf', 'httpd.conf') };
}

export function httpdCtl(root, ...args) {
  return run(HTTPD, ['-d', root, '-f', join(root, 'conf', 'httpd.conf'), ...args]);
}

async function waitUntil(fn, ms = 10000) {
  const end = Date.now() + ms;
  for (;;) {
    try { if (await fn()) return true; } catch { /* not yet */ }
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Start a server. Options: mpm ('event' | 'prefork' | 'worker'), extra (httpd.conf text),
 * premigrate (create the SQLite file in WAL mode before httpd starts, so several children
 * starting at once do not race to create it). Returns helpers: url(path), api(method, path, {body, token, headers, raw}), sbctl(...),
 * errorLog(), stop(), assertCleanLog(allow).
 */
export async function startServer(opts = {}) {
  return startServerRaw({ ...opts, healthy: true });
}

/** Like startServer; with healthy: false it only waits until the server answers at all. */
export async function startServerRaw(opts = {}) {
  const { root, port } = await makeRoot(opts);
  if (opts.premigrate) {
    const db = join(root, 'data', 'skillbarter.db');
    const m = run(join(TOP, 'build', 'sbctl'), [`sqlite:${db}`, 'migrate']);
    assert.equal(m.status, 0, `sbctl migrate failed: ${m.out}`);
    run('chown', ['-R', 'www-data:www-data', join(root, 'data')]);
  }
  if (opts.beforeStart) opts.beforeStart(root);
  const started = httpdCtl(root, '-k', 'start');
  assert.equal(started.status, 0, `httpd did not start: ${started.out}`);
  const base = `http://127.0.0.1:${port}`;
  const up = await waitUntil(async () => {
    const status = (await fetch(`${base}/api/health`)).status;
    return opts.healthy ? status === 200 : status > 0;
  });
  if (!up) {
    const log = readLog(root);
    httpdCtl(root, '-k', 'stop');
    assert.fail(`server did not become healthy:\n${log}`);
  }
  const server = {
    root, port, base,
    storeUri: `sqlite:${join(root, 'data', 'skillbarter.db')}`,
    url: (p) => base + p,
    async api(method, path, { body, token, headers = {}, raw } = {}) {
      const h = { ...headers };
      if (token) h.authorization = `Bearer ${token}`;
      let payload;
      if (raw !== undefined) payload = raw;
      else if (body !== undefined) {
        payload = JSON.stringify(body);
        if (!Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) {
          h['content-type'] = 'application/json';
        }
      }
      const res = await fetch(base + path, { method, headers: h, body: payload });
      const text = await res.text();
      let json = null;
      try { json = JSON.parse(text); } catch { /* not JSON */ }
      return { status: res.status, headers: res.headers, json, text };
    },
    sbctl(...args) {
      return run(join(TOP, 'build', 'sbctl'), [server.storeUri, ...args]);
    },
    errorLog: () => readLog(root),
    mails() {
      const dir = join(root, 'mail');
      return readdirSync(dir).filter((f) => f.endsWith('.eml')).sort()
        .map((f) => readFileSync(join(dir, f), 'utf8'));
    },
    async stop() {
      httpdCtl(root, '-k', 'stop');
      await waitUntil(() => !existsSync(join(root, 'run', 'httpd.pid')), 10000);
    },
    // Fail on any [warn]/[error]/[crit]/[alert]/[emerg] line not matched by an allow pattern.
    assertCleanLog(allow = []) {
      const bad = readLog(root).split('\n').filter((l) =>
        /\[[a-z_]*:(warn|error|crit|alert|emerg)\]/.test(l) && !allow.some((re) => re.test(l)));
      assert.deepEqual(bad, [], `unexpected lines in the error log:\n${bad.join('\n')}`);
    },
    cleanup() { rmSync(root, { recursive: true, force: true }); },
  };
  return server;
}

function readLog(root) {
  const f = join(root, 'logs', 'error.log');
  return existsSync(f) ? readFileSync(f, 'utf8') : '';
}

let seq = 0;
/** A fresh, valid registration body. */
export function newUser(over = {}) {
  seq += 1;
  const tag = `${process.pid.toString(36)}${seq}${Math.random().toString(36).slice(2, 6)}`;
  return {
    username: `u_${tag}`.slice(0, 20),
    email: `${tag}@example.org`,
    password: 'correct horse battery',
    firstName: 'Ada',
    lastName: 'Lovelace',
    ...over,
  };
}

/** Register a user; returns {user, token, refreshToken, body}. */
export async function register(server, over = {}) {
  const body = newUser(over);
  const r = await server.api('POST', '/api/auth/register', { body });
  assert.equal(r.status, 201, `register failed: ${r.text}`);
  return { ...r.json.data, body };
}

/**
 * Standard lifecycle for a test file: one server per file, stopped after, and the error
 * log checked for unexpected lines.
 */
export function useServer(opts = {}, allow = []) {
  const holder = {};
  before(async () => { holder.server = await startServer(opts); });
  after(async () => {
    if (!holder.server) return;
    await holder.server.stop();
    holder.server.assertCleanLog(allow);
    holder.server.cleanup();
  });
  return () => holder.server;
}
