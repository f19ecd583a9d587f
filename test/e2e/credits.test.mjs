// The credits screen against the credits API for people with known ledger rows: signed up
// three months ago, two hour-long sessions completed three months and one month ago (the
// server's test clock moved there) and one booked for tomorrow (its hour held). The available, held, earned and spent numbers are
// the balance answer's, the chart's months and bars the stats answer's, the rows the ledger.
import test from 'node:test';
import assert from 'node:assert/strict';
import { setup, shot, assertAccessible, assertNoProblems, signIn, register, sessionServerOpts, clockAt } from './lib.mjs';
import { teacher, booked, act, relogin, MIN, HOUR } from '../integration/sessions_kit.mjs';

const s = setup(test, { server: sessionServerOpts() });

// Noon UTC on the 15th, `back` months before this one.
function monthsAgo(back) {
  const d = new Date();
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - back, 15, 12, 0, 0);
}
const monthKey = (ms) => new Date(ms).toISOString().slice(0, 7);

// A completed hour between t and l at the server time `at` (the clock moved there).
async function hourAt(server, t, l, at) {
  clockAt(server, at);
  await relogin(server, t);
  await relogin(server, l);
  const id = (await booked(server, l, t, at + 5 * MIN, 60))._id;
  assert.equal((await act(server, t, id, { action: 'accept' })).status, 200);
  for (const u of [t, l]) {
    const r = await server.api('POST', `/api/sessions/${id}/start`, { token: u.token });
    assert.equal(r.status, 200, r.text);
  }
  clockAt(server, at + 5 * MIN + HOUR + MIN);
  const r = await server.api('POST', `/api/sessions/${id}/end`, { token: t.token });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.data.creditsExchanged, 1);
}

async function answers(server, u) {
  const get = async (p) => {
    const r = await server.api('GET', p, { token: u.token });
    assert.equal(r.status, 200, r.text);
    return r.json.data;
  };
  return { balance: await get('/api/credits/balance'), stats: await get('/api/credits/stats'),
    rows: await get('/api/credits/transactions?limit=50') };
}

// What the screen shows, read once everything has loaded.
async function screen(page, server, u, label) {
  await signIn(page, server, u);
  await page.goto(server.url('/credits'));
  const main = page.getByTestId('credits-page');
  await main.getByTestId('chart-month').first().waitFor();
  await main.getByTestId('transaction-row').first().waitFor();
  await page.waitForFunction(() => !document.querySelector('[data-testid=credits-page] dd')?.textContent.includes('…'));
  const num = async (id) => (await main.getByTestId(id).textContent()).trim();
  const out = {
    available: await num('credits-available'), held: await num('credits-held'),
    earned: await num('credits-earned'), spent: await num('credits-spent'),
    months: await main.getByTestId('chart-month').evaluateAll((gs) => gs.map((g) => ({
      month: g.dataset.month, earned: Number(g.dataset.earned), spent: Number(g.dataset.spent),
      label: g.querySelector('text').textContent }))),
    rows: await main.getByTestId('transaction-row').allTextContents(),
    header: (await page.locator('header').getByTestId('credits-available').textContent()).trim(),
  };
  await shot(page, `credits-${label}`);
  await assertAccessible(page, `credits of the ${label}`);
  return out;
}

const fmt = (n) => String(Number(n));

test('available, held, earned, the chart\'s months and the ledger are the API\'s, for teacher and learner', async () => {
  const { server, page } = s;
  const m3 = monthsAgo(3); const m1 = monthsAgo(1);
  // both sign up three months ago (their starting bonus is from then)
  clockAt(server, m3 - HOUR);
  const t = await teacher(server);
  const l = await register(server, { firstName: 'Lena', lastName: 'Marsh' });
  await hourAt(server, t, l, m3);
  await hourAt(server, t, l, m1);
  clockAt(server, Date.now());
  await relogin(server, t);
  await relogin(server, l);
  const tomorrow = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate() + 1, 12);
  await booked(server, l, t, tomorrow, 60);

  const want = { teacher: await answers(server, t), learner: await answers(server, l) };
  // the known ledger, as the API tells it
  assert.deepEqual([want.teacher.balance.available, want.teacher.balance.held, want.teacher.balance.totalEarned], [7, 0, 2]);
  assert.deepEqual([want.learner.balance.available, want.learner.balance.held, want.learner.balance.totalSpent], [2, 1, 2]);

  for (const [label, u] of [['teacher', t], ['learner', l]]) {
    const w = want[label];
    const got = await screen(page, server, u, label);
    assert.equal(got.available, fmt(w.balance.available), `${label}: available`);
    assert.equal(got.header, fmt(w.balance.available), `${label}: the header's available`);
    assert.equal(got.held, fmt(w.balance.held), `${label}: held`);
    assert.equal(got.earned, fmt(w.balance.totalEarned), `${label}: earned`);
    assert.equal(got.spent, fmt(w.balance.totalSpent), `${label}: spent`);
    assert.deepEqual(got.months.map(({ month, earned, spent }) => ({ month, earned, spent })),
      w.stats.months.map((m) => ({ month: m.month, earned: Number(m.earned), spent: Number(m.spent) })), `${label}: the chart`);
    assert.equal(got.months.length, 12);
    assert.equal(got.months[11].month, monthKey(Date.now()), 'the chart ends with this month');
    assert.equal(got.rows.length, w.rows.length, `${label}: one row per ledger entry`);
    w.rows.forEach((row, i) => {
      assert.ok(got.rows[i].includes(row.type), `${label} row ${i}: ${got.rows[i]} has ${row.type}`);
      assert.ok(got.rows[i].endsWith(fmt(row.balanceAfter)), `${label} row ${i}: ${got.rows[i]} ends with ${row.balanceAfter}`);
    });
    const at = (k) => got.months.find((m) => m.month === monthKey(k));
    if (label === 'teacher') {
      assert.deepEqual([at(m3).earned, at(m1).earned, at(Date.now()).earned], [1, 1, 0]);
    } else {
      // spent counts the hold of tomorrow's session in this month
      assert.deepEqual([at(m3).spent, at(m1).spent, at(Date.now()).spent], [1, 1, 1]);
      await page.locator('header').getByTestId('credits-held').filter({ hasText: '+1 held' }).waitFor();
    }
  }
  assertNoProblems(s.browser);
});
