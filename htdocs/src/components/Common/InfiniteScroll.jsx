// Renders the items of useInfiniteScroll, skeletons while a page loads, a sentinel that loads
// the next page when it scrolls into view, and empty / error / end states.
import { ErrorState } from './States.jsx';

export default function InfiniteScroll({ scroll, renderItem, loading, empty, className = '', what = 'the list' }) {
  const { items, error, hasMore, loaded, sentinelRef, retry } = scroll;
  const busy = scroll.loading;
  if (error && items.length === 0) return <ErrorState error={error} onRetry={retry} what={what} />;
  if (loaded && !busy && items.length === 0) return empty;
  return (
    <div>
      <div className={className}>
        {items.map((item, i) => renderItem(item, i))}
        {busy && loading}
      </div>
      {error && items.length > 0 && (
        <div className="py-4 text-center" role="alert">
          <p className="text-sm text-red-800">Could not load more: {error.message}</p>
          <button type="button" className="btn-secondary mt-2" onClick={retry}>Try again</button>
        </div>
      )}
      {hasMore && !error && <div ref={sentinelRef} data-testid="scroll-sentinel" className="h-1" aria-hidden="true" />}
      {!hasMore && items.length > 0 && (
        <p className="py-6 text-center text-sm text-slate-700" data-testid="end-of-list">That is everyone for now.</p>
      )}
    </div>
  );
}
