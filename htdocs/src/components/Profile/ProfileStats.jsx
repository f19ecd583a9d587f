import { formatCredits } from '../../utils/time.js';

export default function ProfileStats({ user }) {
  const items = [
    ['Hours taught', user.totalHoursTaught ?? 0],
    ['Hours learned', user.totalHoursLearned ?? 0],
    ['Rating', `${(Number(user.rating) || 0).toFixed(1)} (${user.totalReviews ?? 0})`],
    ...(user.credits !== undefined ? [['Credits', formatCredits(user.credits)]] : []),
  ];
  return (
    <dl className="grid grid-cols-2 gap-3 sm:grid-cols-4">
      {items.map(([k, v]) => (
        <div key={k} className="card">
          <dt className="text-xs font-medium uppercase tracking-wide text-slate-700">{k}</dt>
          <dd className="mt-1 text-xl font-semibold text-slate-900">{v}</dd>
        </div>
      ))}
    </dl>
  );
}
