import { Link } from 'react-router-dom';
import { useCredits } from '../../hooks/useCredits.js';
import { formatCredits } from '../../utils/time.js';

export default function CreditBalance() {
  const { available, held } = useCredits();
  return (
    <section className="card" aria-labelledby="balance-title" data-testid="credit-balance">
      <h2 id="balance-title" className="text-sm font-medium text-slate-700">Credit balance</h2>
      <p className="mt-1 text-3xl font-bold text-slate-900"><span data-testid="balance-available">{formatCredits(available)}</span> <span className="text-base font-medium text-slate-700">credits</span></p>
      <p className="text-sm text-slate-700">{formatCredits(held)} held for booked sessions</p>
      <Link to="/credits" className="mt-3 inline-block text-sm text-indigo-800 underline">History</Link>
    </section>
  );
}
