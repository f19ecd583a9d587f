// Over the server's discover limit: the list says so and when to try again; slow-changing
// answers (categories, trending) are not asked for again within a minute.
import test from 'node:test';
import assert from 'node:assert/strict';
import { setup, shot, assertAccessible, register, signIn } from './lib.mjs';

const s = setup(test, { server: { extra: 'SkillBarterRateLimit discover 1 5m user\n' } });

test('a 429 shows "too many requests" with the Retry-After seconds', async () => {
  const { page, server } = s;
  const seeded = server.sbctl('seed', '20', '--seed', '3');
  assert.equal(seeded.status, 0, seeded.out);
  const me = await register(server);
  await signIn(page, server, me);
  const asked = [];
  page.on('response', (r) => { const u = new URL(r.url()); if (u.pathname.startsWith('/api/discover')) asked.push(`${r.status()} ${u.pathname}`); });
  await page.goto(server.url('/discover'));
  await page.getByTestId('user-card').first().waitFor();
  await page.getByTestId('trending').waitFor();
  // the second list of the window (only the list counts against the discover limit)
  await page.getByRole('group', { name: 'Categories' }).getByRole('button', { name: /^Music/ }).click();
  const err = page.getByTestId('error-state');
  await err.waitFor().catch((e) => { throw new Error(`${e.message}\n${asked.join(', ')}`); });
  assert.match(await err.textContent(), /Too many requests for now; try again in \d+ seconds\./);
  await shot(page, 'discover-rate-limited');
  await assertAccessible(page, 'rate limited');
  assert.equal(asked.filter((a) => a.endsWith('/api/discover/categories')).length, 1);
  assert.equal(asked.filter((a) => a.endsWith('/api/discover/trending')).length, 1);
  assert.ok(asked.includes('429 /api/discover'), asked.join(', '));
  s.browser.problems.splice(0);
});
