// Empty, error and skeleton states shared by every screen.
import { isMissingRoute } from '../../utils/api.js';

export function EmptyState({ title, children, action }) {
  return (
    <div className="rounded-lg border border-dashed border-slate-300 bg-white px-6 py-10 text-center" data-testid="empty-state">
      <h3 className="text-base font-semibold text-slate-900">{title}</h3>
      {children && <p className="mt-1 text-sm text-slate-700">{children}</p>}
      {action && <div className="mt-4">{action}</div>}
    </div>
  );
}

export function ErrorState({ error, onRetry, what = 'this' }) {
  const missing = isMissingRoute(error);
  return (
    <div role={missing ? 'status' : 'alert'} data-testid={missing ? 'unavailable-state' : 'error-state'}
      className={`rounded-lg border px-6 py-6 text-center ${missing ? 'border-slate-200 bg-slate-50' : 'border-red-200 bg-red-50'}`}>
      <h3 className={`text-base font-semibold ${missing ? 'text-slate-800' : 'text-red-900'}`}>
        {missing ? `This server does not offer ${what} yet.` : `Could not load ${what}.`}
      </h3>
      {!missing && (
        <p className="mt-1 text-sm text-red-800">
          {error?.status === 429
            ? `Too many requests for now; try again in ${error.data?.retryAfter ?? 'a few'} seconds.`
            : error?.message || String(error)}
        </p>
      )}
      {onRetry && !missing && <button type="button" className="btn-secondary mt-4" onClick={onRetry}>Try again</button>}
    </div>
  );
}

export function SkeletonCard() {
  return (
    <div className="card" aria-hidden="true" data-testid="skeleton-card">
      <div className="flex items-center gap-3">
        <div className="skeleton h-12 w-12 rounded-full" />
        <div className="flex-1 space-y-2"><div className="skeleton h-4 w-2/3" /><div className="skeleton h-3 w-1/3" /></div>
      </div>
      <div className="mt-4 space-y-2"><div className="skeleton h-3 w-full" /><div className="skeleton h-3 w-5/6" /></div>
      <div className="mt-4 flex gap-2"><div className="skeleton h-5 w-16" /><div className="skeleton h-5 w-20" /></div>
    </div>
  );
}

export function SkeletonLines({ n = 3 }) {
  return (
    <div className="space-y-3" aria-hidden="true">
      {Array.from({ length: n }, (_, i) => <div key={i} className="skeleton h-12 w-full" />)}
    </div>
  );
}
