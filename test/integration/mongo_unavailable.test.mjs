// The MongoDB driver in the real httpd with no server behind its URI: every request that needs
// the store answers 503 JSON within a second and leaves one clear line in the error log, and
// the password of the store's user stays out of the logs and the settings file.
//
// The driver does not have all its operations yet, so the normal module refuses it at
// configtest (mongo_config.test.mjs); this file loads build/mongo-probe/mod_skillbarter.so,
// built with SB_STORE_ALLOW_INCOMPLETE by `make mongo-probe` (part of make test and make
// test-integration). No operation is reached here: the store is down.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync, chownSync, statSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const top = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const probe = join(top, 'build', 'mongo-probe', 'mod_skillbarter.so');
// built by `make mongo-probe` (with the driver's shared object beside it) unless the driver is
// left out (make MONGO=0); skipped, never passed, without
const present = existsSync(probe);
process.env.SB_MODULE = present ? probe : process.env.SB_MODULE || ''; // read by the harness
const { startServerRaw, childPids } = await import('./harness.mjs');

const PASSWORD = 'correct-horse-battery-staple-0123';
let server;

after(() => server && server.cleanup());

// The store's lines written for requests. A child the MPM starts meanwhile (under load it may
// start one more) logs its own start-up line, sb_config_child_init's, which is not a request's.
function storeLines(log) {
  return log.split('\n').filter((l) => /\[skillbarter:(error|crit)\]/.test(l)
    && !/sb_config_child_init/.test(l));
}

test('a mongodb store that cannot be reached answers 503 within a second, one log line each', { skip: present ? false : `${probe} is not built (make mongo-probe)` }, async () => {
  server = await startServerRaw({
    extra: 'SkillBarterStore mongodb://sb@127.0.0.1:1/skillbarter\n'
      + 'SkillBarterStoreTimeout 300ms\n'
      + 'SkillBarterStorePasswordFile secret/mongo.pw\n',
    beforeStart(root) {
      const pw = join(root, 'secret', 'mongo.pw');
      const www = statSync(join(root, 'uploads'));
      writeFileSync(pw, `${PASSWORD}\n`, { mode: 0o600 });
      chownSync(pw, www.uid, www.gid); // read by each child, as the worker user
      chownSync(join(root, 'secret'), www.uid, www.gid);
    },
  });
  // httpd loaded the driver's shared object (the parent at configuration, the children
  // inherit it) with libmongoc's shared-memory counters off: no /dev/shm/mongoc-<pid>
  for (const pid of [server.pid, ...childPids(server.pid)]) {
    const maps = readFileSync(`/proc/${pid}/maps`, 'utf8');
    assert.match(maps, /mongo-probe\/libskillbarter_mongo\.so/, `pid ${pid}`);
    assert.match(maps, /libmongoc-1\.0/, `pid ${pid}`);
    assert.equal(existsSync(`/dev/shm/mongoc-${pid}`), false, `pid ${pid} mapped counters`);
  }
  // every child tried its migration at start and said why it could not (the harness's
  // polls of /api/health until the server answered left their own lines, counted below)
  const start = server.errorLog().split('\n').filter((l) => /sb_config_child_init/.test(l));
  assert.ok(start.length >= 1, server.errorLog());
  for (const l of start) assert.match(l, /store mongodb:\/\/sb@127\.0\.0\.1:1\/skillbarter not ready: mongodb hello: No suitable servers found/);

  const requests = [
    ['GET', '/api/health', undefined],
    ['POST', '/api/auth/login', { login: 'ada', password: 'x'.repeat(12) }],
    ['GET', '/api/health', undefined],
  ];
  for (const [method, path, body] of requests) {
    const before = storeLines(server.errorLog()).length;
    const t0 = Date.now();
    const r = await server.api(method, path, { body });
    const took = Date.now() - t0;
    assert.equal(r.status, 503, `${method} ${path}: ${r.text}`);
    assert.ok(took < 1000, `${method} ${path} took ${took} ms`);
    assert.match(r.headers.get('content-type'), /application\/json/);
    if (path === '/api/health') {
      assert.equal(r.json.data.store.driver, 'mongodb');
      assert.equal(r.json.data.store.reachable, false);
    } else {
      assert.equal(r.json.success, false);
      assert.match(r.json.message, /temporarily unavailable/i);
    }
    // the log is written before the answer: one new line, saying what failed
    const added = storeLines(server.errorLog()).slice(before);
    assert.equal(added.length, 1, added.join('\n'));
    assert.match(added[0], /store acquire failed: (mongodb hello: No suitable servers found|store not ready \(schema migration failed; retrying\))/);
    await new Promise((r2) => setTimeout(r2, method === 'GET' ? 1100 : 0));
  }
  await server.stop();
  // the password itself is nowhere: not in the log, not in the settings file
  const log = server.errorLog();
  assert.doesNotMatch(log, new RegExp(PASSWORD));
  const run = join(server.root, 'run');
  for (const f of readdirSync(run)) {
    const p = join(run, f);
    if (statSync(p).isFile()) assert.doesNotMatch(readFileSync(p, 'latin1'), new RegExp(PASSWORD), f);
  }
  const settings = readdirSync(run).filter((f) => /settings/.test(f));
  assert.ok(settings.length === 1, `settings file in ${readdirSync(run)}`);
  assert.match(readFileSync(join(run, settings[0]), 'utf8'), /sbPasswordFile=.*mongo\.pw/);
  assert.deepEqual(server.takeProblems(), []);
  server.assertCleanLog([/store .* not ready: mongodb hello: No suitable servers found/,
    /store acquire failed: /]);
});
