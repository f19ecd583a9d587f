// Earned and spent per month over the last 12 months, as an SVG bar chart (no chart library).
// The months are the server's (GET /api/credits/stats: {timezone, months: [{month: "YYYY-MM",
// earned, spent}] oldest first, totalEarned, totalSpent}), counted in the user's zone.
import { format } from 'date-fns';

export function chartMonths(stats) {
  return (stats?.months || []).map((m) => {
    const [y, mo] = String(m.month).split('-').map(Number);
    const label = y && mo ? format(new Date(y, mo - 1, 1), 'MMM') : String(m.month);
    return { key: m.month, label, earned: Number(m.earned) || 0, spent: Number(m.spent) || 0 };
  });
}

export default function CreditStats({ stats }) {
  const months = chartMonths(stats);
  const max = Math.max(1, ...months.flatMap((m) => [m.earned, m.spent]));
  const W = 600; const H = 180; const bw = W / 12;
  return (
    <figure className="card" data-testid="credit-chart">
      <figcaption className="font-semibold">Last 12 months{stats?.timezone ? <span className="font-normal text-sm text-slate-700"> ({stats.timezone})</span> : null}</figcaption>
      <div className="mt-2 flex gap-4 text-xs">
        <span className="flex items-center gap-1"><span className="inline-block h-3 w-3 rounded-sm bg-emerald-700" aria-hidden="true" />Earned</span>
        <span className="flex items-center gap-1"><span className="inline-block h-3 w-3 rounded-sm bg-rose-700" aria-hidden="true" />Spent</span>
      </div>
      <svg viewBox={`0 0 ${W} ${H + 20}`} className="mt-2 w-full" role="img"
        aria-label={`Credits earned and spent per month: ${months.map((m) => `${m.label} +${m.earned} −${m.spent}`).join(', ')}`}>
        {months.map((m, i) => {
          const he = (m.earned / max) * H; const hs = (m.spent / max) * H;
          return (
            <g key={m.key} data-testid="chart-month" data-month={m.key} data-earned={m.earned} data-spent={m.spent}>
              <rect x={i * bw + 6} y={H - he} width={bw / 2 - 6} height={he} className="fill-emerald-700" />
              <rect x={i * bw + bw / 2} y={H - hs} width={bw / 2 - 6} height={hs} className="fill-rose-700" />
              <text x={i * bw + bw / 2} y={H + 15} textAnchor="middle" className="fill-slate-700 text-[11px]">{m.label}</text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}
