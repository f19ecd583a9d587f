// Offset pagination controls for {currentPage, totalPages, totalCount, limit}.
import { visiblePages } from '../../hooks/usePagination.js';

export default function Pagination({ pagination, count, onPageChange, label = 'Pagination' }) {
  if (!pagination || !pagination.totalPages || pagination.totalPages <= 1) return null;
  const { currentPage: cur, totalPages, totalCount, limit } = pagination;
  const from = (cur - 1) * limit + 1;
  const to = from + Math.max(0, count - 1);
  const btn = 'relative inline-flex items-center border border-slate-300 px-3 py-2 text-sm font-medium focus:z-10 focus-visible:ring-2 focus-visible:ring-indigo-600 disabled:opacity-50';
  return (
    <nav className="flex flex-col items-center justify-between gap-3 border-t border-slate-200 bg-white px-4 py-3 sm:flex-row" aria-label={label}>
      <p className="text-sm text-slate-700">
        Showing <span className="font-medium">{from}</span> to <span className="font-medium">{to}</span> of{' '}
        <span className="font-medium">{totalCount}</span> results
      </p>
      <div className="inline-flex -space-x-px rounded-md shadow-sm">
        <button type="button" className={`${btn} rounded-l-md bg-white text-slate-800`} disabled={cur <= 1}
          onClick={() => onPageChange(cur - 1)}>Previous</button>
        {visiblePages(cur, totalPages).map((p) => (
          <button type="button" key={p} onClick={() => onPageChange(p)} aria-current={p === cur ? 'page' : undefined}
            className={`${btn} ${p === cur ? 'z-10 border-indigo-600 bg-indigo-50 text-indigo-800' : 'bg-white text-slate-800'}`}>
            {p}
          </button>
        ))}
        <button type="button" className={`${btn} rounded-r-md bg-white text-slate-800`} disabled={cur >= totalPages}
          onClick={() => onPageChange(cur + 1)}>Next</button>
      </div>
    </nav>
  );
}
