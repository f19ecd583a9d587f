// Infinite scroll over a cursor API: a sentinel element observed by an IntersectionObserver
// loads the next page when it comes into view (rootMargin pre-loads a little early). `deps`
// (the filters) reset the list.
import { useCallback, useEffect, useRef, useState } from 'react';
import { createCursorPager } from '../utils/pager.js';

export function useInfiniteScroll(fetchPage, deps = [], { rootMargin = '400px' } = {}) {
  const fetchRef = useRef(fetchPage);
  fetchRef.current = fetchPage;
  const [state, setState] = useState(() => ({ items: [], hasMore: true, loading: true, error: null, loaded: false }));
  const pagerRef = useRef(null);
  if (!pagerRef.current) {
    pagerRef.current = createCursorPager((q) => fetchRef.current(q), setState);
  }
  const pager = pagerRef.current;

  useEffect(() => {
    pager.reset();
    pager.loadMore();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);

  const observer = useRef(null);
  const sentinelRef = useCallback((node) => {
    observer.current?.disconnect();
    observer.current = null;
    if (!node || typeof IntersectionObserver === 'undefined') return;
    observer.current = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) {
        const s = pager.state;
        if (s.hasMore && !s.loading && !s.error) pager.loadMore();
      }
    }, { rootMargin });
    observer.current.observe(node);
  }, [pager, rootMargin]);

  useEffect(() => () => observer.current?.disconnect(), []);

  return {
    ...state,
    loadMore: () => pager.loadMore(),
    retry: () => pager.loadMore(),
    sentinelRef,
  };
}
