// /api/credits: balance, the filtered ledger with offset pages, monthly statistics in the
// caller's zone, and the admin transfer (both rows or none, never below zero).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, register } from './harness.mjs';
import {
  sessionServerOpts, teacher, dayStart, booked, balance, ledger, act, clockAt, relogin, ledgerCheck,
  HOUR, MIN,
} from './sessions_kit.mjs';

const server = useServer(sessionServerOpts());
const api = (...a) => server().api(...a);
const fields = (r) => (r.json.errors || []).map((e) => e.field);

async function admin(s) {
  const a = await register(s);
  assert.equal(s.sbctl('set-role', a.body.username, 'admin').status, 0);
  return relogin(s, a);
}

test('a new account: 5 credits available, nothing held, no totals', async () => {
  const s = server();
  const u = await register(s);
  assert.deepEqual(await balance(s, u), {
    available: 5, held: 0, balance: 5, totalEarned: 0, totalSpent: 0, hoursTaught: 0, hoursLearned: 0,
  });
  assert.equal((await api('GET', '/api/credits/balance')).status, 401);
});

test('a 15-minute session costs 0.25 credits, never rounded up', async () => {
  const s = server();
  clockAt(s, Date.now());
  const t = await teacher(s);
  const l = await register(s);
  const at = dayStart(3) + 12 * HOUR;
  const id = (await booked(s, l, t, at, 15))._id;
  assert.deepEqual(await balance(s, l).then((b) => [b.available, b.held]), [4.75, 0.25]);
  assert.equal((await act(s, t, id, { action: 'accept' })).status, 200);
  clockAt(s, at);
  await relogin(s, t); await relogin(s, l);
  await api('POST', `/api/sessions/${id}/start`, { token: t.token });
  await api('POST', `/api/sessions/${id}/start`, { token: l.token });
  clockAt(s, at + 15 * MIN + 30 * 1000);
  await relogin(s, t); await relogin(s, l);
  const r = await api('POST', `/api/sessions/${id}/end`, { token: t.token });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.data.creditsExchanged, 0.25);
  assert.equal((await balance(s, t)).available, 5.25);
  assert.equal((await balance(s, l)).available, 4.75);
  clockAt(s, Date.now());
  ledgerCheck(s);
});

test('transactions: newest first, filtered by type and category, offset pages', async () => {
  const s = server();
  clockAt(s, Date.now());
  const t = await teacher(s);
  const l = await register(s);
  const base = dayStart(5);
  for (let i = 0; i < 3; i++) await booked(s, l, t, base + i * 2 * HOUR, 30);
  let r = await api('GET', '/api/credits/transactions?limit=2', { token: l.token });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.data.length, 2);
  assert.deepEqual(r.json.pagination, { currentPage: 1, totalPages: 2, totalCount: 4, hasMore: true, hasPrevious: false, limit: 2 });
  assert.deepEqual(r.json.data.map((x) => [x.type, x.amount, x.balanceAfter]), [['spent', -0.5, 3.5], ['spent', -0.5, 4]]);
  const row = r.json.data[0];
  assert.match(row._id, /^[0-9a-f]{24}$/);
  assert.equal(row.user, l.user._id);
  assert.equal(row.relatedUser, t.user._id);
  assert.equal(row.status, 'completed');
  assert.match(row.description, /Guitar/);
  assert.equal((await ledger(s, l, '&type=bonus')).length, 1);
  assert.equal((await ledger(s, l, '&category=learning')).length, 3);
  assert.equal((await ledger(s, l, '&type=spent&category=bonus')).length, 0);
  for (const q of ['type=gift', 'category=fun', 'limit=101', 'page=0']) {
    r = await api('GET', `/api/credits/transactions?${q}`, { token: l.token });
    assert.equal(r.status, 400, `${q}: ${r.text}`);
  }
});

test('stats: 12 months in the caller\'s zone, earned and net spent', async () => {
  const s = server();
  clockAt(s, Date.now());
  const t = await teacher(s);
  const l = await register(s);
  const at = dayStart(2) + 14 * HOUR;
  const id = (await booked(s, l, t, at, 60))._id;
  await booked(s, l, t, at + 3 * HOUR, 30);   // held, not spent yet: counts as spent
  assert.equal((await act(s, t, id, { action: 'accept' })).status, 200);
  clockAt(s, at);
  await relogin(s, t); await relogin(s, l);
  await api('POST', `/api/sessions/${id}/start`, { token: t.token });
  await api('POST', `/api/sessions/${id}/start`, { token: l.token });
  clockAt(s, at + 40 * MIN + 10 * 1000);
  await relogin(s, t); await relogin(s, l);
  assert.equal((await api('POST', `/api/sessions/${id}/end`, { token: l.token })).status, 200);
  let r = await api('GET', '/api/credits/stats', { token: t.token });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.data.months.length, 12);
  assert.equal(r.json.data.totalEarned, 0.67);
  const month = new Date(at + 40 * MIN).toISOString().slice(0, 7);
  assert.equal(r.json.data.months.at(-1).month, month);
  r = await api('GET', '/api/credits/stats', { token: l.token });
  assert.equal(r.json.data.totalSpent, 1.17);   // 40 minutes paid + 30 held
  assert.equal(r.json.data.totalEarned, 0);
  clockAt(s, Date.now());
});

test('transfer: admins only, both rows at once, never below zero', async () => {
  const s = server();
  clockAt(s, Date.now());
  const a = await register(s);
  const b = await register(s);
  let r = await api('POST', '/api/credits/transfer', { token: a.token, body: { from: a.user._id, to: b.user._id, amount: 1, reason: 'gift' } });
  assert.equal(r.status, 403, r.text);
  const root = await admin(s);
  const bad = [
    [{ amount: 0 }, 'amount'], [{ amount: -1 }, 'amount'], [{ amount: 0.01 }, 'amount'], [{ amount: '1' }, 'amount'],
    [{ amount: 1.255 }, 'amount'], [{ to: a.user._id }, 'to'], [{ from: 'x' }, 'from'], [{ reason: '' }, 'reason'],
  ];
  for (const [over, field] of bad) {
    r = await api('POST', '/api/credits/transfer', { token: root.token, body: { from: a.user._id, to: b.user._id, amount: 1, reason: 'fix', ...over } });
    assert.equal(r.status, 400, `${JSON.stringify(over)}: ${r.text}`);
    assert.ok(fields(r).includes(field), `${JSON.stringify(over)}: ${r.text}`);
  }
  r = await api('POST', '/api/credits/transfer', { token: root.token, body: { from: a.user._id, to: b.user._id, amount: 5.25, reason: 'too much' } });
  assert.equal(r.status, 409, r.text);
  r = await api('POST', '/api/credits/transfer', { token: root.token, body: { from: a.user._id, to: 'b'.repeat(24), amount: 1, reason: 'ghost' } });
  assert.equal(r.status, 404, r.text);
  assert.equal((await balance(s, a)).available, 5);
  r = await api('POST', '/api/credits/transfer', { token: root.token, body: { from: a.user._id, to: b.user._id, amount: 1.25, reason: 'Refund of a no-show' } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.data.amount, 1.25);
  assert.equal((await balance(s, a)).available, 3.75);
  assert.equal((await balance(s, b)).available, 6.25);
  const [row] = await ledger(s, b, '&category=admin');
  assert.deepEqual([row.type, row.amount, row.balanceAfter, row.description, row.relatedUser], ['earned', 1.25, 6.25, 'Refund of a no-show', a.user._id]);
  assert.deepEqual((await ledger(s, a, '&category=admin')).map((x) => [x.type, x.amount]), [['spent', -1.25]]);
  r = await api('POST', '/api/credits/transfer', { token: root.token, body: { from: a.user._id, to: b.user._id, amount: 3.75, reason: 'all' } });
  assert.equal(r.status, 200, r.text);
  assert.equal((await balance(s, a)).available, 0);
  ledgerCheck(s);
});
