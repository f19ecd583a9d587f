// Operations: a graceful restart under load fails no request; the store survives it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, register, httpdCtl } from './harness.mjs';

const server = useServer();

test('apachectl graceful under load fails no request', async () => {
  const { token } = await register(server());
  let stop = false;
  const statuses = new Map();
  const errors = [];
  async function worker(i) {
    while (!stop) {
      const path = i % 2 ? '/api/health' : '/api/users/profile';
      try {
        const r = await server().api('GET', path, { token });
        statuses.set(r.status, (statuses.get(r.status) || 0) + 1);
      } catch (err) {
        errors.push(String(err.cause || err));
      }
    }
  }
  const workers = Array.from({ length: 16 }, (_, i) => worker(i));
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setTimeout(r, 400));
    const g = httpdCtl(server().root, '-k', 'graceful');
    assert.equal(g.status, 0, g.out);
  }
  await new Promise((r) => setTimeout(r, 400));
  stop = true;
  await Promise.all(workers);
  assert.deepEqual(errors, []);
  assert.deepEqual([...statuses.keys()], [200], JSON.stringify([...statuses]));
  assert.ok(statuses.get(200) > 100, `only ${statuses.get(200)} requests were made`);
});
