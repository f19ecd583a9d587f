import { credits } from '../../utils/api.js';
import { usePagination } from '../../hooks/usePagination.js';
import Pagination from '../Common/Pagination.jsx';
import { EmptyState, ErrorState, SkeletonLines } from '../Common/States.jsx';
import { formatCredits, formatInZone, viewerZone } from '../../utils/time.js';

export default function TransactionHistory({ tz = viewerZone() }) {
  const p = usePagination((q) => credits.transactions(q), [], { limit: 10 });
  return (
    <section className="card p-0" aria-labelledby="tx-title" data-testid="transactions">
      <h2 id="tx-title" className="px-4 pt-4 font-semibold">Transactions</h2>
      <div className="p-4">
        {p.error && <ErrorState error={p.error} onRetry={p.reload} what="the transaction history" />}
        {!p.error && p.loading && !p.data.length && <SkeletonLines n={4} />}
        {!p.error && !p.loading && !p.data.length && <EmptyState title="No transactions yet" />}
        {p.data.length > 0 && (
          <div className="overflow-x-auto" tabIndex={0} role="region" aria-label="Scrollable table">
            <table className="min-w-full text-sm">
              <thead><tr className="text-left text-slate-700"><th className="py-2 pr-4">Date</th><th className="py-2 pr-4">Description</th><th className="py-2 pr-4">Type</th><th className="py-2 pr-4 text-right">Amount</th><th className="py-2 text-right">Balance</th></tr></thead>
              <tbody className="divide-y divide-slate-200">
                {p.data.map((t) => (
                  <tr key={t._id} data-testid="transaction-row">
                    <td className="py-2 pr-4 whitespace-nowrap">{formatInZone(t.createdAt, tz, 'd MMM yyyy HH:mm')}</td>
                    <td className="py-2 pr-4">{t.description}</td>
                    <td className="py-2 pr-4">{t.type}</td>
                    <td className={`py-2 pr-4 text-right font-medium ${Number(t.amount) < 0 || t.type === 'spent' ? 'text-rose-800' : 'text-emerald-800'}`}>{Number(t.amount) > 0 ? '+' : ''}{formatCredits(t.amount)}</td>
                    <td className="py-2 text-right">{formatCredits(t.balanceAfter)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>
      <Pagination pagination={p.pagination} count={p.data.length} onPageChange={p.setPage} label="Transaction pages" />
    </section>
  );
}
