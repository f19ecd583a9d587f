// The MongoDB store's directives at configtest: the driver is loaded and refused, naming
// the operations it does not have yet, so no unwritten operation can be reached; the store
// timeout and password file directives are checked when read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { makeRoot, httpdCtl, MODULE } from './harness.mjs';

async function configtest(extra) {
  const { root } = await makeRoot({ extra });
  const r = httpdCtl(root, '-t');
  rmSync(root, { recursive: true, force: true });
  return r;
}

// The driver is left out by `make MONGO=0`; its tests are skipped then.
const built = await (async () => {
  const r = await configtest('SkillBarterStore mongodb://127.0.0.1:1/skillbarter\n');
  return !/no compiled-in store driver for 'mongodb'/.test(r.out);
})();
const needsDriver = built ? false : `the mongodb driver is not built beside ${MODULE} (make MONGO=0)`;

test('without the driver a mongodb store is refused as not compiled in', { skip: built }, async () => {
  const r = await configtest('SkillBarterStore mongodb://127.0.0.1:1/skillbarter\n');
  assert.notEqual(r.status, 0);
  assert.match(r.out, /SkillBarterStore: no compiled-in store driver for 'mongodb'/);
});

for (const uri of ['mongodb://127.0.0.1:1/skillbarter', 'mongodb+srv://cluster.example.org/sb']) {
  test(`configtest accepts the mongodb driver for ${uri.split(':')[0]} (every operation written)`, { skip: needsDriver }, async () => {
    const r = await configtest(`SkillBarterStore ${uri}\n`);
    assert.equal(r.status, 0, r.out);
    assert.doesNotMatch(r.out, /incomplete|not written|no compiled-in store driver/);
  });
}

for (const value of ['0', '601s', 'soon', '-5ms', '1.5s']) {
  test(`configtest rejects SkillBarterStoreTimeout ${value} and names it`, async () => {
    const r = await configtest(`SkillBarterStoreTimeout ${value}\n`);
    assert.notEqual(r.status, 0);
    assert.match(r.out, /SkillBarterStoreTimeout: expected 1ms-600s/);
  });
}

for (const value of ['300ms', '5s', '2500']) {
  test(`configtest accepts SkillBarterStoreTimeout ${value}`, async () => {
    const r = await configtest(`SkillBarterStoreTimeout ${value}\n`);
    assert.equal(r.status, 0, r.out);
  });
}

test('configtest rejects a SkillBarterStorePasswordFile that cannot be read', async () => {
  const r = await configtest('SkillBarterStorePasswordFile /nonexistent/mongo.pw\n');
  assert.notEqual(r.status, 0);
  assert.match(r.out, /SkillBarterStorePasswordFile: cannot read the password file/);
});

test('a password file for a SQLite store is refused at configtest', async () => {
  const r = await configtest('SkillBarterStorePasswordFile secret/jwt.key\n');
  assert.notEqual(r.status, 0, r.out);
  assert.match(r.out, /SkillBarterStorePasswordFile is only for a mongodb SkillBarterStore/);
});
