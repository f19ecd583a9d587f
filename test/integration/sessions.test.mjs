// The session journey against a real server: request (a message in the conversation) →
// accept → both join → end → reviews, with both balances and both ledgers checked at every
// step; the room and its Jitsi token; the test clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { useServer, register } from './harness.mjs';
import {
  sessionServerOpts, teacher, dayStart, iso, balance, ledger, act, clockAt, relogin, ledgerCheck,
  sql, HOUR, MIN, JITSI_SECRET,
} from './sessions_kit.mjs';

const server = useServer(sessionServerOpts());
const api = (...a) => server().api(...a);

function outbox(userId) {
  const r = server().sbctl('outbox-read', userId, '0');
  assert.equal(r.status, 0, r.out);
  return r.out.trim() ? r.out.trim().split('\n').map((l) => JSON.parse(l)) : [];
}

function jwtClaims(token, secret) {
  const [h, p, s] = token.split('.');
  const mac = createHmac('sha256', secret).update(`${h}.${p}`).digest('base64url');
  assert.equal(s, mac, 'the room token verifies with the Jitsi secret');
  return JSON.parse(Buffer.from(p, 'base64url').toString());
}

test('the full journey moves credits exactly, with a ledger row for every change', async (t) => {
  const s = server();
  clockAt(s, Date.now());
  const teach = await teacher(s);
  const learn = await register(s);
  const start = dayStart(3) + 10 * HOUR;

  // request through the conversation
  let r = await api('POST', '/api/messages/session-request', {
    token: learn.token,
    body: { teacher: teach.user._id, skill: 'guitar', scheduledTime: iso(start), duration: 60, description: 'Barre chords' },
  });
  assert.equal(r.status, 201, r.text);
  const { session, message } = r.json.data;
  assert.equal(session.status, 'pending');
  assert.equal(session.skill, 'Guitar');
  assert.equal(session.category, 'Music');
  assert.equal(session.duration, 60);
  assert.equal(session.creditsHeld, 1);
  assert.match(session.roomId, /^sb-[0-9a-f]{40}$/);
  assert.equal(session.meetingUrl, `https://meet.example.org/${session.roomId}`);
  assert.equal(message.messageType, 'session_request');
  assert.equal(message.sessionData.sessionId, session._id);
  assert.equal(message.sessionData.proposedTime, iso(start));
  assert.equal(message.sessionData.status, 'pending');
  const conv = await api('GET', `/api/messages/${learn.user._id}`, { token: teach.token });
  assert.equal(conv.status, 200, conv.text);
  // after a reload the conversation's request carries the session, so its card can answer it
  const reloaded = conv.json.data.find((m) => m._id === message._id);
  assert.equal(reloaded.messageType, 'session_request');
  assert.deepEqual(reloaded.sessionData, {
    sessionId: session._id, skill: 'Guitar', duration: 60, proposedTime: iso(start),
    description: 'Barre chords', status: 'pending', sessionStatus: 'pending',
  });
  assert.equal((await api('GET', `/api/messages/${teach.user._id}`, { token: learn.token }))
    .json.data.find((m) => m._id === message._id).sessionData.sessionId, session._id);
  assert.ok(outbox(teach.user._id).some((e) => e.type === 'session:request'));
  assert.ok(outbox(teach.user._id).some((e) => e.type === 'notification:new'));

  await t.test('booking holds the planned hour', async () => {
    const b = await balance(s, learn);
    assert.equal(b.available, 4);
    assert.equal(b.held, 1);
    assert.equal((await balance(s, teach)).available, 5);
    const rows = await ledger(s, learn);
    assert.deepEqual(rows.map((x) => [x.type, x.amount, x.balanceAfter]), [['spent', -1, 4], ['bonus', 5, 5]]);
    assert.equal(rows[0].relatedSession, session._id);
    assert.equal(rows[0].category, 'learning');
    ledgerCheck(s);
  });

  await t.test('only the teacher accepts; the request message follows', async () => {
    r = await act(s, learn, session._id, { action: 'accept' });
    assert.equal(r.status, 403, r.text);
    r = await act(s, teach, session._id, { action: 'accept' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.data.status, 'scheduled');
    assert.ok(outbox(learn.user._id).some((e) => e.type === 'session:accepted'));
    assert.equal(sql(s, `SELECT session_status FROM messages WHERE id = '${message._id}'`)[0].session_status, 'accepted');
    const d = (await api('GET', `/api/messages/${learn.user._id}`, { token: teach.token }))
      .json.data.find((m) => m._id === message._id).sessionData;
    assert.equal(d.status, 'accepted');
    assert.equal(d.sessionStatus, 'scheduled');
    r = await act(s, teach, session._id, { action: 'accept' });
    assert.equal(r.status, 409, r.text);
    assert.match(r.json.message, /scheduled/);
  });

  await t.test('joining: too early is refused, then in_progress once both are in', async () => {
    r = await api('POST', `/api/sessions/${session._id}/start`, { token: teach.token });
    assert.equal(r.status, 409, r.text);
    assert.ok(r.json.errors.some((e) => e.field === 'scheduledTime'));
    clockAt(s, start - 5 * MIN);
    await relogin(s, teach);
    await relogin(s, learn);
    r = await api('POST', `/api/sessions/${session._id}/start`, { token: teach.token });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.data.status, 'scheduled');
    assert.equal(r.json.data.teacherJoined, true);
    clockAt(s, start + 2 * MIN);
    await relogin(s, teach);
    await relogin(s, learn);
    r = await api('POST', `/api/sessions/${session._id}/start`, { token: learn.token });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.data.status, 'in_progress');
    const startedAt = Date.parse(r.json.data.startedAt);
    assert.ok(Math.abs(startedAt - (start + 2 * MIN)) < 60 * 1000, r.json.data.startedAt);
    assert.ok(outbox(teach.user._id).some((e) => e.type === 'session:started'));
  });

  await t.test('the room: participants only, each with a Jitsi token for this room', async () => {
    const other = await register(s);
    r = await api('GET', `/api/sessions/${session._id}/room`, { token: other.token });
    assert.equal(r.status, 404, r.text);
    r = await api('GET', `/api/sessions/${session._id}`, { token: other.token });
    assert.equal(r.status, 404, r.text);
    for (const [u, mod] of [[teach, true], [learn, false]]) {
      r = await api('GET', `/api/sessions/${session._id}/room`, { token: u.token });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.data.roomId, session.roomId);
      assert.equal(r.json.data.domain, 'meet.example.org');
      const c = jwtClaims(r.json.data.jwt, JITSI_SECRET);
      assert.equal(c.aud, 'jitsi');
      assert.equal(c.iss, 'skillbarter-test');
      assert.equal(c.sub, 'meet.example.org');
      assert.equal(c.room, session.roomId);
      assert.equal(c.moderator, mod);
      assert.equal(c.context.user.id, u.user._id);
      assert.equal(c.context.user.name, 'Ada Lovelace');
      assert.equal(c.exp, (start + 60 * MIN) / 1000 + 15 * 60);
    }
  });

  await t.test('end pays the measured 45 minutes and returns the rest of the hold', async () => {
    clockAt(s, start + 47 * MIN + 30 * 1000);
    await relogin(s, teach);
    await relogin(s, learn);
    r = await api('POST', `/api/sessions/${session._id}/end`, { token: learn.token });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.data.status, 'completed');
    assert.equal(r.json.data.actualDuration, 45);
    assert.equal(r.json.data.creditsExchanged, 0.75);
    assert.deepEqual([r.json.data.teacher._id, r.json.data.teacher.username,
      r.json.data.student._id], [teach.user._id, teach.user.username, learn.user._id]);
    r = await api('POST', `/api/sessions/${session._id}/end`, { token: teach.token });
    assert.equal(r.status, 409, r.text);
    assert.match(r.json.message, /completed/);
    const bt = await balance(s, teach);
    const bl = await balance(s, learn);
    assert.deepEqual([bt.available, bt.held, bt.totalEarned, bt.hoursTaught], [5.75, 0, 0.75, 0.75]);
    assert.deepEqual([bl.available, bl.held, bl.totalSpent, bl.hoursLearned], [4.25, 0, 0.75, 0.75]);
    assert.deepEqual((await ledger(s, teach)).map((x) => [x.type, x.amount, x.balanceAfter]),
      [['earned', 0.75, 5.75], ['bonus', 5, 5]]);
    assert.deepEqual((await ledger(s, learn)).map((x) => [x.type, x.amount, x.balanceAfter]),
      [['refund', 0.25, 4.25], ['spent', -1, 4], ['bonus', 5, 5]]);
    // both hear the session as the end stored it: settled, with the measured minutes
    for (const u of [teach, learn]) {
      const ended = outbox(u.user._id).filter((e) => e.type === 'session:ended');
      assert.equal(ended.length, 1);
      assert.deepEqual([ended[0].data.status, ended[0].data.actualDuration,
        ended[0].data.creditsExchanged], ['completed', 45, 0.75]);
    }
    ledgerCheck(s);
  });

  await t.test('each reviews the other once; the rating is the exact mean', async () => {
    r = await api('POST', `/api/sessions/${session._id}/review`, { token: learn.token, body: { rating: 5, feedback: 'Great', wouldRecommend: true } });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.data.reviewee, teach.user._id);
    r = await api('POST', `/api/sessions/${session._id}/review`, { token: learn.token, body: { rating: 1 } });
    assert.equal(r.status, 409, r.text);
    r = await api('POST', `/api/sessions/${session._id}/review`, { token: teach.token, body: { rating: 4 } });
    assert.equal(r.status, 201, r.text);
    r = await api('GET', `/api/users/${teach.user._id}/reviews`, { token: learn.token });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.data.length, 1);
    assert.equal(r.json.data[0].rating, 5);
    assert.equal(r.json.data[0].feedback, 'Great');
    assert.equal(r.json.data[0].reviewer._id, learn.user._id);
    r = await api('GET', `/api/users/${teach.user._id}`, { token: learn.token });
    assert.equal(r.json.data.rating, 5);
    assert.equal(r.json.data.totalReviews, 1);
  });
  clockAt(s, Date.now());
});

test('reviews page on a cursor and the mean stays exact (13/3)', async () => {
  const s = server();
  clockAt(s, Date.now());
  const teach = await teacher(s);
  const ratings = [5, 4, 4];
  const base = dayStart(10);
  for (let i = 0; i < ratings.length; i++) {
    clockAt(s, Date.now());
    await relogin(s, teach);
    const learn = await register(s);
    const at = base + i * 2 * HOUR;
    let r = await api('POST', '/api/sessions/create', { token: learn.token, body: { teacher: teach.user._id, skill: 'Guitar', scheduledTime: iso(at), duration: 15 } });
    assert.equal(r.status, 201, r.text);
    const id = r.json.data._id;
    assert.equal((await act(s, teach, id, { action: 'accept' })).status, 200);
    clockAt(s, at);
    await relogin(s, teach);
    await relogin(s, learn);
    assert.equal((await api('POST', `/api/sessions/${id}/start`, { token: teach.token })).status, 200);
    assert.equal((await api('POST', `/api/sessions/${id}/start`, { token: learn.token })).status, 200);
    clockAt(s, at + 16 * MIN);   /* capped at the planned 15 */
    await relogin(s, learn);
    await relogin(s, teach);
    r = await api('POST', `/api/sessions/${id}/end`, { token: teach.token });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.data.creditsExchanged, 0.25);
    r = await api('POST', `/api/sessions/${id}/review`, { token: learn.token, body: { rating: ratings[i] } });
    assert.equal(r.status, 201, r.text);
  }
  clockAt(s, Date.now());
  await relogin(s, teach);
  let r = await api('GET', `/api/users/${teach.user._id}/reviews?limit=2`, { token: teach.token });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.data.length, 2);
  assert.equal(r.json.pagination.hasMore, true);
  r = await api('GET', `/api/users/${teach.user._id}/reviews?limit=2&cursor=${encodeURIComponent(r.json.pagination.nextCursor)}`, { token: teach.token });
  assert.equal(r.json.data.length, 1);
  assert.equal(r.json.pagination.hasMore, false);
  await relogin(s, teach);
  r = await api('GET', `/api/users/${teach.user._id}`, { token: teach.token });
  assert.equal(r.json.data.rating, 4.33);   /* shown with two decimals */
  assert.equal(r.json.data.totalReviews, 3);
  const rows = sql(s, `SELECT rating_sum, total_reviews, rating = 13.0 / 3 AS exact FROM users WHERE id = '${teach.user._id}'`);
  assert.deepEqual(rows[0], { rating_sum: 13, total_reviews: 3, exact: 1 });
  ledgerCheck(s);
});
