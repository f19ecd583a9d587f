// GET /api/users/:id — the public view of another user.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, register } from './harness.mjs';

const server = useServer();
const api = (...a) => server().api(...a);

test('the public view has the profile but no private fields', async () => {
  const viewer = await register(server());
  const other = await register(server(), { firstName: 'Grace', lastName: 'Hopper' });
  await api('PUT', '/api/users/skills/offered', { token: other.token, body: { skills: [{ skill: 'COBOL', category: 'Technology' }] } });
  const r = await api('GET', `/api/users/${other.user._id}`, { token: viewer.token });
  assert.equal(r.status, 200, r.text);
  const d = r.json.data;
  assert.equal(d._id, other.user._id);
  assert.equal(d.fullName, 'Grace Hopper');
  assert.equal(d.skillsOffered[0].skill, 'COBOL');
  for (const k of ['email', 'password', 'passwordHash', 'credits', 'totalCreditsEarned', 'totalCreditsSpent',
    'isBanned', 'banReason', 'banExpiresAt', 'role', 'refreshToken', 'updatedAt']) {
    assert.ok(!(k in d), `${k} must not be public`);
  }
  assert.ok(!r.text.includes(other.body.email));
  assert.ok(!r.text.includes('$2'));
});

test('an upper-case id names the same user', async () => {
  const viewer = await register(server());
  const other = await register(server());
  const r = await api('GET', `/api/users/${other.user._id.toUpperCase()}`, { token: viewer.token });
  assert.equal(r.status, 200);
  assert.equal(r.json.data._id, other.user._id, 'the canonical (lower-case) id is returned');
  assert.equal(r.json.data.username, other.body.username);
});

test('unknown and malformed ids are 404, not 400', async () => {
  const viewer = await register(server());
  for (const id of ['a'.repeat(24), 'nothex'.repeat(4), '123', 'x'.repeat(100), '%00', "1' OR '1'='1"]) {
    const r = await api('GET', `/api/users/${encodeURIComponent(id)}`, { token: viewer.token });
    assert.equal(r.status, 404, id);
    assert.equal(r.json.success, false);
  }
});

test('banned and deactivated users are not found', async () => {
  const viewer = await register(server());
  const banned = await register(server());
  const gone = await register(server());
  server().sbctl('set-status', banned.user._id, 'banned', 'spam');
  server().sbctl('set-status', gone.user._id, 'inactive');
  assert.equal((await api('GET', `/api/users/${banned.user._id}`, { token: viewer.token })).status, 404);
  assert.equal((await api('GET', `/api/users/${gone.user._id}`, { token: viewer.token })).status, 404);
  server().sbctl('set-status', banned.user._id, 'active');
  assert.equal((await api('GET', `/api/users/${banned.user._id}`, { token: viewer.token })).status, 200);
});

test('the profile route still answers /api/users/profile (not /:id)', async () => {
  const viewer = await register(server());
  const r = await api('GET', '/api/users/profile', { token: viewer.token });
  assert.equal(r.status, 200);
  assert.equal(r.json.data.email, viewer.body.email);
});

test('a token is required', async () => {
  const other = await register(server());
  assert.equal((await api('GET', `/api/users/${other.user._id}`)).status, 401);
});
