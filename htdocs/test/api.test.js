// The API client's silent refresh: one refresh for many concurrent 401s, the retried requests
// carry the new token, a failed refresh ends the session, auth routes never refresh.
import { describe, it, expect, beforeEach } from 'vitest';
import { createApi } from '../src/utils/api.js';
import { createTokenStore } from '../src/utils/tokens.js';

function memoryStorage() {
  const m = new Map();
  return { getItem: (k) => (m.has(k) ? m.get(k) : null), setItem: (k, v) => m.set(k, String(v)), removeItem: (k) => m.delete(k) };
}

// A server in an axios adapter: tokens "access-N" are valid only for the current N.
function fakeServer({ refreshDelay = 20, refreshFails = false } = {}) {
  const s = { gen: 1, refreshCalls: 0, seen: [], refreshBodies: [] };
  s.adapter = async (config) => {
    const url = config.url;
    const auth = config.headers?.Authorization || config.headers?.get?.('Authorization');
    s.seen.push({ url, auth });
    const reply = (status, data) => {
      const res = { status, statusText: String(status), data, headers: {}, config, request: {} };
      if (status >= 400) {
        const err = new Error(`Request failed with status code ${status}`);
        err.config = config; err.response = res; err.isAxiosError = true;
        throw err;
      }
      return res;
    };
    if (url === '/auth/refresh') {
      s.refreshCalls += 1;
      s.refreshBodies.push(JSON.parse(config.data));
      await new Promise((r) => setTimeout(r, refreshDelay));
      if (refreshFails) return reply(401, { success: false, message: 'Refresh token expired.' });
      s.gen += 1;
      return reply(200, { success: true, data: { token: `access-${s.gen}`, refreshToken: `refresh-${s.gen}`, expiresIn: 900 } });
    }
    if (url === '/auth/login') return reply(401, { success: false, message: 'Invalid credentials.' });
    if (auth !== `Bearer access-${s.gen}`) return reply(401, { success: false, message: 'Invalid token.' });
    return reply(200, { success: true, data: { url } });
  };
  return s;
}

describe('token refresh', () => {
  let tokens;
  beforeEach(() => { tokens = createTokenStore(memoryStorage()); });

  it('refreshes once for many concurrent 401s and retries each with the new token', async () => {
    const srv = fakeServer();
    tokens.set('access-0', 'refresh-1');
    const api = createApi({ tokens, adapter: srv.adapter });
    const results = await Promise.all(['/a', '/b', '/c', '/d', '/e'].map((u) => api.get(u)));
    expect(results.map((r) => r.data.url)).toEqual(['/a', '/b', '/c', '/d', '/e']);
    expect(srv.refreshCalls).toBe(1);
    expect(srv.refreshBodies).toEqual([{ refreshToken: 'refresh-1' }]);
    expect(tokens.access).toBe('access-2');
    expect(tokens.refresh).toBe('refresh-2');
    const retries = srv.seen.filter((x) => x.url !== '/auth/refresh' && x.auth === 'Bearer access-2');
    expect(retries).toHaveLength(5);
  });

  it('a 401 that arrives after someone else refreshed retries without a second refresh', async () => {
    const srv = fakeServer({ refreshDelay: 10 });
    tokens.set('access-0', 'refresh-1');
    const slowAdapter = async (cfg) => {
      if (cfg.url === '/slow') await new Promise((r) => setTimeout(r, 60));
      return srv.adapter(cfg);
    };
    const api = createApi({ tokens, adapter: slowAdapter });
    const [slow, fast] = await Promise.all([api.get('/slow'), api.get('/fast')]);
    expect([slow.data.url, fast.data.url]).toEqual(['/slow', '/fast']);
    expect(srv.refreshCalls).toBe(1);
    expect(srv.seen.filter((x) => x.url === '/slow').map((x) => x.auth)).toEqual(['Bearer access-0', 'Bearer access-2']);
  });

  it('a failed refresh clears the tokens, reports the end of the session and fails every waiter', async () => {
    const srv = fakeServer({ refreshFails: true });
    tokens.set('access-0', 'refresh-1');
    const ended = [];
    const api = createApi({ tokens, adapter: srv.adapter, onSessionEnded: (e) => ended.push(e.status) });
    const out = await Promise.allSettled([api.get('/a'), api.get('/b'), api.get('/c')]);
    expect(out.every((o) => o.status === 'rejected' && o.reason.status === 401)).toBe(true);
    expect(srv.refreshCalls).toBe(1);
    expect(ended).toEqual([401]);
    expect(tokens.access).toBe(null);
    expect(tokens.refresh).toBe(null);
  });

  it('never refreshes for the auth routes themselves, and not twice for one request', async () => {
    const srv = fakeServer();
    tokens.set('access-0', 'refresh-1');
    const api = createApi({ tokens, adapter: srv.adapter });
    await expect(api.post('/auth/login', { email: 'a@b.c', password: 'x' })).rejects.toMatchObject({ status: 401, message: 'Invalid credentials.' });
    expect(srv.refreshCalls).toBe(0);
    // a route that keeps answering 401: one refresh, one retry, then the error
    const always = createApi({ tokens, adapter: async (cfg) => (cfg.url === '/auth/refresh' ? srv.adapter(cfg)
      : (() => { const e = new Error('401'); e.config = cfg; e.response = { status: 401, data: { message: 'Invalid token.' }, config: cfg, headers: {} }; throw e; })()) });
    await expect(always.get('/x')).rejects.toMatchObject({ status: 401 });
    expect(srv.refreshCalls).toBe(1);
  });

  it('without a refresh token a 401 is just an error', async () => {
    const srv = fakeServer();
    tokens.set('access-0', null);
    const api = createApi({ tokens, adapter: srv.adapter });
    await expect(api.get('/a')).rejects.toMatchObject({ status: 401, message: 'Invalid token.' });
    expect(srv.refreshCalls).toBe(0);
  });

  it('errors carry the envelope: message and field errors', async () => {
    const api = createApi({ tokens, adapter: async (cfg) => {
      const e = new Error('400'); e.config = cfg;
      e.response = { status: 400, config: cfg, headers: {}, data: { success: false, message: 'Validation error', errors: [{ field: 'username', message: 'taken' }] } };
      throw e;
    } });
    await expect(api.post('/auth/register', {})).rejects.toMatchObject({ status: 400, message: 'Validation error', errors: [{ field: 'username', message: 'taken' }] });
  });
});

describe('cached', () => {
  it('answers from memory within its time, asks again after, and forgets failures', async () => {
    const { cached } = await import('../src/utils/api.js');
    let calls = 0;
    const fn = () => { calls += 1; return Promise.resolve(calls); };
    expect(await cached('k1', 50, fn)).toBe(1);
    expect(await cached('k1', 50, fn)).toBe(1);
    await new Promise((r) => setTimeout(r, 60));
    expect(await cached('k1', 50, fn)).toBe(2);
    let fail = true;
    const flaky = () => (fail ? Promise.reject(new Error('down')) : Promise.resolve('up'));
    await expect(cached('k2', 1000, flaky)).rejects.toThrow('down');
    fail = false;
    expect(await cached('k2', 1000, flaky)).toBe('up');
  });
});
