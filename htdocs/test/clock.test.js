// The server clock: each answer's Date header bounds the offset; successive answers narrow it;
// a jump of the browser's clock starts afresh; answers without a usable Date change nothing;
// the API client feeds it from every answer, errors included; the session timer counts by it.
import { describe, it, expect } from 'vitest';
import { act, createElement } from 'react';
import { createRoot } from 'react-dom/client';
import { createClock } from '../src/utils/clock.js';
import { createApi } from '../src/utils/api.js';
import { createTokenStore } from '../src/utils/tokens.js';
import SessionTimer from '../src/components/Sessions/SessionTimer.jsx';

globalThis.IS_REACT_ACT_ENVIRONMENT = true;

const http = (ms) => new Date(ms).toUTCString();

describe('server clock', () => {
  it('estimates the offset inside the bounds one answer gives', () => {
    const c = createClock(() => 50_000);
    // server at 1,000,000.x s; we sent at 10,000 and received at 10,200 (local ms)
    c.observe(http(1_000_000_000), 10_000, 10_200);
    const o = c.offset();
    expect(o).toBeGreaterThanOrEqual(1_000_000_000 - 10_200);
    expect(o).toBeLessThanOrEqual(1_000_000_000 + 1000 - 10_000);
    expect(c.now()).toBe(50_000 + o);
  });

  it('narrows with further answers to well under the header resolution', () => {
    const skew = 123_456_789;               // server ahead of the browser by this many ms
    const c = createClock();
    for (let local = 0; local < 5000; local += 130) {
      const server = local + skew;
      const date = Math.floor(server / 1000) * 1000;
      c.observe(http(date), local - 5, local + 5);
    }
    expect(Math.abs(c.offset() - skew)).toBeLessThan(60);
  });

  it('starts afresh when the browser clock jumps', () => {
    const c = createClock();
    c.observe(http(2_000_000_000), 1000, 1010);
    const before = c.offset();
    // the browser's clock moved back by an hour: the new bounds do not meet the old ones
    c.observe(http(2_000_001_000), 1000 - 3_600_000 + 1000, 1000 - 3_600_000 + 1010);
    expect(c.offset() - before).toBeGreaterThan(3_590_000);
  });

  it('ignores answers without a usable Date header', () => {
    const c = createClock();
    c.observe(undefined, 0, 10);
    c.observe('not a date', 0, 10);
    c.observe(http(5_000_000), 20, 10);     // received before sent: nonsense
    expect(c.offset()).toBe(0);
  });
});

describe('API client and timer', () => {
  it('learns the offset from successes and errors alike', async () => {
    const skew = 7_200_000;
    const seen = [];
    const adapter = async (config) => {
      const date = http(Date.now() + skew);
      const res = { status: config.url === '/missing' ? 404 : 200, statusText: 'x', data: { success: true },
                    headers: { date }, config, request: {} };
      seen.push(config.url);
      if (res.status >= 400) {
        const err = new Error('404'); err.config = config; err.response = res; err.isAxiosError = true;
        throw err;
      }
      return res;
    };
    const clock = createClock();
    const api = createApi({ tokens: createTokenStore({ getItem: () => null, setItem() {}, removeItem() {} }), adapter, clock });
    await api.get('/missing').catch(() => {});
    expect(Math.abs(clock.offset() - skew)).toBeLessThan(1100);
    await api.get('/health');
    expect(seen).toEqual(['/missing', '/health']);
    expect(Math.abs(clock.offset() - skew)).toBeLessThan(1100);
  });

  it('counts a session by the server clock, not the browser one', () => {
    const startedAt = new Date(1_000_000_000_000).toISOString();
    const clock = { now: () => 1_000_000_000_000 + 125_000 };   // server says 2:05 in
    const el = document.createElement('div');
    document.body.appendChild(el);
    const root = createRoot(el);
    act(() => root.render(createElement(SessionTimer, { startedAt, plannedMinutes: 30, clock })));
    expect(el.querySelector('[data-testid=session-timer]').textContent).toMatch(/^02:05/);
    act(() => root.unmount());
  });
});
