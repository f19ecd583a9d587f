// PUT /api/users/skills/offered, /skills/wanted and /availability: rules of the User model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, register } from './harness.mjs';

const server = useServer();
const api = (...a) => server().api(...a);
const fields = (r) => (r.json.errors || []).map((e) => e.field);

let me;
async function token() {
  if (!me) me = await register(server());
  return me.token;
}
const put = async (path, body) => api('PUT', path, { token: await token(), body });

test('offered skills are replaced and get the spec defaults', async () => {
  const r = await put('/api/users/skills/offered', { skills: [
    { skill: 'Python', category: 'Technology', experience: 'Expert', description: 'from zero' },
    { skill: '  Guitar ', category: 'Music' },
  ] });
  assert.equal(r.status, 200, r.text);
  const s = r.json.data.skillsOffered;
  assert.equal(s.length, 2);
  assert.deepEqual(s[0], { skill: 'Python', category: 'Technology', experience: 'Expert', description: 'from zero', verified: false });
  assert.equal(s[1].skill, 'Guitar');
  assert.equal(s[1].experience, 'Intermediate');
  assert.equal(s[1].verified, false);
  const p = await api('GET', '/api/users/profile', { token: await token() });
  assert.equal(p.json.data.skillsOffered.length, 2);
});

test('a bare JSON array is accepted as the list', async () => {
  const r = await put('/api/users/skills/offered', [{ skill: 'Chess', category: 'Sports' }]);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.data.skillsOffered.map((s) => s.skill), ['Chess']);
});

test('wanted skills default to level Beginner and priority Medium', async () => {
  const r = await put('/api/users/skills/wanted', { skills: [{ skill: 'Spanish', category: 'Language' }, { skill: 'Piano', level: 'Expert', priority: 'High' }] });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.data.skillsWanted[0], { skill: 'Spanish', category: 'Language', level: 'Beginner', priority: 'Medium' });
  assert.equal(r.json.data.skillsWanted[1].priority, 'High');
});

test('an empty list clears the skills', async () => {
  const r = await put('/api/users/skills/wanted', { skills: [] });
  assert.equal(r.status, 200);
  assert.deepEqual(r.json.data.skillsWanted, []);
});

test('verified cannot be set by the user and is named in the error', async () => {
  const r = await put('/api/users/skills/offered', { skills: [{ skill: 'Rust', category: 'Technology', verified: true }] });
  assert.equal(r.status, 400);
  assert.deepEqual(fields(r), ['skills.0.verified']);
});

test('unknown enums, wrong types and bad lengths name the field path', async () => {
  const cases = [
    [{ skill: 'X', category: 'Magic' }, 'skills.0.category'],
    [{ skill: 'X', experience: 'Guru' }, 'skills.0.experience'],
    [{ skill: 'X', category: 5 }, 'skills.0.category'],
    [{ skill: 42 }, 'skills.0.skill'],
    [{ category: 'Music' }, 'skills.0.skill'],
    [{ skill: '   ' }, 'skills.0.skill'],
    [{ skill: 'x'.repeat(51) }, 'skills.0.skill'],
    [{ skill: 'ok', description: 'd'.repeat(201) }, 'skills.0.description'],
    [{ skill: 'ok', colour: 'red' }, 'skills.0.colour'],
  ];
  for (const [entry, field] of cases) {
    const r = await put('/api/users/skills/offered', { skills: [{ skill: 'Fine', category: 'Other' }, entry].slice(1) });
    assert.equal(r.status, 400, JSON.stringify(entry));
    assert.ok(fields(r).includes(field), `${JSON.stringify(entry)} → ${fields(r)}`);
  }
  const third = await put('/api/users/skills/offered', { skills: [{ skill: 'a' }, { skill: 'b' }, { skill: 'c' }, { skill: 'd', category: 'Nope' }] });
  assert.deepEqual(fields(third), ['skills.3.category']);
  const w = await put('/api/users/skills/wanted', { skills: [{ skill: 'x', priority: 'Urgent' }, { skill: 'y', level: 'Master' }] });
  assert.deepEqual(fields(w), ['skills.0.priority', 'skills.1.level']);
});

test('50 characters and 200 characters are allowed; 20 entries are allowed, 21 are not', async () => {
  const ok = await put('/api/users/skills/offered', { skills: [{ skill: 's'.repeat(50), description: 'd'.repeat(200) }] });
  assert.equal(ok.status, 200, ok.text);
  const twenty = Array.from({ length: 20 }, (_, i) => ({ skill: `Skill ${i}` }));
  assert.equal((await put('/api/users/skills/offered', { skills: twenty })).status, 200);
  const r = await put('/api/users/skills/offered', { skills: [...twenty, { skill: 'one more' }] });
  assert.equal(r.status, 400);
  assert.deepEqual(fields(r), ['skills']);
});

test('duplicate skill names are refused case-insensitively', async () => {
  const r = await put('/api/users/skills/offered', { skills: [{ skill: 'Python' }, { skill: 'python ' }] });
  assert.equal(r.status, 400);
  assert.deepEqual(fields(r), ['skills.1.skill']);
  const w = await put('/api/users/skills/wanted', { skills: [{ skill: 'GUITAR' }, { skill: 'guitar' }] });
  assert.deepEqual(fields(w), ['skills.1.skill']);
});

test('the body must be a list or {skills: list}', async () => {
  for (const [body, field] of [[{ skills: 'Python' }, 'skills'], [{ skills: { skill: 'x' } }, 'skills'],
    [{}, 'skills'], [{ skills: [], extra: 1 }, 'extra']]) {
    const r = await put('/api/users/skills/offered', body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.deepEqual(fields(r), [field], JSON.stringify(body));
  }
  // no field is at fault: the body as a whole, and the message says what it must be
  for (const body of ['text', 7]) {
    const r = await put('/api/users/skills/offered', body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(r.json.message, 'Request body must be {"skills": [...]} or a JSON array.');
  }
  const none = await api('PUT', '/api/users/skills/offered', { token: await token() });
  assert.equal(none.status, 400);
  assert.equal(none.json.message, 'Request body must be {"skills": [...]} or a JSON array.');
  const form = await api('PUT', '/api/users/skills/offered', { token: await token(), raw: 'a=b', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  assert.equal(form.status, 415);
});

test('skills routes need a token', async () => {
  assert.equal((await api('PUT', '/api/users/skills/offered', { body: { skills: [] } })).status, 401);
  assert.equal((await api('PUT', '/api/users/availability', { body: { availability: [] } })).status, 401);
});

test('availability is stored sorted by day and time, with the zone it is meant in', async () => {
  const r = await put('/api/users/availability', {
    timezone: 'Europe/Paris',
    availability: [
      { day: 'Friday', timeSlots: [{ startTime: '18:00', endTime: '20:00' }, { startTime: '09:00', endTime: '12:00' }] },
      { day: 'Monday', timeSlots: [{ startTime: '09:00', endTime: '10:00' }, { startTime: '10:00', endTime: '11:30' }] },
    ],
  });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.data.timezone, 'Europe/Paris');
  assert.deepEqual(r.json.data.availability, [
    { day: 'Monday', timeSlots: [{ startTime: '09:00', endTime: '10:00' }, { startTime: '10:00', endTime: '11:30' }] },
    { day: 'Friday', timeSlots: [{ startTime: '09:00', endTime: '12:00' }, { startTime: '18:00', endTime: '20:00' }] },
  ]);
  const bare = await put('/api/users/availability', [{ day: 'Sunday', timeSlots: [{ startTime: '07:30', endTime: '08:15' }] }]);
  assert.equal(bare.status, 200, bare.text);
  assert.equal(bare.json.data.timezone, 'Europe/Paris');
  assert.equal(bare.json.data.availability[0].day, 'Sunday');
});

test('availability rules: day enum, each day once, HH:MM, start before end, no overlap, bounded', async () => {
  const slot = (s, e) => ({ startTime: s, endTime: e });
  const cases = [
    [[{ day: 'Funday', timeSlots: [] }], 'availability.0.day'],
    [[{ day: 'monday', timeSlots: [] }], 'availability.0.day'],
    [[{ day: 'Monday', timeSlots: [] }, { day: 'Monday', timeSlots: [] }], 'availability.1.day'],
    [[{ day: 'Monday', timeSlots: [slot('9:00', '10:00')] }], 'availability.0.timeSlots.0.startTime'],
    [[{ day: 'Monday', timeSlots: [slot('09:00', '24:00')] }], 'availability.0.timeSlots.0.endTime'],
    [[{ day: 'Monday', timeSlots: [slot('09:00', '12:60')] }], 'availability.0.timeSlots.0.endTime'],
    [[{ day: 'Monday', timeSlots: [slot('09:00 ', '10:00')] }], 'availability.0.timeSlots.0.startTime'],
    [[{ day: 'Monday', timeSlots: [slot(900, '10:00')] }], 'availability.0.timeSlots.0.startTime'],
    [[{ day: 'Monday', timeSlots: [slot('10:00', '10:00')] }], 'availability.0.timeSlots.0.endTime'],
    [[{ day: 'Monday', timeSlots: [slot('11:00', '10:00')] }], 'availability.0.timeSlots.0.endTime'],
    [[{ day: 'Monday', timeSlots: [slot('09:00', '11:00'), slot('10:30', '12:00')] }], 'availability.0.timeSlots'],
    [[{ day: 'Monday', timeSlots: Array.from({ length: 13 }, (_, i) => slot(`${String(i).padStart(2, '0')}:00`, `${String(i).padStart(2, '0')}:30`)) }], 'availability.0.timeSlots'],
    [[{ day: 'Monday', timeSlots: 'all day' }], 'availability.0.timeSlots'],
    [[{ day: 'Monday', hours: 3 }], 'availability.0.hours'],
    [['Monday'], 'availability.0'],
  ];
  for (const [availability, field] of cases) {
    const r = await put('/api/users/availability', { availability });
    assert.equal(r.status, 400, JSON.stringify(availability));
    assert.ok(fields(r).includes(field), `${JSON.stringify(availability)} → ${fields(r)}`);
  }
  const eight = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday', 'Monday'].map((day) => ({ day, timeSlots: [] }));
  const r8 = await put('/api/users/availability', { availability: eight });
  assert.equal(r8.status, 400);
  assert.deepEqual(fields(r8), ['availability']);
});

test('the timezone must be a real IANA zone', async () => {
  for (const timezone of ['Mars/Olympus', '../etc/passwd', 'posix/Europe/Paris', '', 12]) {
    const r = await put('/api/users/availability', { timezone, availability: [] });
    assert.equal(r.status, 400, String(timezone));
    assert.deepEqual(fields(r), ['timezone']);
  }
  const ok = await put('/api/users/availability', { timezone: 'America/Sao_Paulo', availability: [] });
  assert.equal(ok.status, 200);
  assert.equal(ok.json.data.timezone, 'America/Sao_Paulo');
});
