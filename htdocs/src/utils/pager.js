// Cursor paging without React: one request at a time, pages appended in order, and a reset
// (new filters) makes any answer still on the wire from the old query be dropped.
export function createCursorPager(fetchPage, onChange) {
  let state = { items: [], cursor: null, hasMore: true, loading: false, error: null, loaded: false };
  let generation = 0;
  let inflight = null;
  const set = (patch) => { state = { ...state, ...patch }; onChange?.(state); };

  return {
    get state() { return state; },
    loadMore() {
      if (inflight) return inflight;
      if (!state.hasMore) return Promise.resolve(state);
      const gen = generation;
      set({ loading: true, error: null });
      inflight = Promise.resolve()
        .then(() => fetchPage({ cursor: state.cursor }))
        .then((res) => {
          if (gen !== generation) return state;
          const data = res?.data || [];
          const pg = res?.pagination || {};
          const seen = new Set(state.items.map((i) => i._id));
          set({
            items: [...state.items, ...data.filter((i) => !i._id || !seen.has(i._id))],
            cursor: pg.nextCursor ?? null,
            hasMore: !!pg.hasMore && !!pg.nextCursor,
            loading: false,
            loaded: true,
          });
          return state;
        }, (err) => {
          if (gen !== generation) return state;
          set({ loading: false, error: err, loaded: true });
          return state;
        })
        .finally(() => { if (gen === generation) inflight = null; });
      return inflight;
    },
    reset() {
      generation += 1;
      inflight = null;
      set({ items: [], cursor: null, hasMore: true, loading: false, error: null, loaded: false });
    },
    prepend(item) { set({ items: [item, ...state.items.filter((i) => i._id !== item._id)] }); },
  };
}
