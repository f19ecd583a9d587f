// Cursor paging (utils/pager.js) and the infinite-scroll hook around it.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { act, useEffect } from 'react';
import { createCursorPager } from '../src/utils/pager.js';
import { useInfiniteScroll } from '../src/hooks/useInfiniteScroll.js';
import { renderHook, flush } from './render.js';

// 30 items, served 12 at a time with an opaque cursor, as /api/discover does.
function source(n = 30, { delay = 5, filterOf = () => true } = {}) {
  const all = Array.from({ length: n }, (_, i) => ({ _id: `u${i}`, i }));
  const calls = [];
  const fetchPage = async ({ cursor }, f = {}) => {
    calls.push(cursor);
    await new Promise((r) => setTimeout(r, delay));
    const items = all.filter((x) => filterOf(x, f));
    const start = cursor ? Number(cursor.slice(1)) : 0;
    const data = items.slice(start, start + 12);
    const more = start + 12 < items.length;
    return { data, pagination: { hasMore: more, nextCursor: more ? `c${start + 12}` : null, limit: 12, count: data.length } };
  };
  return { fetchPage, calls };
}

describe('createCursorPager', () => {
  it('walks every page once, in order, and stops at the end', async () => {
    const s = source(30);
    const p = createCursorPager(s.fetchPage);
    while (p.state.hasMore) await p.loadMore();
    expect(p.state.items.map((x) => x.i)).toEqual([...Array(30).keys()]);
    expect(s.calls).toEqual([null, 'c12', 'c24']);
    await p.loadMore();
    expect(s.calls).toHaveLength(3);
  });

  it('concurrent loadMore calls share one request', async () => {
    const s = source(30);
    const p = createCursorPager(s.fetchPage);
    await Promise.all([p.loadMore(), p.loadMore(), p.loadMore()]);
    expect(s.calls).toEqual([null]);
    expect(p.state.items).toHaveLength(12);
  });

  it('an answer that arrives after a reset is dropped', async () => {
    const s = source(30, { delay: 30 });
    const p = createCursorPager(s.fetchPage);
    const old = p.loadMore();
    p.reset();
    const fresh = p.loadMore();
    await Promise.all([old, fresh]);
    expect(p.state.items.map((x) => x.i)).toEqual([...Array(12).keys()]);
    expect(s.calls).toEqual([null, null]);
  });

  it('keeps the items on an error and can retry the same cursor', async () => {
    let fail = false;
    const s = source(30);
    const p = createCursorPager(async (q) => { if (fail) throw new Error('down'); return s.fetchPage(q); });
    await p.loadMore();
    fail = true;
    await p.loadMore();
    expect(p.state.error.message).toBe('down');
    expect(p.state.items).toHaveLength(12);
    fail = false;
    await p.loadMore();
    expect(p.state.error).toBe(null);
    expect(p.state.items).toHaveLength(24);
    expect(s.calls).toEqual([null, 'c12']);
  });

  it('drops duplicates by _id when pages overlap', async () => {
    const pages = [
      { data: [{ _id: 'a' }, { _id: 'b' }], pagination: { hasMore: true, nextCursor: 'x' } },
      { data: [{ _id: 'b' }, { _id: 'c' }], pagination: { hasMore: false, nextCursor: null } },
    ];
    const p = createCursorPager(async () => pages.shift());
    await p.loadMore(); await p.loadMore();
    expect(p.state.items.map((x) => x._id)).toEqual(['a', 'b', 'c']);
    expect(p.state.hasMore).toBe(false);
  });
});

// A controllable IntersectionObserver: the test decides when the sentinel is visible.
class FakeIO {
  static all = [];
  constructor(cb, opts) { this.cb = cb; this.opts = opts; this.nodes = []; FakeIO.all.push(this); }
  observe(n) { this.nodes.push(n); }
  disconnect() { this.nodes = []; this.gone = true; }
  static show() {
    for (const io of FakeIO.all.filter((o) => !o.gone && o.nodes.length)) io.cb(io.nodes.map((target) => ({ target, isIntersecting: true })));
  }
}

describe('useInfiniteScroll', () => {
  let saved;
  beforeEach(() => { saved = globalThis.IntersectionObserver; globalThis.IntersectionObserver = FakeIO; FakeIO.all = []; });
  afterEach(() => { globalThis.IntersectionObserver = saved; });

  function mount(fetchPage, depsRef) {
    return renderHook(() => {
      const s = useInfiniteScroll(fetchPage, [depsRef.value]);
      // attach the sentinel as a component would
      useEffect(() => {
        if (!s.hasMore) return undefined;
        const node = document.createElement('div');
        s.sentinelRef(node);
        return () => s.sentinelRef(null);
      }, [s.hasMore, s.sentinelRef]);
      return s;
    });
  }

  it('loads the first page, then the next one when the sentinel becomes visible', async () => {
    const s = source(30);
    const deps = { value: 'a' };
    const h = mount(s.fetchPage, deps);
    await flush(20);
    expect(h.result.current.items).toHaveLength(12);
    expect(h.result.current.loading).toBe(false);
    act(() => FakeIO.show());
    await flush(20);
    expect(h.result.current.items).toHaveLength(24);
    act(() => FakeIO.show());
    await flush(20);
    expect(h.result.current.items).toHaveLength(30);
    expect(h.result.current.hasMore).toBe(false);
    expect(s.calls).toEqual([null, 'c12', 'c24']);
    expect(FakeIO.all[0].opts.rootMargin).toBe('400px');
    h.unmount();
  });

  it('a visible sentinel while a page is loading does not start a second request', async () => {
    const s = source(30, { delay: 40 });
    const h = mount(s.fetchPage, { value: 'a' });
    await flush(60);
    act(() => { FakeIO.show(); FakeIO.show(); FakeIO.show(); });
    await flush(80);
    expect(s.calls).toEqual([null, 'c12']);
    h.unmount();
  });

  it('new filters reset the list and start from the first page; old answers are dropped', async () => {
    const src = source(30, { delay: 30, filterOf: (x, f) => !f.even || x.i % 2 === 0 });
    const h = renderHook(({ even }) => useInfiniteScroll((q) => src.fetchPage(q, { even }), [even]),
      { initialProps: { even: false } });
    // change the filter while the first page is still on the wire
    await flush(5);
    h.rerender({ even: true });
    await flush(60);
    expect(h.result.current.items.map((x) => x.i)).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22]);
    expect(h.result.current.hasMore).toBe(true);
    expect(src.calls).toEqual([null, null]);
    h.unmount();
  });
});

