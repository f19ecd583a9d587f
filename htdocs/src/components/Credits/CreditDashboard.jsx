import { useEffect, useState } from 'react';
import { credits } from '../../utils/api.js';
import { useAuth } from '../../context/AuthContext.jsx';
import { useCredits } from '../../hooks/useCredits.js';
import { formatCredits, viewerZone } from '../../utils/time.js';
import CreditStats from './CreditStats.jsx';
import TransactionHistory from './TransactionHistory.jsx';
import { ErrorState } from '../Common/States.jsx';

// The numbers are the API's: available and held from GET /api/credits/balance, earned and
// spent over the account's life from the same answer; the chart from GET /api/credits/stats.
export default function CreditDashboard() {
  const { user } = useAuth();
  const { available, held, balance } = useCredits();
  const [stats, setStats] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => { credits.stats().then((r) => setStats(r.data), setError); }, [user.credits]);
  const tz = user.timezone && user.timezone !== 'UTC' ? user.timezone : viewerZone();
  const cards = [['Available', available], ['Held', held], ['Earned', balance?.totalEarned], ['Spent', balance?.totalSpent]];
  return (
    <div className="mx-auto max-w-5xl space-y-6" data-testid="credits-page">
      <h1 className="text-2xl font-bold text-slate-900">Credits</h1>
      <dl className="grid grid-cols-2 gap-3 md:grid-cols-4">
        {cards.map(([k, v]) => (
          <div key={k} className="card"><dt className="text-xs font-medium uppercase tracking-wide text-slate-700">{k}</dt>
            <dd className="mt-1 text-2xl font-semibold" data-testid={`credits-${k.toLowerCase()}`}>{v === undefined ? '…' : formatCredits(v)}</dd></div>
        ))}
      </dl>
      {error ? <ErrorState error={error} what="credit statistics" /> : <CreditStats stats={stats} />}
      <TransactionHistory tz={tz} />
    </div>
  );
}
