export default function LoadingSpinner({ label = 'Loading', className = '' }) {
  return (
    <div role="status" className={`flex items-center justify-center gap-2 py-6 text-slate-700 ${className}`}>
      <span className="h-5 w-5 animate-spin rounded-full border-2 border-indigo-700 border-t-transparent" aria-hidden="true" />
      <span className="text-sm">{label}…</span>
    </div>
  );
}
