// Every signed-in screen at desktop size: it renders (with its empty or unavailable state
// where the data or the API is not there), passes axe, has a screenshot; keyboard basics.
import test from 'node:test';
import assert from 'node:assert/strict';
import { setup, shot, assertAccessible, assertNoProblems, register, signIn } from './lib.mjs';

const s = setup(test);

test('every screen renders, is accessible and is photographed', async () => {
  const { page, server } = s;
  const me = await register(server, { firstName: 'Mira', lastName: 'Sol' });
  const other = await register(server, { firstName: 'Oskar', lastName: 'Berg' });
  await server.api('PUT', '/api/users/skills/offered', { token: other.token, body: { skills: [{ skill: 'Chess', category: 'Other' }] } });
  await signIn(page, server, me);
  const screens = [
    ['/dashboard', 'dashboard', 'Hello, Mira'],
    ['/sessions', 'sessions', 'Sessions'],
    ['/credits', 'credits', 'Credits'],
    ['/messages', 'messages', 'Messages'],
    [`/messages/${other.user._id}`, 'messages-chat-empty', null],
    ['/profile?tab=skills', 'profile-skills-empty', 'Your profile'],
    ['/profile?tab=picture', 'profile-picture', 'Your profile'],
    [`/users/${other.user._id}`, 'public-profile-other', 'Oskar Berg'],
    ['/nowhere', 'not-found-signed-in', 'Page not found'],
  ];
  for (const [path, name, heading] of screens) {
    await page.goto(server.url(path));
    if (heading) await page.getByRole('heading', { name: heading, exact: true }).first().waitFor();
    else await page.locator('main h1, main h2').first().waitFor();
    await page.waitForFunction(() => !document.querySelector('[role=status] .animate-spin'));
    await shot(page, `screen-${name}`);
    await assertAccessible(page, path);
  }
  assertNoProblems(s.browser);
});

test('keyboard: the first Tab reaches "skip to content", which moves to the main area', async () => {
  const { page, server } = s;
  await page.goto(server.url('/dashboard'));
  await page.getByRole('heading', { name: 'Hello, Mira' }).waitFor();
  await page.keyboard.press('Tab');
  const first = await page.evaluate(() => document.activeElement.textContent);
  assert.equal(first, 'Skip to content');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => location.hash === '#main');
  // every control on the screen has an accessible name (axe checks it too; here: buttons)
  const unnamed = await page.evaluate(() => [...document.querySelectorAll('button, a[href], input, select, textarea')]
    .filter((el) => !(el.getAttribute('aria-label') || el.textContent.trim() || el.labels?.length || el.getAttribute('title')))
    .map((el) => el.outerHTML.slice(0, 80)));
  assert.deepEqual(unnamed, []);
});
