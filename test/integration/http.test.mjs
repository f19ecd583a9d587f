// The HTTP contract of /api: envelope, routing errors, body rules, CORS, request ids, health.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, register } from './harness.mjs';

const server = useServer({
  extra: 'SkillBarterMaxJSONBody 2K\nSkillBarterAllowOrigin https://app.example.org\n',
});

test('health reports version, driver and a reachable store', async () => {
  const r = await server().api('GET', '/api/health');
  assert.equal(r.status, 200);
  assert.equal(r.json.success, true);
  assert.equal(r.json.data.status, 'ok');
  assert.match(r.json.data.version, /^\d+\.\d+\.\d+$/);
  assert.deepEqual(r.json.data.store, { driver: 'sqlite', reachable: true });
  assert.match(r.headers.get('content-type'), /^application\/json/);
});

test('every response carries a request id, also errors and static files', async () => {
  const a = await server().api('GET', '/api/health');
  const b = await server().api('GET', '/api/nowhere');
  const c = await fetch(server().url('/index.html'));
  for (const h of [a.headers, b.headers, c.headers]) {
    assert.match(h.get('x-request-id') || '', /^[A-Za-z0-9@_-]{16,}$/);
  }
  assert.notEqual(a.headers.get('x-request-id'), b.headers.get('x-request-id'));
});

test('unknown API path is a 404 in the JSON envelope', async () => {
  const r = await server().api('GET', '/api/does/not/exist');
  assert.equal(r.status, 404);
  assert.equal(r.json.success, false);
  assert.equal(typeof r.json.message, 'string');
});

test('known path with a wrong method is a 405 with Allow', async () => {
  const r = await server().api('DELETE', '/api/users/profile');
  assert.equal(r.status, 405);
  assert.equal(r.json.success, false);
  assert.equal(r.headers.get('allow'), 'GET, PUT, HEAD, OPTIONS');
});

test('a trailing slash reaches the same route', async () => {
  const r = await server().api('GET', '/api/health/');
  assert.equal(r.status, 200);
});

test('a non-JSON body where JSON is expected is a 415', async () => {
  const r = await server().api('POST', '/api/auth/login', {
    raw: 'email=a@b.c&password=x', headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(r.status, 415);
  assert.equal(r.json.success, false);
});

test('malformed JSON is a 400 that says what is wrong', async () => {
  const r = await server().api('POST', '/api/auth/login', {
    raw: '{"email": "a@b.c", "password": ', headers: { 'content-type': 'application/json' },
  });
  assert.equal(r.status, 400);
  assert.match(r.json.message, /JSON/);
});

test('a JSON body that is not an object is a 400', async () => {
  const r = await server().api('POST', '/api/auth/login', { body: ['a', 'b'] });
  assert.equal(r.status, 400);
  assert.equal(r.json.success, false);
  assert.equal(r.json.message, 'Request body must be a JSON object.');
});

test('a body over SkillBarterMaxJSONBody is a 413 and changes nothing', async () => {
  const big = { username: 'bigbody', email: 'big@example.org', password: 'x'.repeat(10),
    firstName: 'A'.repeat(3000), lastName: 'B' };
  const r = await server().api('POST', '/api/auth/register', { body: big });
  assert.equal(r.status, 413);
  assert.equal(r.json.success, false);
  const login = await server().api('POST', '/api/auth/login',
    { body: { email: 'big@example.org', password: 'x'.repeat(10) } });
  assert.equal(login.status, 401);
});

test('a chunked body over the limit is a 413 too', async () => {
  const chunks = new ReadableStream({
    start(ctrl) { for (let i = 0; i < 8; i++) ctrl.enqueue(new TextEncoder().encode(' '.repeat(1024))); ctrl.close(); },
  });
  const res = await fetch(server().url('/api/auth/login'), {
    method: 'POST', body: chunks, duplex: 'half', headers: { 'content-type': 'application/json' },
  });
  assert.equal(res.status, 413);
  assert.equal((await res.json()).success, false);
});

test('OPTIONS preflight answers CORS for the configured origin', async () => {
  const res = await fetch(server().url('/api/users/profile'), {
    method: 'OPTIONS',
    headers: { origin: 'https://app.example.org', 'access-control-request-method': 'PUT' },
  });
  assert.equal(res.status, 204);
  assert.equal(res.headers.get('access-control-allow-origin'), 'https://app.example.org');
  assert.match(res.headers.get('access-control-allow-methods'), /PUT/);
  assert.match(res.headers.get('access-control-allow-headers'), /Authorization/);
});

test('CORS headers are not given to another origin', async () => {
  const res = await fetch(server().url('/api/health'), { headers: { origin: 'https://evil.example' } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('access-control-allow-origin'), null);
});

test('simple requests from the allowed origin get CORS headers', async () => {
  const res = await fetch(server().url('/api/health'), { headers: { origin: 'https://app.example.org' } });
  assert.equal(res.headers.get('access-control-allow-origin'), 'https://app.example.org');
  assert.match(res.headers.get('access-control-expose-headers'), /X-Request-Id/);
});

test('the SPA shell is served and unknown client routes fall back to it', async () => {
  const a = await fetch(server().url('/'));
  const b = await fetch(server().url('/discover/some/client/route'));
  assert.equal(a.status, 200);
  assert.equal(b.status, 200);
  assert.match(await b.text(), /Skill Barter/);
});

test('a healthy request logs no error line', async () => {
  await register(server());
  const log = server().errorLog();
  assert.doesNotMatch(log, /:error\]/);
});
