// Every booking rule and every illegal transition against a real server: the createSession
// schema, the teacher's skill and availability in their own zone, overlaps of either party,
// the balance (409 naming what is available), blocks, who may answer, cancellation with the
// late penalty, reschedule proposals, notes, disputes and their resolution, the calendar feed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, register } from './harness.mjs';
import {
  sessionServerOpts, teacher, dayStart, iso, book, booked, balance, ledger, act, clockAt, relogin,
  ledgerCheck, HOUR, MIN,
} from './sessions_kit.mjs';

const server = useServer(sessionServerOpts('SkillBarterLateCancelPenalty 30\n'));
const api = (...a) => server().api(...a);
const fields = (r) => (r.json.errors || []).map((e) => e.field);

test('the createSession schema: each bad field is a 400 naming it, nothing is held', async () => {
  const s = server();
  clockAt(s, Date.now());
  const t = await teacher(s);
  const l = await register(s);
  const at = dayStart(2) + 9 * HOUR;
  const cases = [
    [{ teacher: 'nothex' }, 'teacher'],
    [{ teacher: l.user._id }, 'teacher'],
    [{ scheduledTime: 'tomorrow' }, 'scheduledTime'],
    [{ scheduledTime: iso(Date.now() - HOUR) }, 'scheduledTime'],
    [{ duration: 10 }, 'duration'],
    [{ duration: 20 }, 'duration'],
    [{ duration: 255 }, 'duration'],
    [{ duration: 30.5 }, 'duration'],
    [{ duration: '60' }, 'duration'],
    [{ description: 'x'.repeat(501) }, 'description'],
    [{ skill: '' }, 'skill'],
    [{ skill: 'Welding' }, 'skill'],
  ];
  for (const [over, field] of cases) {
    const r = await book(s, l, t, at, 60, over);
    assert.equal(r.status, 400, `${JSON.stringify(over)}: ${r.text}`);
    assert.ok(fields(r).includes(field), `${JSON.stringify(over)}: ${r.text}`);
  }
  const ghost = await book(s, l, { user: { _id: 'a'.repeat(24) } }, at);
  assert.equal(ghost.status, 404, ghost.text);
  assert.equal((await balance(s, l)).available, 5);
  assert.equal((await booked(s, l, t, at, 240, { description: 'x'.repeat(500) })).status, 'pending');
});

test("the slot must lie inside the teacher's availability in the teacher's zone", async () => {
  const s = server();
  const day = dayStart(4);
  const weekday = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'][new Date(day).getUTCDay()];
  // 09:00-12:00 in Tokyo (UTC+9, no DST) is 00:00-03:00 UTC of the same date
  const t = await teacher(s, { timezone: 'Asia/Tokyo', availability: [{ day: weekday, timeSlots: [{ startTime: '09:00', endTime: '12:00' }] }] });
  const l = await register(s);
  let r = await book(s, l, t, day + 9 * HOUR, 60);   // 18:00 Tokyo
  assert.equal(r.status, 409, r.text);
  assert.ok(fields(r).includes('scheduledTime'));
  r = await book(s, l, t, day + 2 * HOUR + 30 * MIN, 60);   // 11:30-12:30 Tokyo: runs over
  assert.equal(r.status, 409, r.text);
  r = await book(s, l, t, day + 2 * HOUR, 60);   // 11:00-12:00 Tokyo
  assert.equal(r.status, 201, r.text);
  r = await book(s, l, t, day + 0 * HOUR, 15, { scheduledTime: new Date(day).toISOString().replace('T00:00:00.000Z', 'T09:00:00+09:00') });
  assert.equal(r.status, 201, r.text);
});

test('overlaps of either party, the balance and blocks', async () => {
  const s = server();
  const t = await teacher(s);
  const t2 = await teacher(s);
  const l = await register(s);
  const at = dayStart(6) + 8 * HOUR;
  await booked(s, l, t, at, 180);
  let r = await book(s, l, t, at + 2 * HOUR, 60);
  assert.equal(r.status, 409, r.text);
  assert.ok(fields(r).includes('scheduledTime'));
  r = await book(s, l, t2, at + 179 * MIN, 15);   // the learner is busy then, with anyone
  assert.equal(r.status, 409, r.text);
  await booked(s, l, t2, at + 3 * HOUR, 60);
  r = await book(s, l, t2, at + 5 * HOUR, 75);
  assert.equal(r.status, 409, r.text);
  assert.match(r.json.message, /: 1 available, 1\.25 needed/);
  assert.ok(fields(r).includes('duration'));
  assert.equal((await booked(s, l, t2, at + 5 * HOUR, 60)).creditsHeld, 1);
  assert.deepEqual(await balance(s, l).then((b) => [b.available, b.held]), [0, 5]);
  // the teacher blocks a learner: 403, nothing held
  const l2 = await register(s);
  assert.equal((await api('POST', `/api/users/${l2.user._id}/block`, { token: t.token })).status, 200);
  r = await book(s, l2, t, at + 10 * HOUR, 60);
  assert.equal(r.status, 403, r.text);
  assert.equal((await balance(s, l2)).available, 5);
  ledgerCheck(s);
});

test('illegal transitions are 409 naming the status; strangers get 404', async () => {
  const s = server();
  clockAt(s, Date.now());
  const t = await teacher(s);
  const l = await register(s);
  const x = await register(s);
  const at = dayStart(8) + 10 * HOUR;
  const id = (await booked(s, l, t, at, 60))._id;
  for (const [path, who] of [['end', t], ['start', l], ['review', l]]) {
    const r = await api('POST', `/api/sessions/${id}/${path}`, { token: who.token, body: path === 'review' ? { rating: 5 } : undefined });
    assert.equal(r.status, 409, `${path}: ${r.text}`);
    assert.match(r.json.message, /pending/, path);
  }
  for (const path of ['', '/room']) {
    assert.equal((await api('GET', `/api/sessions/${id}${path}`, { token: x.token })).status, 404);
  }
  // the transitions read the session in their own step: a stranger, or an id of nothing, is
  // 404 and changes nothing; a malformed id is 400
  const nothing = 'f'.repeat(24);
  for (const sid of [id, nothing]) {
    for (const path of ['end', 'start']) {
      assert.equal((await api('POST', `/api/sessions/${sid}/${path}`, { token: x.token })).status, 404, path);
    }
    assert.equal((await api('DELETE', `/api/sessions/${sid}`, { token: x.token })).status, 404);
  }
  assert.equal((await api('POST', '/api/sessions/nothex/end', { token: l.token })).status, 400);
  assert.equal((await api('GET', `/api/sessions/${id}`, { token: l.token })).json.data.status, 'pending');
  assert.equal((await act(s, x, id, { action: 'accept' })).status, 404);
  assert.equal((await api('GET', '/api/sessions/nothex', { token: l.token })).status, 400);
  let r = await act(s, t, id, { action: 'maybe' });
  assert.equal(r.status, 400, r.text);
  assert.ok(fields(r).includes('action'));
  r = await act(s, t, id, { action: 'decline' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.data.status, 'declined');
  assert.equal((await balance(s, l)).available, 5);
  for (const body of [{ action: 'accept' }, { action: 'decline' }, { action: 'reschedule', scheduledTime: iso(at + HOUR) }]) {
    r = await act(s, t, id, body);
    assert.equal(r.status, 409, `${JSON.stringify(body)}: ${r.text}`);
    assert.match(r.json.message, /declined/);
  }
  r = await api('DELETE', `/api/sessions/${id}`, { token: l.token });
  assert.equal(r.status, 409, r.text);
  ledgerCheck(s);
});

test('cancel releases the hold; within 24 h the learner pays the configured penalty', async () => {
  const s = server();
  clockAt(s, Date.now());
  const t = await teacher(s);
  const l = await register(s);
  const far = dayStart(9) + 10 * HOUR;
  const a = await booked(s, l, t, far, 60);
  const b = await booked(s, l, t, far + 2 * HOUR, 60);
  const c = await booked(s, l, t, far + 4 * HOUR, 60);
  assert.equal((await act(s, t, b._id, { action: 'accept' })).status, 200);
  let r = await api('DELETE', `/api/sessions/${a._id}`, { token: l.token, body: { reason: 'busy' } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.data.status, 'cancelled');
  assert.equal(r.json.data.cancelReason, 'busy');
  assert.equal((await balance(s, l)).available, 3);
  clockAt(s, far + 2 * HOUR - 3 * HOUR);
  await relogin(s, l);
  await relogin(s, t);
  r = await api('DELETE', `/api/sessions/${b._id}`, { token: l.token });
  assert.equal(r.status, 200, r.text);
  assert.equal((await balance(s, l)).available, 3.5);   // 4 back, 0.5 penalty
  const rows = await ledger(s, l, '&type=penalty');
  assert.deepEqual(rows.map((x) => [x.amount, x.relatedSession]), [[-0.5, b._id]]);
  r = await api('DELETE', `/api/sessions/${c._id}`, { token: t.token });   // the teacher: no penalty
  assert.equal(r.status, 200, r.text);
  assert.equal((await balance(s, l)).available, 4.5);
  clockAt(s, Date.now());
  ledgerCheck(s);
});

test('reschedule: either proposes, the other accepts; notes are their author\'s own', async () => {
  const s = server();
  clockAt(s, Date.now());
  const t = await teacher(s);
  const l = await register(s);
  const at = dayStart(11) + 10 * HOUR;
  const id = (await booked(s, l, t, at, 60))._id;
  assert.equal((await act(s, t, id, { action: 'accept' })).status, 200);
  let r = await act(s, l, id, { action: 'reschedule', scheduledTime: iso(at + 3 * HOUR) });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.data.status, 'pending');
  assert.equal(r.json.data.proposedBy, l.user._id);
  assert.equal(r.json.data.scheduledTime, iso(at + 3 * HOUR));
  assert.equal((await act(s, l, id, { action: 'accept' })).status, 403);
  r = await act(s, t, id, { action: 'accept', teacherNotes: 'bring a capo' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.data.status, 'scheduled');
  assert.equal(r.json.data.teacherNotes, 'bring a capo');
  r = await act(s, l, id, { studentNotes: 'practise C', description: 'Chords' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.data.studentNotes, 'practise C');
  assert.equal(r.json.data.teacherNotes, undefined);
  assert.equal(r.json.data.description, 'Chords');
  r = await act(s, l, id, { teacherNotes: 'x' });
  assert.equal(r.status, 400, r.text);
  assert.ok(fields(r).includes('teacherNotes'));
  r = await act(s, l, id, { scheduledTime: iso(at) });
  assert.equal(r.status, 400, r.text);
  r = await api('GET', `/api/sessions/${id}`, { token: t.token });
  assert.equal(r.json.data.teacherNotes, 'bring a capo');
  assert.equal(r.json.data.studentNotes, undefined);
});

test('the list: filters by status, role and time, with offset pagination', async () => {
  const s = server();
  clockAt(s, Date.now());
  const t = await teacher(s);
  const l = await teacher(s);   // teaches too
  const o = await register(s);
  const base = dayStart(13);
  const ids = [];
  for (let i = 0; i < 3; i++) ids.push((await booked(s, l, t, base + i * 2 * HOUR, 15))._id);
  ids.push((await booked(s, o, l, base + 7 * HOUR, 15))._id);   // l teaching o
  assert.equal((await act(s, t, ids[0], { action: 'accept' })).status, 200);
  let r = await api('GET', '/api/sessions?limit=2', { token: l.token });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.data.length, 2);
  assert.deepEqual(r.json.pagination, { currentPage: 1, totalPages: 2, totalCount: 4, hasMore: true, hasPrevious: false, limit: 2 });
  assert.equal(r.json.data[0]._id, ids[3]);
  assert.equal(r.json.data[0].student._id, o.user._id);
  r = await api('GET', '/api/sessions?type=taught', { token: l.token });
  assert.deepEqual(r.json.data.map((x) => x._id), [ids[3]]);
  r = await api('GET', '/api/sessions?role=learned&status=scheduled', { token: l.token });
  assert.deepEqual(r.json.data.map((x) => x._id), [ids[0]]);
  r = await api('GET', '/api/sessions?past=true', { token: l.token });
  assert.equal(r.json.pagination.totalCount, 0);
  r = await api('GET', '/api/sessions?upcoming=true&page=2&limit=3', { token: l.token });
  assert.equal(r.json.data.length, 1);
  assert.equal(r.json.pagination.hasPrevious, true);
  for (const q of ['status=done', 'type=both', 'upcoming=yes', 'limit=0', 'page=x', 'upcoming=true&past=true']) {
    r = await api('GET', `/api/sessions?${q}`, { token: l.token });
    assert.equal(r.status, 400, `${q}: ${r.text}`);
  }
});

test('dispute within 48 h by the learner; an admin refunds a share as ledger rows', async () => {
  const s = server();
  clockAt(s, Date.now());
  const t = await teacher(s);
  const l = await register(s);
  const admin = await register(s);
  const at = dayStart(15) + 10 * HOUR;
  const id = (await booked(s, l, t, at, 60))._id;
  assert.equal((await act(s, t, id, { action: 'accept' })).status, 200);
  clockAt(s, at);
  for (const u of [t, l, admin]) await relogin(s, u);
  assert.equal((await api('POST', `/api/sessions/${id}/start`, { token: t.token })).status, 200);
  assert.equal((await api('POST', `/api/sessions/${id}/start`, { token: l.token })).status, 200);
  let r = await api('POST', `/api/sessions/${id}/dispute`, { token: l.token, body: { reason: 'too early' } });
  assert.equal(r.status, 409, r.text);
  clockAt(s, at + 61 * MIN);
  for (const u of [t, l, admin]) await relogin(s, u);
  assert.equal((await api('POST', `/api/sessions/${id}/end`, { token: t.token })).status, 200);
  r = await api('POST', `/api/sessions/${id}/dispute`, { token: t.token, body: { reason: 'x' } });
  assert.equal(r.status, 403, r.text);
  r = await api('POST', `/api/sessions/${id}/dispute`, { token: l.token, body: { reason: 'The teacher left early' } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.data.isDisputed, true);
  r = await api('POST', `/api/sessions/${id}/dispute`, { token: l.token, body: { reason: 'again' } });
  assert.equal(r.status, 409, r.text);
  r = await api('POST', `/api/admin/sessions/${id}/resolve`, { token: admin.token, body: { refundPercent: 50 } });
  assert.equal(r.status, 403, r.text);
  assert.equal(s.sbctl('set-role', admin.user._id, 'admin').status, 0);
  await relogin(s, admin);
  r = await api('POST', `/api/admin/sessions/${id}/resolve`, { token: admin.token, body: { refundPercent: 101 } });
  assert.equal(r.status, 400, r.text);
  r = await api('POST', `/api/admin/sessions/${id}/resolve`, { token: admin.token, body: { refundPercent: 50, note: 'half' } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.data.refunded, 0.5);
  assert.equal((await balance(s, t)).available, 5.5);
  assert.equal((await balance(s, l)).available, 4.5);
  r = await api('POST', `/api/admin/sessions/${id}/resolve`, { token: admin.token, body: { refundPercent: 50 } });
  assert.equal(r.status, 409, r.text);
  // past the window
  const id2 = (await booked(s, l, t, at + 5 * HOUR, 15))._id;
  assert.equal((await act(s, t, id2, { action: 'accept' })).status, 200);
  clockAt(s, at + 5 * HOUR);
  for (const u of [t, l]) await relogin(s, u);
  await api('POST', `/api/sessions/${id2}/start`, { token: t.token });
  await api('POST', `/api/sessions/${id2}/start`, { token: l.token });
  assert.equal((await api('POST', `/api/sessions/${id2}/end`, { token: t.token })).status, 200);
  clockAt(s, at + 5 * HOUR + 49 * HOUR);
  await relogin(s, l);
  r = await api('POST', `/api/sessions/${id2}/dispute`, { token: l.token, body: { reason: 'late' } });
  assert.equal(r.status, 409, r.text);
  clockAt(s, Date.now());
  ledgerCheck(s);
});

test('the calendar feed: RFC 5545, pending and scheduled sessions, behind a rotating token', async () => {
  const s = server();
  clockAt(s, Date.now());
  const t = await teacher(s);
  const l = await register(s);
  assert.equal((await api('PUT', '/api/users/profile', { token: l.token, body: { timezone: 'Europe/Berlin' } })).status, 200);
  const at = dayStart(17) + 10 * HOUR;
  const a = await booked(s, l, t, at, 90, { description: 'Chords, barre; and\nstrumming' });
  const b = await booked(s, l, t, at + 3 * HOUR, 15);
  const c = await booked(s, l, t, at + 6 * HOUR, 15);
  assert.equal((await act(s, t, b._id, { action: 'accept' })).status, 200);
  assert.equal((await act(s, t, c._id, { action: 'decline' })).status, 200);
  let r = await api('POST', '/api/sessions/calendar-token', { token: l.token });
  assert.equal(r.status, 201, r.text);
  const first = r.json.data.token;
  assert.match(r.json.data.url, /\/api\/sessions\/calendar\.ics\?feed=/);
  const res = await fetch(s.url(`/api/sessions/calendar.ics?feed=${first}`));
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/calendar/);
  const ics = await res.text();
  assert.ok(ics.startsWith('BEGIN:VCALENDAR\r\nVERSION:2.0\r\n'), ics);
  assert.ok(ics.endsWith('END:VCALENDAR\r\n'));
  assert.ok(ics.split('\r\n').every((line) => Buffer.byteLength(line) <= 75), 'lines folded at 75 octets');
  assert.match(ics, /X-WR-TIMEZONE:Europe\/Berlin/);
  const unfolded = ics.replace(/\r\n /g, '');
  assert.equal((unfolded.match(/BEGIN:VEVENT/g) || []).length, 2);
  const stamp = (ms) => iso(ms).replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  assert.ok(unfolded.includes(`UID:${a._id}@skillbarter`));
  assert.ok(unfolded.includes(`DTSTART:${stamp(at)}`));
  assert.ok(unfolded.includes(`DTEND:${stamp(at + 90 * MIN)}`));
  assert.ok(unfolded.includes('DESCRIPTION:Chords\\, barre\\; and\\nstrumming'));
  assert.ok(unfolded.includes('SUMMARY:Learning: Guitar'));
  assert.ok(unfolded.includes('STATUS:CONFIRMED'));
  assert.ok(!unfolded.includes(c._id), 'a declined session is not in the feed');
  // rotation: the old token is gone
  r = await api('POST', '/api/sessions/calendar-token', { token: l.token });
  assert.equal((await fetch(s.url(`/api/sessions/calendar.ics?feed=${first}`))).status, 404);
  assert.equal((await fetch(s.url(`/api/sessions/calendar.ics?feed=${r.json.data.token}`))).status, 200);
  assert.equal((await fetch(s.url('/api/sessions/calendar.ics'))).status, 400);
});
