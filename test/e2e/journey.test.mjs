// Two people, two browsers, the whole way: register → skills → discover each other → message
// (arrives live, typing shown) → request a session → accept → start by both (the video panel
// shows the room; the Jitsi script cannot load offline, so the panel gives the room's id and
// link instead) → end → review → both balances and ledgers updated on screen. The server's
// clock is moved (the test clock of sessions_kit) to the session's start and to its end.
import test from 'node:test';
import assert from 'node:assert/strict';
import { setup, shot, assertAccessible, assertNoProblems, openBrowser, newUser, register, signIn, sessionServerOpts, clockAt } from './lib.mjs';

const s = setup(test, { server: sessionServerOpts() });
test.after(async () => { await s.b2?.close(); });

const token = (p) => p.evaluate(() => localStorage.getItem('sb.token'));

// From Sam's booking request to both ledgers: request on Tara's hours (in Sam's zone),
// accept in the chat, both start (the video panel shows the room), end, review, credits moved.
// live: the other browser follows by the socket alone; otherwise it reloads.
async function bookToReview({ server, tara, sam, taraId, samId, live, shots }) {
  // request a session on Tara's hours, shown in Sam's zone: the first start offered
  await sam.goto(server.url(`/users/${taraId}`));
  await sam.getByRole('button', { name: 'Book a session' }).click();
  await sam.getByTestId('slot-select').waitFor();
  const start = Number(await sam.getByTestId('start-select').inputValue());
  await sam.getByLabel('What would you like to cover?').fill('Barre chords');
  await sam.getByRole('button', { name: 'Send request' }).click();
  await sam.getByTestId('booking-sent').waitFor();
  await sam.getByRole('button', { name: 'Done' }).click();
  const samToken = await token(sam);
  const pending = (await server.api('GET', '/api/sessions?status=pending', { token: samToken })).json.data;
  assert.equal(pending.length, 1);
  const session = pending[0];
  assert.equal(Date.parse(session.scheduledTime), start);
  assert.equal(session.teacher._id, taraId);

  // accept in the chat (without real time, Tara opens it after the request was sent)
  if (!live) await tara.goto(server.url(`/messages/${samId}`));
  const request = tara.getByTestId('session-request').filter({ hasText: 'Guitar' });
  await request.waitFor();
  await tara.getByTestId('message').filter({ hasText: 'Session request: Guitar' }).waitFor();
  await shot(tara, `${shots}-request`);
  await assertAccessible(tara, 'chat with a session request');
  await request.getByRole('button', { name: 'Accept' }).click();
  await request.waitFor({ state: 'detached' });
  await tara.goto(server.url('/sessions'));
  const sc = tara.getByTestId('session-card').filter({ hasText: 'Guitar' });
  await sc.getByText('scheduled').waitFor();
  await shot(tara, `${shots}-sessions`);

  // five minutes before the start (the room opens ten minutes before): both start
  clockAt(server, start - 5 * 60000);
  await sc.getByRole('link', { name: 'Open' }).click();
  await tara.getByRole('button', { name: 'Start session' }).click();
  await tara.getByTestId('session-waiting').waitFor();
  const panel = tara.getByTestId('video-panel');
  await panel.waitFor();
  const room = (await tara.getByTestId('room-name').textContent()).trim();
  assert.equal(room, session.roomId, 'the room of the session');
  // offline, the Jitsi External API from the configured domain cannot load: the panel says
  // so and gives the room's id and its link (with the room token the server issued)
  await panel.getByTestId('video-fallback').waitFor();
  assert.equal((await panel.getByTestId('fallback-room').textContent()).trim(), room);
  const apiRoom = (await server.api('GET', `/api/sessions/${session._id}/room`, { token: await token(tara) })).json.data;
  assert.ok(apiRoom.jwt, 'a room token is issued');
  assert.equal(await panel.getByTestId('room-link').getAttribute('href'), apiRoom.meetingUrl);
  assert.ok(apiRoom.meetingUrl.startsWith(`https://${apiRoom.domain}/${room}?jwt=`));
  const sessionPath = new URL(tara.url()).pathname;
  assert.equal(sessionPath, `/sessions/${session._id}`);
  await sam.goto(server.url(sessionPath));
  await sam.getByRole('button', { name: 'Start session' }).click();
  await sam.getByTestId('room-name').filter({ hasText: room }).waitFor();
  await sam.getByTestId('session-timer').waitFor();
  if (!live) await tara.reload();
  await tara.getByTestId('session-status').filter({ hasText: 'in progress' }).waitFor();
  await tara.getByTestId('session-timer').waitFor();
  await shot(tara, `${shots}-video`);
  await assertAccessible(tara, 'session in progress');

  // an hour later Tara ends it; Sam's page turns to the review
  clockAt(server, start + 60 * 60000);
  await tara.getByRole('button', { name: 'End session' }).click();
  await tara.getByTestId('session-completed').filter({ hasText: 'after 60 min; 1 credit earned' }).waitFor();
  if (!live) await sam.reload();
  await sam.getByTestId('session-completed').filter({ hasText: '1 credit spent' }).waitFor();
  await sam.getByTestId('review-form').waitFor();
  await sam.getByLabel('5 ★').check();
  await sam.getByLabel('Feedback').fill('Patient and clear. Thank you!');
  await sam.getByRole('button', { name: 'Send review' }).click();
  await sam.getByTestId('review-done').filter({ hasText: '5 ★ — Patient and clear. Thank you!' }).waitFor();
  await shot(sam, `${shots}-review`);
  // the review stays written after a reload, and shows on Tara's public profile
  await sam.reload();
  await sam.getByTestId('review-done').waitFor();
  assert.equal(await sam.getByTestId('review-form').count(), 0);
  await sam.goto(server.url(`/users/${taraId}`));
  await sam.getByTestId('reviews').getByText('Patient and clear. Thank you!').waitFor();
  clockAt(server, Date.now());

  // both balances and ledgers on screen: Tara 5 + 1, Sam 5 - 1, nothing held
  const credits = async (p) => {
    await p.goto(server.url('/credits'));
    await p.getByTestId('transaction-row').nth(1).waitFor();
    return {
      header: await p.locator('header').getByTestId('credits-available').textContent(),
      available: await p.getByTestId('credits-page').getByTestId('credits-available').textContent(),
      held: await p.getByTestId('credits-page').getByTestId('credits-held').textContent(),
      rows: await p.getByTestId('transaction-row').allTextContents(),
    };
  };
  const ct = await credits(tara);
  const cs = await credits(sam);
  assert.deepEqual([ct.header, ct.available, ct.held], ['6', '6', '0'], 'Tara earned one credit');
  assert.deepEqual([cs.header, cs.available, cs.held], ['4', '4', '0'], 'Sam spent one credit');
  assert.equal(ct.rows.length, 2, ct.rows.join(' | '));
  assert.match(ct.rows[0], /earned\+1/);
  assert.match(ct.rows[1], /bonus\+5/);
  assert.equal(cs.rows.length, 2, cs.rows.join(' | '));
  assert.match(cs.rows[0], /spent-1/);
  assert.match(cs.rows[1], /bonus\+5/);
  await shot(tara, `${shots}-credits-teacher`);
  await shot(sam, `${shots}-credits-student`);
}

async function registerInUi(page, server, who) {
  await page.goto(server.url('/login'));
  await page.evaluate(() => localStorage.clear());   // whoever this browser had signed in
  await page.goto(server.url('/register'));
  await page.getByLabel('First name').fill(who.firstName);
  await page.getByLabel('Last name').fill(who.lastName);
  await page.getByLabel('Username').fill(who.username);
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password', { exact: true }).fill(who.password);
  await page.getByLabel('Confirm password').fill(who.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByTestId('welcome').waitFor();
}

async function addSkill(page, kind, skill, category) {
  await page.getByRole('tab', { name: 'Skills' }).click();
  const box = page.getByTestId(`skills-${kind}`);
  await box.getByRole('button', { name: 'Add a skill' }).click();
  const n = (await box.locator('li').count()) - 1;
  await page.locator(`#${kind}-${n}-skill`).fill(skill);
  await page.locator(`#${kind}-${n}-category`).selectOption(category);
  await box.getByRole('button', { name: `Save skills ${kind}` }).click();
  await page.getByTestId(`skills-${kind}-status`).filter({ hasText: 'Saved.' }).waitFor();
}

test('booking to review, each page loaded afresh: request, accept, both start, end, review, credits', async () => {
  const { server, page: tara } = s;
  const teacher = await register(server, { firstName: 'Tess', lastName: 'Quist' });
  const student = await register(server, { firstName: 'Sol', lastName: 'Iyer' });
  const every = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday']
    .map((day) => ({ day, timeSlots: [{ startTime: '06:00', endTime: '22:00' }] }));
  for (const [path, body] of [['/api/users/skills/offered', { skills: [{ skill: 'Guitar', category: 'Music' }] }],
    ['/api/users/availability', { availability: every, timezone: 'Europe/Oslo' }]]) {
    const r = await server.api('PUT', path, { token: teacher.token, body });
    assert.equal(r.status, 200, r.text);
  }
  const other = await openBrowser({ timezoneId: 'Asia/Tokyo' });
  try {
    const sam = await other.page();
    await signIn(tara, server, teacher);
    await signIn(sam, server, student);
    await bookToReview({ server, tara, sam, taraId: teacher.user._id, samId: student.user._id, live: false, shots: 'sessions' });
    assertNoProblems(s.browser);
    assertNoProblems(other);
  } finally {
    clockAt(server, Date.now());
    await other.close();
  }
});

test('two people: discover, message live, book, accept, meet, end, review, credits move', async () => {
  const { server, page: tara } = s;
  s.b2 = await openBrowser({ timezoneId: 'America/New_York' });
  const sam = await s.b2.page();
  const T = newUser({ firstName: 'Tara', lastName: 'Quist' });
  const S = newUser({ firstName: 'Sam', lastName: 'Iyer' });

  // register → skills (Tara teaches guitar every day 06-22 in her zone; Sam wants it)
  await registerInUi(tara, server, T);
  await addSkill(tara, 'offered', 'Guitar', 'Music');
  await tara.getByRole('tab', { name: 'Availability' }).click();
  for (const d of ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday']) {
    for (const h of [6, 9, 12, 15, 18, 21]) await tara.getByTestId(`slot-${d}-${h}`).click();
  }
  await tara.getByRole('button', { name: 'Save availability' }).click();
  await tara.getByTestId('availability-status').filter({ hasText: 'Saved.' }).waitFor();
  await registerInUi(sam, server, S);
  await addSkill(sam, 'offered', 'Spanish', 'Language');
  await addSkill(sam, 'wanted', 'Guitar', 'Music');

  // discover each other
  await sam.goto(server.url('/discover?skill=Guitar'));
  const card = sam.getByTestId('user-card').filter({ hasText: 'Tara Quist' });
  await card.waitFor();
  await card.getByRole('button', { name: /^View / }).click();
  await sam.getByRole('dialog').getByRole('button', { name: 'Message' }).click();
  await sam.getByTestId('chat-window').waitFor();
  const taraId = sam.url().split('/').pop();
  await tara.goto(server.url('/messages'));

  // message: the first one puts the conversation into Tara's open list, live; in the chat
  // she sees Sam typing, then the next message arrives without a reload
  await tara.getByRole('heading', { name: 'Messages' }).first().waitFor();
  await sam.getByLabel('Message', { exact: true }).fill('Hello Tara, guitar lessons?');
  await sam.getByRole('button', { name: 'Send' }).click();
  const conv = tara.getByTestId('conversation').filter({ hasText: 'Sam Iyer' });
  await conv.waitFor();
  await conv.click();
  await tara.getByTestId('message').filter({ hasText: 'Hello Tara, guitar lessons?' }).waitFor();
  await sam.getByLabel('Message', { exact: true }).pressSequentially('Thursdays would suit me.', { delay: 40 });
  await tara.getByTestId('typing-indicator').waitFor();
  await shot(tara, 'journey-typing');
  await sam.getByRole('button', { name: 'Send' }).click();
  await tara.getByTestId('message').filter({ hasText: 'Thursdays would suit me.' }).waitFor();
  await tara.getByTestId('typing-indicator').waitFor({ state: 'detached' });
  // Tara has the chat open: Sam's receipts turn to read without a reload
  await sam.getByTestId('message').filter({ hasText: 'Thursdays would suit me.' }).getByText(/Read/).waitFor();
  await shot(tara, 'journey-message-live');

  const samId = (await server.api('GET', '/api/users/profile', { token: await sam.evaluate(() => localStorage.getItem('sb.token')) })).json.data._id;
  await bookToReview({ server, tara, sam, taraId, samId, live: true, shots: 'journey' });
  assertNoProblems(s.browser);
  assertNoProblems(s.b2);
});
