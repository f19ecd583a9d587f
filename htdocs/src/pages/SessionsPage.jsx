import SessionsList from '../components/Sessions/SessionsList.jsx';

export default function SessionsPage() {
  return (
    <div className="mx-auto max-w-5xl space-y-4">
      <h1 className="text-2xl font-bold text-slate-900">Sessions</h1>
      <SessionsList />
    </div>
  );
}
