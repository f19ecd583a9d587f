import { Link } from 'react-router-dom';

export default function NotFoundPage() {
  return (
    <main className="mx-auto max-w-xl px-6 py-24 text-center" data-testid="not-found">
      <p className="text-sm font-semibold text-indigo-800">404</p>
      <h1 className="mt-2 text-3xl font-bold text-slate-900">Page not found</h1>
      <p className="mt-3 text-slate-700">There is nothing at this address.</p>
      <Link to="/dashboard" className="btn-primary mt-6">Back to your dashboard</Link>
    </main>
  );
}
