// Rate limiting: exact across child processes (prefork and event), the spec's 429 body and
// headers, skip-successful for the auth limiter, graceful restarts that keep counts and
// leak nothing, bad directives at configtest, and a separate process sharing the counts.
//
// The harness's start-up probe (one GET /api/health) spends one hit of the global limit;
// limits below are one higher to leave it out of the counts.
//
// Windows are a day long and epoch-aligned; a boundary crossed mid-test changes nothing,
// because the previous window then weighs ceil(count * ~1) = count for hours.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, makeRoot, httpdCtl, httpGet, register, newUser, TOP } from './harness.mjs';

const PREFORK = 'StartServers 4\nMinSpareServers 4\nMaxSpareServers 8\nServerLimit 8\n'
  + 'MaxRequestWorkers 8\n';
const EVENT = 'StartServers 3\nServerLimit 4\nThreadsPerChild 16\nMaxRequestWorkers 64\n'
  + 'MinSpareThreads 16\nMaxSpareThreads 64\n';

// Several children start at once here: the database is created beforehand (premigrate).
async function withServer(opts, fn, allow = []) {
  const s = await startServer({ premigrate: true, ...opts });
  try {
    await fn(s);
  } finally {
    await s.stop();
    try {
      s.assertCleanLog(allow);
    } finally {
      s.cleanup();
    }
  }
}

function count(list) {
  const m = {};
  for (const x of list) m[x] = (m[x] || 0) + 1;
  return m;
}

function shmPath(s) {
  return join(s.root, 'run', 'skillbarter-ratelimit.shm');
}

function sbctl(...args) {
  const r = spawnSync(join(TOP, 'build', 'sbctl'), args, { encoding: 'utf8' });
  return { status: r.status, out: (r.stdout || '') + (r.stderr || '') };
}

function childPids(s) {
  const parent = readFileSync(join(s.root, 'run', 'httpd.pid'), 'utf8').trim();
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((d) => {
    try {
      return readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1].split(' ')[1] === parent;
    } catch { return false; }
  });
}

for (const [mpm, tuning] of [['prefork', PREFORK], ['event', EVENT]]) {
  test(`${mpm}: 40 concurrent requests against a limit of 10 — exactly 10 pass`, async () => {
    await withServer({ mpm, extra: `${tuning}SkillBarterRateLimit global 11 1d ip\n` }, async (s) => {
      if (mpm === 'prefork') assert.ok(childPids(s).length >= 4, 'fewer than 4 children');
      const rs = await Promise.all(Array.from({ length: 40 },
        () => s.api('GET', '/api/health', { headers: { connection: 'close' } })));
      assert.deepEqual(count(rs.map((r) => r.status)), { 200: 10, 429: 30 });
      const ok = rs.filter((r) => r.status === 200);
      assert.deepEqual(ok.map((r) => Number(r.headers.get('ratelimit-remaining')))
        .sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      for (const r of rs) assert.equal(r.headers.get('ratelimit-limit'), '11');
    });
  });
}

test('429: the spec body, Retry-After equal to retryAfter, RateLimit-* headers', async () => {
  await withServer({ extra: 'SkillBarterRateLimit global 4 1d ip\n' }, async (s) => {
    const seen = [];
    for (let i = 0; i < 3; i++) {
      const r = await s.api('GET', '/api/health');
      assert.equal(r.status, 200);
      seen.push(r.headers.get('ratelimit-remaining'));
      const reset = Number(r.headers.get('ratelimit-reset'));
      assert.ok(Number.isInteger(reset) && reset >= 1 && reset <= 2 * 86400, `reset ${reset}`);
    }
    assert.deepEqual(seen, ['2', '1', '0']);
    // an unknown path is an /api request too: the global limiter covers it
    const r = await s.api('GET', '/api/no-such-route');
    assert.equal(r.status, 429);
    assert.match(r.headers.get('content-type'), /^application\/json/);
    assert.deepEqual(Object.keys(r.json).sort(), ['message', 'retryAfter', 'success']);
    assert.equal(r.json.success, false);
    assert.equal(r.json.message, 'Rate limit exceeded. Please try again later.');
    assert.ok(Number.isInteger(r.json.retryAfter) && r.json.retryAfter > 0);
    assert.ok(r.json.retryAfter <= 2 * 86400);
    assert.equal(r.headers.get('retry-after'), String(r.json.retryAfter));
    assert.equal(r.headers.get('ratelimit-limit'), '4');
    assert.equal(r.headers.get('ratelimit-remaining'), '0');
    assert.equal(r.headers.get('ratelimit-reset'), String(r.json.retryAfter));
    // CORS preflights are not counted, and a 429 is not an error in the log
    const pre = await fetch(s.url('/api/health'), { method: 'OPTIONS' });
    assert.equal(pre.status, 204);
  });
});

test('auth limiter: successful logins do not count, failed ones do, concurrently exact', async () => {
  const extra = 'SkillBarterRateLimit auth 5 1d ip skip-successful\n';
  await withServer({ mpm: 'prefork', extra: PREFORK + extra }, async (s) => {
    const u = await register(s);                      // a 201: given back
    const good = { email: u.body.email, password: u.body.password };
    for (let i = 0; i < 8; i++) {
      const r = await s.api('POST', '/api/auth/login', { body: good });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.headers.get('ratelimit-limit'), '5');   // the most restrictive limiter
      assert.equal(r.headers.get('ratelimit-remaining'), '4');
    }
    const bad = { email: u.body.email, password: 'wrong password!' };
    const rs = await Promise.all(Array.from({ length: 12 },
      () => s.api('POST', '/api/auth/login', { body: bad, headers: { connection: 'close' } })));
    assert.deepEqual(count(rs.map((r) => r.status)), { 401: 5, 429: 7 });
    const denied = rs.find((r) => r.status === 429);
    assert.equal(denied.json.message, 'Too many authentication attempts. Please try again later.');
    // now even the right password waits, and so does registering
    const after = await s.api('POST', '/api/auth/login', { body: good });
    assert.equal(after.status, 429);
    assert.equal((await s.api('POST', '/api/auth/register', { body: newUser() })).status, 429);
    // the global limiter still counted every request, refunds or not
    const h = await s.api('GET', '/api/health');
    assert.equal(h.headers.get('ratelimit-limit'), '100000000');
  });
});

test('user-keyed limiter: each signed-in user has a count, anonymous callers share the IP', async () => {
  await withServer({ extra: 'SkillBarterRateLimit global 4 1d user\n' }, async (s) => {
    // registering spends the IP's count (anonymous): take two users out of it first
    const a = await register(s);
    const b = await register(s);
    for (let i = 0; i < 4; i++) {
      assert.equal((await s.api('GET', '/api/users/profile', { token: a.token })).status, 200);
    }
    assert.equal((await s.api('GET', '/api/users/profile', { token: a.token })).status, 429);
    const rb = await s.api('GET', '/api/users/profile', { token: b.token });
    assert.equal(rb.status, 200);
    assert.equal(rb.headers.get('ratelimit-remaining'), '3');
    // a forged token is not a user: it falls back to the (nearly spent) IP
    const forged = `${a.token.slice(0, -4)}AAAA`;
    const anon = await s.api('GET', '/api/health', { token: forged });
    assert.equal(anon.status, 200);
    assert.equal(anon.headers.get('ratelimit-remaining'), '0');
  });
});

test('SkillBarterRateLimit global off: no limiter and no headers on /api/health', async () => {
  await withServer({ extra: 'SkillBarterRateLimit global off\n' }, async (s) => {
    const r = await s.api('GET', '/api/health');
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('ratelimit-limit'), null);
    // route limiters still apply
    const l = await s.api('POST', '/api/auth/login', { body: { email: 'x@y.org', password: 'nope nope' } });
    assert.equal(l.headers.get('ratelimit-limit'), '100000000');
  });
});

test('graceful restarts under a burst keep the counts and leak no segment', async () => {
  const extra = `${PREFORK}SkillBarterRateLimit global 400 1d ip\n`;
  await withServer({ mpm: 'prefork', extra }, async (s) => {
    const shmBefore = spawnSync('ipcs', ['-m'], { encoding: 'utf8' }).stdout.split('\n').length;
    let stop = false;
    let ok = 0;
    let limited = 0;
    const errors = [];
    async function worker() {
      while (!stop) {
        try {
          const r = await httpGet(s.url('/api/health'), { agent: false });
          if (r.status === 200) ok += 1;
          else if (r.status === 429) limited += 1;
          else errors.push(r.status);
        } catch (err) {
          // A connection closed by the restart before any byte: the request was not served.
          // A refused connection or a reset mid-response is an error.
          if (!err.early) errors.push(`${err.code || ''} ${err.message}`);
        }
      }
    }
    const workers = Array.from({ length: 6 }, worker);
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, 250));
      const g = httpdCtl(s.root, '-k', 'graceful');
      assert.equal(g.status, 0, g.out);
    }
    await new Promise((r) => setTimeout(r, 300));
    stop = true;
    await Promise.all(workers);
    assert.deepEqual(errors, []);
    assert.ok(ok + limited > 50, `only ${ok + limited} answers`);
    assert.ok(ok <= 399, `${ok} passed a limit of 400 (less the probe)`);
    // the counts survived: what is left is exactly what was not spent
    const r = await s.api('GET', '/api/health');
    const left = 400 - 1 - ok - 1;
    if (left >= 0) {
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('ratelimit-remaining'), String(left));
    } else {
      // the burst spent every hit: this one is over the limit
      assert.equal(r.status, 429);
      assert.equal(r.headers.get('ratelimit-remaining'), '0');
    }
    // one file, one mapping in the parent, no SysV segment
    const run = readdirSync(join(s.root, 'run')).filter((f) => f.includes('ratelimit'));
    assert.deepEqual(run, ['skillbarter-ratelimit.shm']);
    const parent = readFileSync(join(s.root, 'run', 'httpd.pid'), 'utf8').trim();
    const maps = readFileSync(`/proc/${parent}/maps`, 'utf8').split('\n')
      .filter((l) => l.includes('skillbarter-ratelimit'));
    assert.equal(maps.length, 1, maps.join('\n'));
    const shmAfter = spawnSync('ipcs', ['-m'], { encoding: 'utf8' }).stdout.split('\n').length;
    assert.equal(shmAfter, shmBefore);
    await s.stop();
    assert.equal(existsSync(shmPath(s)), false, 'the file outlived the server');
  }, [/AH00161/]);   // the burst may fill every worker while a generation is replaced
});

test('a separate process consumes from the table httpd uses (sbctl ratelimit-hit)', async () => {
  await withServer({ mpm: 'prefork', extra: `${PREFORK}SkillBarterRateLimit global 20 1d ip\n` }, async (s) => {
    const first = await s.api('GET', '/api/health');
    assert.equal(first.headers.get('ratelimit-remaining'), '18');
    const show = sbctl('ratelimit-show', shmPath(s));
    assert.equal(show.status, 0, show.out);
    assert.match(show.out, /^global 20 per 86400s by ip$/m);
    assert.match(show.out, /^auth 100000000 per 900s by ip skip-successful$/m);
    const hit = sbctl('ratelimit-hit', shmPath(s), 'global', 'ip:127.0.0.1', '5');
    assert.equal(hit.status, 0, hit.out);
    assert.match(hit.out, /allow limit=20 remaining=13/);
    const r = await s.api('GET', '/api/health');
    assert.equal(r.headers.get('ratelimit-remaining'), '12');
    const more = sbctl('ratelimit-hit', shmPath(s), 'global', 'ip:127.0.0.1', '20');
    assert.equal(more.status, 1, more.out);   // denied once the 12 are gone
    assert.match(more.out, /deny limit=20 remaining=0 retry=\d+/);
    assert.equal((await s.api('GET', '/api/health')).status, 429);
    assert.equal(sbctl('ratelimit-hit', shmPath(s), 'nope', 'ip:1').status, 2);
  });
});

async function configtest(extra) {
  const { root } = await makeRoot({ extra });
  const r = httpdCtl(root, '-t');
  rmSync(root, { recursive: true, force: true });
  return r;
}

for (const [line, why] of [
  ['SkillBarterRateLimit auth 0 15m ip', /MAX/],
  ['SkillBarterRateLimit auth 5 15x ip', /WINDOW/],
  ['SkillBarterRateLimit auth 5 400d ip', /WINDOW/],
  ['SkillBarterRateLimit auth 5 15m host', /KEY/],
  ['SkillBarterRateLimit auth 5 15m ip sometimes', /option/],
  ['SkillBarterRateLimit auth 5 15m', /expected/],
  ['SkillBarterRateLimit Auth! 5 15m ip', /name/],
  ['SkillBarterRateLimitTableSize 10', /entries/],
  ['SkillBarterRateLimitShm /nonexistent/dir/rl.shm', /directory/],
  ['<VirtualHost *:1>\nSkillBarterRateLimit auth 5 15m ip\n</VirtualHost>', /VirtualHost/],
]) {
  const directive = line.match(/SkillBarterRateLimit\w*/)[0];
  test(`configtest rejects "${line.split('\n').find((l) => l.includes(directive))}" naming ${directive}`, async () => {
    const r = await configtest(`${line}\n`);
    assert.notEqual(r.status, 0, r.out);
    assert.match(r.out, new RegExp(directive));
    assert.match(r.out, why);
  });
}

test('configtest accepts the spec defaults written out', async () => {
  const r = await configtest(['SkillBarterRateLimit global 1000 15m ip',
    'SkillBarterRateLimit auth 5 15m ip skip-successful', 'SkillBarterRateLimit messages 10 1m user',
    'SkillBarterRateLimit discover 50 5m user', 'SkillBarterRateLimit sessions 5 1h user',
    'SkillBarterRateLimitTableSize 65536', 'SkillBarterRateLimit search 30 60s ip'].join('\n'));
  assert.equal(r.status, 0, r.out);
});
