// Issue 13, the limiter with a full table: filled from thousands of source addresses, the
// auth limiter fails closed (429) while the others let requests through; one warning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request, Agent } from 'node:http';
import { useServer } from './harness.mjs';

// 1024 entries (the minimum); every address's one request leaves its global entry refusing
// (max 1), so no entry can be evicted for a new key.
const server = useServer({ extra: 'SkillBarterRateLimitTableSize 1024\nSkillBarterRateLimit global 1 1h ip\nSkillBarterRateLimit auth 5 15m ip skip-successful\n' },
  [/rate-limit table crowded/]);

function from(ip, method, path, body) {
  return new Promise((resolve, reject) => {
    const agent = new Agent({ keepAlive: false });
    const req = request({ host: '127.0.0.1', port: server().port, method, path, localAddress: ip, agent,
      headers: body ? { 'content-type': 'application/json' } : {} }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(body ? JSON.stringify(body) : undefined);
  });
}
const addr = (i) => `127.${10 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;

test('with no entry to evict, login fails closed (429) while other routes fail open', async () => {
  const N = 4 * 1024;
  for (let i = 0; i < N; i += 64) {
    await Promise.all(Array.from({ length: 64 }, (_, k) => from(addr(i + k), 'GET', '/api/health')));
  }
  const login = await from('127.200.0.1', 'POST', '/api/auth/login', { email: 'x@example.org', password: 'wrong password' });
  assert.equal(login.status, 429, login.text);
  assert.ok(Number(login.headers['retry-after']) >= 1);
  assert.match(JSON.parse(login.text).message, /Too many authentication attempts/);
  const health = await from('127.200.0.2', 'GET', '/api/health');
  assert.equal(health.status, 200, 'the global limiter fails open');
  const warned = server().errorLog().split('\n').filter((l) => l.includes('rate-limit table crowded'));
  assert.equal(warned.length, 1, 'one warning a minute');
});
