// Contract fixes: malformed percent-encoding in a query string is a 400 naming the parameter on
// every route; the skills lists also take the user model's own key names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, register } from './harness.mjs';

const server = useServer();

function fieldsOf(r) {
  return (r.json && r.json.errors ? r.json.errors : []).map((e) => e.field);
}

test('discover refuses a cursor with broken %-escapes instead of starting over', async () => {
  const s = server();
  const { token } = await register(s);
  const r = await s.api('GET', '/api/discover?cursor=%%garbage', { token });
  assert.equal(r.status, 400, r.text);
  assert.equal(r.json.success, false);
  assert.equal(r.json.message, 'Invalid query parameters');
  assert.deepEqual(fieldsOf(r), ['cursor']);
  assert.match(r.json.errors[0].message, /percent-encoding/);
});

for (const [method, path, field, auth] of [
  ['GET', '/api/discover/search?q=%zz', 'q', true],
  ['GET', '/api/discover/trending?limit=1&x=%4', 'x', true],
  ['GET', '/api/users/profile?%zz=1', '%zz', true],
  ['GET', '/api/health?probe=%zz', 'probe', false],
  ['POST', '/api/auth/login?next=%G0', 'next', false],
]) {
  test(`${method} ${path.split('?')[0]} answers 400 naming ${field} for a malformed escape`,
    async () => {
      const s = server();
      const token = auth ? (await register(s)).token : undefined;
      const body = method === 'POST' ? { email: 'a@b.co', password: 'whatever1' } : undefined;
      const r = await s.api(method, path, { token, body });
      assert.equal(r.status, 400, r.text);
      assert.deepEqual(fieldsOf(r), [field]);
    });
}

test('well-formed escapes still decode (a + is a space, %2B a plus)', async () => {
  const s = server();
  const { token } = await register(s);
  const r = await s.api('GET', '/api/discover/search?q=rock+climbing%2B', { token });
  assert.equal(r.status, 200, r.text);
});

test('PUT skills/offered accepts {"skillsOffered": [...]}', async () => {
  const s = server();
  const { token } = await register(s);
  const skills = [{ skill: 'Guitar', category: 'Music', experience: 'Expert' }];
  const r = await s.api('PUT', '/api/users/skills/offered', { token, body: { skillsOffered: skills } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.data.skillsOffered[0].skill, 'Guitar');
  const bad = await s.api('PUT', '/api/users/skills/offered',
    { token, body: { skillsOffered: [{ skill: 'Guitar', category: 'Nope' }] } });
  assert.equal(bad.status, 400);
  assert.deepEqual(fieldsOf(bad), ['skillsOffered.0.category']);
});

test('PUT skills/wanted accepts {"skillsWanted": [...]}', async () => {
  const s = server();
  const { token } = await register(s);
  const r = await s.api('PUT', '/api/users/skills/wanted',
    { token, body: { skillsWanted: [{ skill: 'Spanish', category: 'Language' }] } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.data.skillsWanted[0].skill, 'Spanish');
});

test('an unknown list key is a 400 that lists the accepted keys', async () => {
  const s = server();
  const { token } = await register(s);
  for (const [path, accepted] of [['offered', 'skills or skillsOffered'],
    ['wanted', 'skills or skillsWanted']]) {
    const r = await s.api('PUT', `/api/users/skills/${path}`, { token, body: { skillz: [] } });
    assert.equal(r.status, 400, r.text);
    assert.deepEqual(fieldsOf(r), ['skillz']);
    assert.ok(r.json.errors[0].message.includes(`accepted: ${accepted}`), r.json.errors[0].message);
  }
  const both = await s.api('PUT', '/api/users/skills/wanted',
    { token, body: { skills: [], skillsWanted: [] } });
  assert.equal(both.status, 400);
});
