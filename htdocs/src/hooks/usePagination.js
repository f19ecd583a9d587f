// Offset pagination ({currentPage, totalPages, totalCount, hasMore, hasPrevious, limit}) with
// the page kept in the URL (?page=), so reload and back keep it. Stale answers are dropped.
import { useCallback, useEffect, useRef, useState } from 'react';
import { useSearchParams } from 'react-router-dom';

export function usePagination(fetchPage, deps = [], { param = 'page', limit = 10 } = {}) {
  const [params, setParams] = useSearchParams();
  const page = Math.max(1, parseInt(params.get(param) || '1', 10) || 1);
  const [state, setState] = useState({ data: [], pagination: null, loading: true, error: null });
  const seq = useRef(0);
  const fetchRef = useRef(fetchPage);
  fetchRef.current = fetchPage;

  const load = useCallback(() => {
    const n = ++seq.current;
    setState((s) => ({ ...s, loading: true, error: null }));
    return Promise.resolve(fetchRef.current({ page, limit })).then((res) => {
      if (n === seq.current) {
        setState({ data: res?.data || [], pagination: res?.pagination || null, loading: false, error: null });
      }
    }, (error) => {
      if (n === seq.current) setState((s) => ({ ...s, loading: false, error }));
    });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [page, limit, ...deps]);

  useEffect(() => { load(); }, [load]);

  const setPage = useCallback((p) => {
    setParams((prev) => {
      const next = new URLSearchParams(prev);
      if (p <= 1) next.delete(param); else next.set(param, String(p));
      return next;
    });
  }, [setParams, param]);

  return { ...state, page, setPage, reload: load };
}

/** "Showing a to b of n": the numbers of an offset page. */
export function pageRange(pg, count) {
  if (!pg || !count) return { from: 0, to: 0, total: pg?.totalCount || 0 };
  const from = (pg.currentPage - 1) * pg.limit + 1;
  return { from, to: from + count - 1, total: pg.totalCount ?? from + count - 1 };
}

/** Up to `max` page numbers centred on the current one. */
export function visiblePages(current, total, max = 5) {
  if (!total) return [];
  let start = Math.max(1, current - Math.floor(max / 2));
  const end = Math.min(total, start + max - 1);
  start = Math.max(1, end - max + 1);
  const out = [];
  for (let i = start; i <= end; i++) out.push(i);
  return out;
}
