// Races against the real server: 30 bookings against one balance, 50 clients answering and
// cancelling the same requests at once, 50 clients ending the same sessions at once. After
// each, sbctl ledger-check passes, nothing was settled twice, no balance or hold is negative.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, register } from './harness.mjs';
import {
  sessionServerOpts, teacher, dayStart, iso, booked, balance, act, clockAt, relogin, ledgerCheck,
  sql, HOUR, MIN,
} from './sessions_kit.mjs';

const server = useServer(sessionServerOpts());
const api = (...a) => server().api(...a);

function invariants(s) {
  ledgerCheck(s);
  assert.deepEqual(sql(s, 'SELECT count(*) AS n FROM users WHERE credits < 0'), [{ n: 0 }]);
  assert.deepEqual(sql(s, 'SELECT count(*) AS n FROM sessions WHERE escrow_minutes < 0'), [{ n: 0 }]);
  assert.deepEqual(sql(s, "SELECT related_session, type, count(*) AS n FROM credit_transactions"
    + " WHERE related_session IS NOT NULL GROUP BY related_session, type, description HAVING n > 1"), []);
}

test('30 bookings race against one balance: exactly five hours are held', async () => {
  const s = server();
  clockAt(s, Date.now());
  const t = await teacher(s);
  const l = await register(s);
  const base = dayStart(4);
  const rs = await Promise.all(Array.from({ length: 30 }, (_, i) => api('POST', '/api/sessions/create', {
    token: l.token,
    body: { teacher: t.user._id, skill: 'Guitar', scheduledTime: iso(base + i * 2 * HOUR), duration: 60 },
  })));
  const codes = rs.map((r) => r.status).sort();
  assert.equal(codes.filter((c) => c === 201).length, 5, codes.join(' '));
  assert.equal(codes.filter((c) => c === 409).length, 25, codes.join(' '));
  for (const r of rs.filter((x) => x.status === 409)) assert.match(r.json.message, /Not enough credits/);
  assert.deepEqual(await balance(s, l).then((b) => [b.available, b.held]), [0, 5]);
  invariants(s);
});

test('50 clients accept and cancel the same ten requests at once: each hold released once', async () => {
  const s = server();
  clockAt(s, Date.now());
  const t = await teacher(s);
  const base = dayStart(7);
  const pairs = [];
  for (let i = 0; i < 10; i++) {
    const l = await register(s);
    pairs.push({ l, id: (await booked(s, l, t, base + i * 2 * HOUR, 60))._id });
  }
  const calls = [];
  for (const { l, id } of pairs) {
    for (let k = 0; k < 5; k++) {
      calls.push(k % 2 ? act(s, t, id, { action: 'accept' })
        : api('DELETE', `/api/sessions/${id}`, { token: k === 2 ? t.token : l.token }));
    }
  }
  const rs = await Promise.all(calls);
  for (const r of rs) assert.ok([200, 409].includes(r.status), r.text);
  for (let i = 0; i < pairs.length; i++) {
    const mine = rs.slice(i * 5, i * 5 + 5);
    const cancels = [0, 2, 4].filter((k) => mine[k].status === 200).length;
    const accepts = [1, 3].filter((k) => mine[k].status === 200).length;
    assert.equal(cancels, 1, `session ${i}: ${mine.map((r) => r.status)}`);
    assert.ok(accepts <= 1);
    const r = await api('GET', `/api/sessions/${pairs[i].id}`, { token: pairs[i].l.token });
    assert.equal(r.json.data.status, 'cancelled');
    assert.deepEqual(await balance(s, pairs[i].l).then((b) => [b.available, b.held]), [5, 0]);
  }
  invariants(s);
});

test('50 clients end the same ten sessions at once: each settled once', async () => {
  const s = server();
  clockAt(s, Date.now());
  const t = await teacher(s);
  const at = dayStart(12) + 6 * HOUR;
  const pairs = [];
  for (let i = 0; i < 10; i++) {
    const l = await register(s);
    const id = (await booked(s, l, t, at + i * 2 * HOUR, 60))._id;
    assert.equal((await act(s, t, id, { action: 'accept' })).status, 200);
    pairs.push({ l, id, at: at + i * 2 * HOUR });
  }
  for (const p of pairs) {
    clockAt(s, p.at);
    await relogin(s, t);
    await relogin(s, p.l);
    assert.equal((await api('POST', `/api/sessions/${p.id}/start`, { token: t.token })).status, 200);
    assert.equal((await api('POST', `/api/sessions/${p.id}/start`, { token: p.l.token })).status, 200);
  }
  // every session has run its 60 minutes and more by now
  clockAt(s, at + 22 * HOUR);
  await relogin(s, t);
  for (const p of pairs) await relogin(s, p.l);
  const calls = [];
  for (const p of pairs) {
    for (let k = 0; k < 5; k++) calls.push(api('POST', `/api/sessions/${p.id}/end`, { token: k % 2 ? t.token : p.l.token }));
  }
  const rs = await Promise.all(calls);
  for (let i = 0; i < pairs.length; i++) {
    const mine = rs.slice(i * 5, i * 5 + 5).map((r) => r.status);
    assert.deepEqual(mine.filter((c) => c === 200).length, 1, mine.join(' '));
    assert.deepEqual(mine.filter((c) => c === 409).length, 4, mine.join(' '));
    const b = await balance(s, pairs[i].l);
    assert.deepEqual([b.available, b.held, b.totalSpent], [4, 0, 1]);
  }
  const bt = await balance(s, t);
  assert.deepEqual([bt.available, bt.totalEarned, bt.hoursTaught], [15, 10, 10]);
  clockAt(s, Date.now());
  invariants(s);
});

test('sbctl ledger-check names each violation and exits non-zero', async () => {
  const s = server();
  const u = await register(s);
  const check = () => s.sbctl('ledger-check');
  sql(s, `UPDATE users SET credits = credits + 1 WHERE id = '${u.user._id}'`);
  let r = check();
  assert.equal(r.status, 1, r.out);
  assert.match(r.out, /violation: 1 users' balances differ from the sum of their ledger rows/);
  assert.match(r.out, /violation: balances \+ holds != bonuses - penalties \+ adjustments/);
  sql(s, `UPDATE users SET credits = credits - 1 WHERE id = '${u.user._id}'`);
  const [open] = sql(s, "SELECT id FROM sessions WHERE status = 'cancelled' LIMIT 1");
  sql(s, `UPDATE sessions SET escrow_minutes = 60 WHERE id = '${open.id}'`);
  r = check();
  assert.equal(r.status, 1, r.out);
  assert.match(r.out, /violation: 1 holds do not match exactly one open session/);
  sql(s, `UPDATE sessions SET escrow_minutes = 0 WHERE id = '${open.id}'`);
  ledgerCheck(s);
});
