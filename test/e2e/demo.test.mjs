// The quick start's demo accounts (sbctl seed-demo): signing in as alice shows something on
// every screen: the other demo people in discover, with their hours in alice's own zone, and
// a conversation with bob waiting to be read.
import test from 'node:test';
import assert from 'node:assert/strict';
import { setup, shot, assertNoProblems } from './lib.mjs';

const s = setup(test);

test('alice signs in with the demo password and finds bob and carol, with their hours', async () => {
  const { page, server } = s;
  const r = server.sbctl('seed-demo');
  assert.equal(r.status, 0, r.out);
  await page.goto(server.url('/login'));
  await page.getByLabel('Email or username').fill('alice');
  await page.getByLabel('Password').fill('barter-demo-2024');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Hello, Alice' }).waitFor();
  await page.goto(server.url('/discover'));
  for (const name of ['Bob Garcia', 'Carol Nguyen']) {
    await page.getByTestId('user-card').filter({ hasText: name }).waitFor();
  }
  await page.getByTestId('user-card').filter({ hasText: 'Bob Garcia' }).getByRole('button', { name: /^View / }).click();
  const hours = page.getByTestId('detail-availability');
  await hours.locator('li').first().waitFor();
  const slots = await hours.locator('li').allTextContents();
  assert.equal(slots.length, 6, slots.join(' | '));
  // bob's Monday 09:00-12:00 in Mexico City (UTC-6 all year) read in alice's Europe/Paris
  assert.ok(['Mon 16:00–19:00', 'Mon 17:00–20:00'].includes(slots[0]), slots[0]);
  await page.getByRole('dialog').getByText('Europe/Paris').first().waitFor();
  await shot(page, 'demo-alice-discover');
  await page.keyboard.press('Escape');
  await page.goto(server.url('/profile?tab=availability'));
  assert.equal(await page.getByTestId('slot-Saturday-10').getAttribute('aria-pressed'), 'true');
  assert.equal(await page.getByTestId('slot-Sunday-10').getAttribute('aria-pressed'), 'false');
  assertNoProblems(s.browser);
});

test('alice has a conversation with bob: two unread, three messages in order', async () => {
  const { page, server } = s;
  await page.goto(server.url('/messages'));
  const conv = page.getByTestId('conversation').filter({ hasText: 'Bob Garcia' });
  await conv.waitFor();
  assert.equal(await conv.getByTestId('conversation-unread').textContent(), '2');
  await conv.click();
  await page.getByTestId('message').nth(2).waitFor();
  const texts = await page.getByTestId('message').locator('p.whitespace-pre-wrap').allTextContents();
  assert.equal(texts.length, 3);
  assert.match(texts[0], /^Hola Alice!/);
  assert.match(texts[1], /^Hi Bob!/);
  assert.match(texts[2], /^Perfect\./);
  await shot(page, 'demo-alice-messages');
  // a second seed-demo finds the accounts and adds no second conversation
  const again = server.sbctl('seed-demo');
  assert.equal(again.status, 0, again.out);
  assert.match(again.out, /demo user alice exists/);
  await page.reload();
  await page.getByTestId('message').nth(2).waitFor();
  assert.equal(await page.getByTestId('message').count(), 3);
  assertNoProblems(s.browser);
});
