// Offset pagination: the page lives in the URL, stale answers are dropped, page numbers.
import { describe, it, expect } from 'vitest';
import { act, createElement } from 'react';
import { MemoryRouter, useSearchParams } from 'react-router-dom';
import { usePagination, visiblePages, pageRange } from '../src/hooks/usePagination.js';
import { availabilityFromGrid, gridFromAvailability } from '../src/components/Profile/AvailabilityManager.jsx';
import { chartMonths } from '../src/components/Credits/CreditStats.jsx';
import { renderHook, flush } from './render.js';

const run = (fn) => act(async () => { fn(); });
const wrap = (url) => ({ children }) => createElement(MemoryRouter, { initialEntries: [url] }, children);

function pages(total = 23, limit = 10, delay = () => 5) {
  const calls = [];
  const fetchPage = async ({ page }) => {
    calls.push(page);
    await new Promise((r) => setTimeout(r, delay(page)));
    const totalPages = Math.ceil(total / limit);
    const data = Array.from({ length: Math.max(0, Math.min(limit, total - (page - 1) * limit)) }, (_, i) => ({ _id: `p${page}-${i}` }));
    return { data, pagination: { currentPage: page, totalPages, totalCount: total, hasMore: page < totalPages, hasPrevious: page > 1, limit } };
  };
  return { fetchPage, calls };
}

describe('usePagination', () => {
  it('reads the page from the URL and writes it back', async () => {
    const src = pages();
    const h = renderHook(() => ({ p: usePagination(src.fetchPage), params: useSearchParams()[0] }), { wrapper: wrap('/x?page=2') });
    await flush(20);
    expect(h.result.current.p.page).toBe(2);
    expect(h.result.current.p.data[0]._id).toBe('p2-0');
    await flush(0);
    await run(() => h.result.current.p.setPage(3));
    await flush(20);
    expect(h.result.current.params.get('page')).toBe('3');
    expect(h.result.current.p.data).toHaveLength(3);
    expect(h.result.current.p.pagination.hasMore).toBe(false);
    await run(() => h.result.current.p.setPage(1));
    await flush(20);
    expect(h.result.current.params.get('page')).toBe(null);
    expect(src.calls).toEqual([2, 3, 1]);
    h.unmount();
  });

  it('a slow answer for an old page never replaces the current one', async () => {
    const src = pages(23, 10, (p) => (p === 1 ? 60 : 5));
    const h = renderHook(() => usePagination(src.fetchPage), { wrapper: wrap('/x') });
    await run(() => h.result.current.setPage(2));
    await flush(100);
    expect(h.result.current.page).toBe(2);
    expect(h.result.current.data[0]._id).toBe('p2-0');
    h.unmount();
  });

  it('bad page values fall back to 1; an error is kept with the last data', async () => {
    let fail = false;
    const src = pages();
    const h = renderHook(() => usePagination(async (q) => { if (fail) throw new Error('down'); return src.fetchPage(q); }), { wrapper: wrap('/x?page=abc') });
    await flush(20);
    expect(h.result.current.page).toBe(1);
    fail = true;
    await run(() => h.result.current.setPage(2));
    await flush(20);
    expect(h.result.current.error.message).toBe('down');
    expect(h.result.current.data[0]._id).toBe('p1-0');
    h.unmount();
  });
});

describe('page helpers', () => {
  it('visible page numbers stay centred and within bounds', () => {
    expect(visiblePages(1, 10)).toEqual([1, 2, 3, 4, 5]);
    expect(visiblePages(6, 10)).toEqual([4, 5, 6, 7, 8]);
    expect(visiblePages(10, 10)).toEqual([6, 7, 8, 9, 10]);
    expect(visiblePages(2, 3)).toEqual([1, 2, 3]);
    expect(visiblePages(1, 0)).toEqual([]);
  });
  it('"showing a to b of n"', () => {
    expect(pageRange({ currentPage: 3, limit: 10, totalCount: 23 }, 3)).toEqual({ from: 21, to: 23, total: 23 });
  });
  it('availability grid <-> slots', () => {
    const av = [{ day: 'Monday', timeSlots: [{ startTime: '09:00', endTime: '12:00' }, { startTime: '14:00', endTime: '15:00' }] }];
    const g = gridFromAvailability(av);
    expect(Object.keys(g).sort()).toEqual(['Monday-10', 'Monday-11', 'Monday-14', 'Monday-9']);
    expect(availabilityFromGrid(g)).toEqual(av);
    expect(availabilityFromGrid({ 'Sunday-21': true })).toEqual([{ day: 'Sunday', timeSlots: [{ startTime: '21:00', endTime: '22:00' }] }]);
  });
  it('the chart shows the server\'s months in its order, labelled by month name', () => {
    const months = Array.from({ length: 12 }, (_, i) => {
      const n = 2025 * 12 + 11 + i;   // 2025-12 .. 2026-11
      return { month: `${Math.floor(n / 12)}-${String((n % 12) + 1).padStart(2, '0')}`, earned: i === 11 ? 3 : 0, spent: i === 11 ? 1.5 : 0 };
    });
    const m = chartMonths({ timezone: 'Asia/Tokyo', months, totalEarned: 3, totalSpent: 1.5 });
    expect(m).toHaveLength(12);
    expect(m[0]).toMatchObject({ key: '2025-12', label: 'Dec', earned: 0, spent: 0 });
    expect(m[11]).toMatchObject({ key: '2026-11', label: 'Nov', earned: 3, spent: 1.5 });
    expect(chartMonths(null)).toEqual([]);
  });
});
