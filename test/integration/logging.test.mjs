// Logging: every module line carries the module tag, so `LogLevel skillbarter:LEVEL` selects
// this module's lines alone, and the handlers' lines share the glue's one format.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, register } from './harness.mjs';

// The server-wide level stays warn: the info and debug lines below appear only through the
// module's own level.
const server = useServer({ extra: 'LogLevel warn skillbarter:debug\n' });

test('a handler line carries [skillbarter:info], its function and the request id', async () => {
  const s = server();
  const r = await s.api('POST', '/api/auth/register', { body: {
    username: `log_${process.pid}`.slice(0, 20), email: `log${process.pid}@example.org`,
    password: 'correct horse battery', firstName: 'Log', lastName: 'Line' } });
  assert.equal(r.status, 201, r.text);
  const rid = r.headers.get('x-request-id');
  const id = r.json.data.user._id;
  const line = s.errorLog().split('\n').find((l) => l.includes(`registered user ${id}`));
  assert.ok(line, `no registration line in:\n${s.errorLog()}`);
  assert.match(line, /\[skillbarter:info\]/);
  assert.ok(line.includes(`h_register: [rid ${rid}] POST /api/auth/register: registered user ${id}`),
    line);
});

test('LogLevel skillbarter:debug turns on the module\'s debug lines alone', async () => {
  const s = server();
  const r = await s.api('GET', '/api/health');
  const rid = r.headers.get('x-request-id');
  const line = s.errorLog().split('\n').find((l) => l.includes(`[rid ${rid}]`));
  assert.ok(line, `no line for ${rid} in:\n${s.errorLog()}`);
  assert.match(line, /\[skillbarter:debug\].*sb_handle_api: \[rid [^\]]+\] GET \/api\/health: route GET \/api\/health/);
  // the server-wide level is still warn: no other module wrote a debug line
  const others = s.errorLog().split('\n').filter((l) => /\[[a-z_]+:debug\]/.test(l)
    && !l.includes('[skillbarter:debug]'));
  assert.deepEqual(others, []);
});

test('no line of the module is untagged', async () => {
  const s = server();
  await register(s);
  const ours = s.errorLog().split('\n').filter((l) => /\[rid [A-Za-z0-9_@-]+\]/.test(l));
  assert.ok(ours.length > 0);
  for (const l of ours) assert.match(l, /\[skillbarter:/, l);
});
