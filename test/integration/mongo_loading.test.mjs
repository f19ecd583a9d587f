// The MongoDB driver is build/libskillbarter_mongo.so, loaded beside the module only by a
// process that names a mongodb store: httpd and the real-time daemon on SQLite never map
// libmongoc, and a module whose driver object is missing fails configtest naming
// SkillBarterStore and where it looked. (A process that does load it: mongo_unavailable.)
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { makeRoot, httpdCtl, startServer, childPids, MODULE } from './harness.mjs';

const driver = join(dirname(MODULE), 'libskillbarter_mongo.so');
const built = existsSync(driver);
const needsDriver = built ? false : `${driver} is not built (make MONGO=0)`;

function maps(pid) {
  return readFileSync(`/proc/${pid}/maps`, 'utf8');
}

let server;
after(() => server && server.cleanup());

test('httpd and the real-time daemon on SQLite never map libmongoc', async () => {
  server = await startServer({ realtime: true });
  const pids = [server.pid, ...childPids(server.pid), server.realtime.child.pid];
  assert.ok(pids.length >= 3, `processes: ${pids}`);
  const r = await server.api('GET', '/api/health');
  assert.equal(r.status, 200);
  for (const pid of pids) {
    const m = maps(pid);
    assert.match(m, /libsqlite3/, `pid ${pid} has no libsqlite3: not a store process?`);
    assert.doesNotMatch(m, /libmongoc|libskillbarter_mongo/, `pid ${pid} maps libmongoc`);
  }
  await server.stop();
  server.assertCleanLog();
});

test('a module whose mongodb driver object is missing fails configtest naming SkillBarterStore', { skip: needsDriver }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sb-nodriver-'));
  const { root, conf } = await makeRoot({ extra: 'SkillBarterStore mongodb://127.0.0.1:1/sb\n' });
  try {
    const lone = join(dir, 'mod_skillbarter.so');
    copyFileSync(MODULE, lone);
    const text = readFileSync(conf, 'utf8');
    assert.ok(text.includes(`"${MODULE}"`), 'the root loads the module by its path');
    // the same configuration, loading a copy of the module that has no driver beside it
    writeFileSync(conf, text.split(`"${MODULE}"`).join(`"${lone}"`));
    const r = httpdCtl(root, '-t');
    assert.notEqual(r.status, 0, r.out);
    assert.match(r.out, /SkillBarterStore: the mongodb store driver cannot be loaded: no libskillbarter_mongo\.so/);
    assert.ok(r.out.includes(`${dir}/libskillbarter_mongo.so`), r.out);
    // the built module, its driver beside it, loads it and goes on to the next check
    writeFileSync(conf, text);
    const ok = httpdCtl(root, '-t');
    // (refused while operations are missing, accepted once they are all written)
    assert.doesNotMatch(ok.out, /cannot be loaded/);
    assert.ok(ok.status === 0 || /SkillBarterStore: the mongodb store driver is incomplete/.test(ok.out), ok.out);
  } finally {
    rmSync(root, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
});
