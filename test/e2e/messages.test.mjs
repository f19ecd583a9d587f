// Messaging in two browsers against a server with the real-time daemon: conversations with
// unread badges, the chat window, "load older" keeping the scroll position, blocking; live
// arrival, typing, online status, read receipts and the notification bell, by the socket.
import test from 'node:test';
import assert from 'node:assert/strict';
import { setup, shot, assertAccessible, assertNoProblems, register, signIn, openBrowser, socketAvailable } from './lib.mjs';

const s = setup(test);
let ready;
async function people() {
  ready ||= (async () => {
    const { server } = s;
    s.ann = await register(server, { firstName: 'Ann', lastName: 'Lee' });
    s.ben = await register(server, { firstName: 'Ben', lastName: 'Okafor' });
    assert.ok(await socketAvailable(server), 'the real-time daemon answers at /socket.io/');
    s.b2 = await openBrowser();
    s.pageB = await s.b2.page();
    await signIn(s.page, server, s.ann);
    await signIn(s.pageB, server, s.ben);
  })();
  return ready;
}
test.after(async () => { await s.b2?.close(); });

test('send from a chat; the other person sees the conversation with its unread badge', async () => {
  await people();
  const { page, pageB, server } = s;
  await page.goto(server.url(`/messages/${s.ben.user._id}`));
  await page.getByTestId('chat-window').getByRole('heading', { name: 'Ben Okafor' }).waitFor();
  await page.getByLabel('Message', { exact: true }).fill('Hi Ben! Could you teach me Spanish?');
  await page.getByRole('button', { name: 'Send' }).click();
  const mine = page.getByTestId('message').filter({ hasText: 'Could you teach me Spanish?' });
  await mine.waitFor();
  assert.match(await mine.getByTestId('read-receipt').textContent(), /Sent/);
  await shot(page, 'messages-chat');
  await assertAccessible(page, 'chat');

  await pageB.goto(server.url('/messages'));
  const conv = pageB.getByTestId('conversation').filter({ hasText: 'Ann Lee' });
  await conv.waitFor();
  assert.equal(await conv.getByTestId('conversation-unread').textContent(), '1');
  assert.equal(await pageB.getByTestId('unread-messages').first().textContent(), '1');
  await shot(pageB, 'messages-list');
  await assertAccessible(pageB, 'conversations');
  await conv.click();
  await pageB.getByTestId('message').filter({ hasText: 'Could you teach me Spanish?' }).waitFor();
  // opening the chat marks it read: badge gone, and the sender's message is read on the server
  await pageB.waitForFunction(() => !document.querySelector('[data-testid=conversation-unread]'));
  const r = await server.api('GET', `/api/messages/${s.ann.user._id}`, { token: s.ben.token });
  assert.equal(r.json.data[0].isRead, true);
  await page.reload();
  await page.getByTestId('message').filter({ hasText: 'Could you teach me Spanish?' }).getByText(/Read/).waitFor();
  // delete one of your own messages
  await page.getByLabel('Message', { exact: true }).fill('a typo to take back');
  await page.getByRole('button', { name: 'Send' }).click();
  const typo = page.getByTestId('message').filter({ hasText: 'a typo to take back' });
  await typo.getByRole('button', { name: 'Delete this message' }).click();
  await page.getByTestId('message').filter({ hasText: 'Message deleted' }).waitFor();
  const after = await server.api('GET', `/api/messages/${s.ben.user._id}`, { token: s.ann.token });
  assert.ok(!after.json.data.some((m) => m.content === 'a typo to take back' && !m.isDeleted), 'deleted on the server');
  assertNoProblems(s.browser);
  assertNoProblems(s.b2);
});

test('"load older messages" prepends the previous page and keeps what you were reading in place', async () => {
  await people();
  const { pageB, server } = s;
  for (let i = 1; i <= 45; i++) {
    const from = i % 2 ? s.ann : s.ben; const to = i % 2 ? s.ben : s.ann;
    const r = await server.api('POST', '/api/messages/send', { token: from.token, body: { receiver: to.user._id, content: `numbered message ${i}` } });
    assert.equal(r.status, 201, r.text);
  }
  await pageB.goto(server.url(`/messages/${s.ann.user._id}`));
  await pageB.getByTestId('message').filter({ hasText: 'numbered message 45' }).waitFor();
  assert.equal(await pageB.getByTestId('message').count(), 20);
  const list = pageB.getByTestId('message-list');
  await list.evaluate((el) => { el.scrollTop = 0; });
  // messages sent within one millisecond are ordered by id (the API's (createdAt, id) order),
  // so the anchor and the checks stay clear of a page's edges
  const anchor = pageB.getByTestId('message').filter({ has: pageB.locator('p', { hasText: /^numbered message 35$/ }) });
  const before = await anchor.evaluate((el) => el.getBoundingClientRect().top);
  await pageB.getByRole('button', { name: 'Load older messages' }).click();
  await pageB.waitForFunction(() => document.querySelectorAll('[data-testid=message]').length === 40);
  const after = await anchor.evaluate((el) => el.getBoundingClientRect().top);
  assert.ok(Math.abs(after - before) <= 2, `the message read before stays put (${before} -> ${after})`);
  const texts = await pageB.getByTestId('message').locator('p.whitespace-pre-wrap').allTextContents();
  const first = texts.slice(0, 3).map((x) => Number(x.replace('numbered message ', '')));
  assert.ok(first.every((n) => n >= 1 && n <= 10), `the older page comes first: ${texts.slice(0, 3)}`);
  await pageB.getByRole('button', { name: 'Load older messages' }).click();
  await pageB.waitForFunction(() => document.querySelectorAll('[data-testid=message]').length === 46);
  assert.equal(await pageB.getByRole('button', { name: 'Load older messages' }).count(), 0, 'no more pages');
  await shot(pageB, 'messages-older');
  assertNoProblems(s.b2);
});

test('the bell: a notification for a new message, opened from the menu, then read', async () => {
  await people();
  const { pageB, server } = s;
  const carl = await register(server, { firstName: 'Carl', lastName: 'Nyberg' });
  const sent = await server.api('POST', '/api/messages/send', { token: carl.token, body: { receiver: s.ben.user._id, content: 'Chess on Sunday?' } });
  assert.equal(sent.status, 201, sent.text);
  await pageB.goto(server.url('/dashboard'));
  const count = pageB.getByTestId('notification-count');
  await count.waitFor();
  const before = Number((await count.textContent()).replace(/\D/g, ''));
  assert.ok(before >= 1);
  await pageB.getByTestId('recent-activity').getByText('New message from Carl Nyberg').waitFor();
  await pageB.getByTestId('notification-bell').click();
  await shot(pageB, 'notifications');
  await assertAccessible(pageB, 'notifications menu');
  await pageB.getByRole('button', { name: /New message from Carl Nyberg/ }).click();
  await pageB.waitForURL(new RegExp(`/messages/${carl.user._id}$`));
  await pageB.getByTestId('message').filter({ hasText: 'Chess on Sunday?' }).waitFor();
  const r = await server.api('GET', '/api/notifications', { token: s.ben.token });
  assert.equal(r.json.data.find((n) => n.link === `/messages/${carl.user._id}`).isRead, true);
  assertNoProblems(s.b2);
});

test('block: their messages are refused with the reason shown; unblock lets them through', async () => {
  await people();
  const { page, pageB, server } = s;
  await page.goto(server.url(`/messages/${s.ben.user._id}`));
  await page.getByRole('button', { name: 'Block Ben Okafor' }).click();
  await page.getByRole('button', { name: 'Unblock Ben Okafor' }).waitFor();
  const list = await server.api('GET', '/api/users/blocked', { token: s.ann.token });
  assert.deepEqual(list.json.data.map((u) => u._id), [s.ben.user._id]);
  await pageB.goto(server.url(`/messages/${s.ann.user._id}`));
  await pageB.getByLabel('Message', { exact: true }).fill('are you there?');
  await pageB.getByRole('button', { name: 'Send' }).click();
  const err = pageB.getByTestId('chat-window').getByRole('alert');
  await err.waitFor();
  assert.ok((await err.textContent()).length > 0);
  assert.equal(await pageB.getByLabel('Message', { exact: true }).inputValue(), 'are you there?', 'the text is kept');
  await shot(pageB, 'messages-blocked');
  await page.getByRole('button', { name: 'Unblock Ben Okafor' }).click();
  await page.getByRole('button', { name: 'Block Ben Okafor' }).waitFor();
  await pageB.getByRole('button', { name: 'Send' }).click();
  await pageB.getByTestId('message').filter({ hasText: 'are you there?' }).waitFor();
  // the refused send was shown in the page's console as a failed request: expected here
  s.b2.problems.splice(0);
  assertNoProblems(s.browser);
});

test('live: the message arrives in the other browser, typing and online status show, receipts turn read', async () => {
  await people();
  const { page, pageB, server } = s;
  // presence is shared between conversation partners only: they have written before
  const hello = await server.api('POST', '/api/messages/send', { token: s.ann.token, body: { receiver: s.ben.user._id, content: 'Ready when you are' } });
  assert.equal(hello.status, 201, hello.text);
  await page.goto(server.url(`/messages/${s.ben.user._id}`));
  await pageB.goto(server.url(`/messages/${s.ann.user._id}`));
  // each sees the other online: both sockets are up (and have joined the conversation)
  await page.getByTestId('presence').filter({ hasText: 'Online' }).waitFor();
  await pageB.getByTestId('presence').filter({ hasText: 'Online' }).waitFor();
  await pageB.getByLabel('Message', { exact: true }).pressSequentially('On my way', { delay: 30 });
  await page.getByTestId('typing-indicator').waitFor();
  await shot(page, 'messages-typing');
  await pageB.getByRole('button', { name: 'Send' }).click();
  await page.getByTestId('message').filter({ hasText: 'On my way' }).waitFor();
  await page.getByTestId('typing-indicator').waitFor({ state: 'detached' });
  // Ann has the chat open, so it is read at once; Ben's receipt turns without a reload
  await pageB.getByTestId('message').filter({ hasText: 'On my way' }).getByText(/Read/).waitFor();
  assertNoProblems(s.browser);
  assertNoProblems(s.b2);
});

test('live: the bell counts a new notification and lists it without a reload', async () => {
  await people();
  const { pageB, server } = s;
  await pageB.goto(server.url('/dashboard'));
  await pageB.getByRole('heading', { name: 'Hello, Ben' }).waitFor();
  const unread = async () => (await server.api('GET', '/api/notifications', { token: s.ben.token })).json.unreadCount;
  const count = (n) => pageB.getByTestId('notification-count').filter({ hasText: new RegExp(`^${n} unread$`) });
  const before = await unread();
  if (before > 0) await count(before).waitFor();
  // wait until Ben's socket is up: Ann sees him online in her chat
  await s.page.goto(server.url(`/messages/${s.ben.user._id}`));
  await s.page.getByTestId('presence').filter({ hasText: 'Online' }).waitFor();
  const dana = await register(server, { firstName: 'Dana', lastName: 'Ruiz' });
  const sent = await server.api('POST', '/api/messages/send', { token: dana.token, body: { receiver: s.ben.user._id, content: 'Pottery swap?' } });
  assert.equal(sent.status, 201, sent.text);
  await count(before + 1).waitFor();
  assert.equal(await unread(), before + 1);
  await pageB.getByTestId('notification-bell').click();
  await pageB.getByRole('button', { name: /New message from Dana Ruiz/ }).waitFor();
  await shot(pageB, 'notifications-live');
  await pageB.keyboard.press('Escape');
  assertNoProblems(s.b2);
});
