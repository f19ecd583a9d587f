// Operations: a graceful restart under load fails no request; the store survives it.
//
// A graceful restart closes idle keep-alive connections. A client that sends on such a
// connection at the same instant sees it closed before any byte of a response; RFC 9110
// (9.2.2) lets a client retry an idempotent request then, and browsers do. The test client
// does the same, once, on a new connection, and only for that case: a refused connection,
// a reset after part of a response, or a failed retry is an error, and every request must
// still get its 200.
//
// The load is counted, not timed: each graceful restart comes after a fixed number of
// requests has finished since the one before (and the test ends a fixed number after the
// last), so a slow machine or the ASan layer makes the test longer, never thinner: the
// answers are at least (RESTARTS + 1) x PHASE, and "retries are the exception" compares the
// retries against that fixed count. A restart closes each of the SOCKETS pooled connections
// about once (16 a restart were seen), so a tenth of the answers is well above what a correct
// server costs and far below what a server that drops its keep-alive connections does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { useServer, register, httpdRunAsync, httpGet } from './harness.mjs';

const server = useServer();

const SOCKETS = 16;      // client connections (and workers) kept busy
const RESTARTS = 3;
const PHASE = 200;       // requests finished before each restart, and after the last

test('apachectl graceful under load fails no request', { timeout: 600000 }, async () => {
  const { token } = await register(server());
  const agent = new Agent({ keepAlive: true, maxSockets: SOCKETS });
  let stop = false;
  let finished = 0;      // requests answered or failed
  let waiter = null;     // {n, resolve}: finishedAtLeast's
  const statuses = new Map();
  const errors = [];
  let retried = 0;
  const retriedAt = [];  // the retries so far, at each restart
  async function worker(i) {
    while (!stop) {
      const url = server().url(i % 2 ? '/api/health' : '/api/users/profile');
      let r = null;
      try {
        r = await httpGet(url, { token, agent });
      } catch (err) {
        if (!err.early) {
          errors.push(`${err.code || ''} ${err.message}`);
        }
        else {
          retried += 1;
          try {
            r = await httpGet(url, { token, agent: false });
          } catch (again) {
            errors.push(`after retry: ${again.code || ''} ${again.message}`);
          }
        }
      }
      if (r) statuses.set(r.status, (statuses.get(r.status) || 0) + 1);
      finished += 1;
      if (waiter && finished >= waiter.n) waiter.resolve();
    }
  }
  // Resolves once n requests have finished, answered or failed (a request that hangs is
  // the test's timeout).
  function finishedAtLeast(n) {
    if (finished >= n) return Promise.resolve();
    return new Promise((resolve) => { waiter = { n, resolve: () => { waiter = null; resolve(); } }; });
  }
  const workers = Array.from({ length: SOCKETS }, (_, i) => worker(i));
  for (let i = 1; i <= RESTARTS; i++) {
    await finishedAtLeast(i * PHASE);
    // (asynchronous: the workers' requests go on while httpd reads its configuration and
    // signals the restart, so the restart meets requests in flight)
    const g = await httpdRunAsync(server().root, ['-k', 'graceful']);
    assert.equal(g.status, 0, g.out);
    retriedAt.push(retried);
  }
  await finishedAtLeast((RESTARTS + 1) * PHASE);
  stop = true;
  await Promise.all(workers);
  agent.destroy();
  console.log(`retried ${retried} of ${statuses.get(200)} (so far at each restart: ${retriedAt.join(', ')})`);
  assert.deepEqual(errors, []);
  assert.deepEqual([...statuses.keys()], [200], JSON.stringify([...statuses]));
  assert.ok(statuses.get(200) >= (RESTARTS + 1) * PHASE, `only ${statuses.get(200)} answers`);
  // Retries are the exception, not how requests get through.
  assert.ok(retried < statuses.get(200) / 10, `${retried} retries for ${statuses.get(200)} answers`);
});

test('with the store unreachable, health is 503 and API calls are 503, not 500', async () => {
  const { startServerRaw } = await import('./harness.mjs');
  const s = await startServerRaw({ extra: 'SkillBarterStore "sqlite:/proc/no-such-dir/skillbarter.db"\n' });
  try {
    const h = await s.api('GET', '/api/health');
    assert.equal(h.status, 503);
    assert.equal(h.json.success, false);
    assert.equal(h.json.data.store.reachable, false);
    const r = await s.api('POST', '/api/auth/login', { body: { email: 'a@b.co', password: 'whatever1' } });
    assert.equal(r.status, 503);
    assert.equal(r.json.success, false);
    // The module's error line for that request carries the id the client was given.
    const rid = r.headers.get('x-request-id');
    assert.ok(rid);
    assert.ok(s.errorLog().split('\n').some((l) => l.includes(`[rid ${rid}]`) && /:error\]/.test(l)),
      `no error line with [rid ${rid}] in:\n${s.errorLog()}`);
  } finally {
    await s.stop();
    try {
      // Only the store's own lines: each child's failed open at start, and the requests'.
      s.assertCleanLog([/\[skillbarter:crit\] .* sb_config_child_init: store sqlite:\/proc\/no-such-dir\/skillbarter\.db not ready: /,
        /\[skillbarter:error\] .* store acquire failed: /]);
    } finally {
      s.cleanup();
    }
  }
});

test('a store that is down at start is picked up when it comes back, without a restart', async () => {
  const { startServerRaw } = await import('./harness.mjs');
  const { chownSync, statSync } = await import('node:fs');
  const { join } = await import('node:path');
  // The data folder is handed to root before start: www-data cannot create the database.
  const s = await startServerRaw({ extra: '', beforeStart: (root) => chownSync(join(root, 'data'), 0, 0) });
  try {
    const down = await s.api('GET', '/api/health');
    assert.equal(down.status, 503);
    const www = statSync(join(s.root, 'uploads'));
    chownSync(join(s.root, 'data'), www.uid, www.gid);
    let up = null;
    for (let i = 0; i < 40 && (!up || up.status !== 200); i++) {
      await new Promise((r) => setTimeout(r, 100));
      up = await s.api('GET', '/api/health');
    }
    assert.equal(up.status, 200);
    // Each child process retries at most once a second: within that, every answer is 503 or
    // the real one.
    const { newUser } = await import('./harness.mjs');
    const body = newUser();
    let r = null;
    for (let i = 0; i < 40 && (!r || r.status !== 201); i++) {
      if (r) {
        assert.equal(r.status, 503, r.text);
        await new Promise((res) => setTimeout(res, 100));
      }
      r = await s.api('POST', '/api/auth/register', { body });
    }
    assert.equal(r.status, 201, r.text);
  } finally {
    await s.stop();
    s.assertCleanLog([/store .* not ready/, /store unavailable|store acquire failed|store ping failed/]);
    s.cleanup();
  }
});
