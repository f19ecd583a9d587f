// Earned and spent per month over the last 12 months, as an SVG bar chart (no chart library).
import { addMonths, format, startOfMonth } from 'date-fns';

export function lastTwelveMonths(stats, now = new Date()) {
  const byKey = new Map((stats?.monthly || stats?.months || []).map((m) => [m.month, m]));
  const first = addMonths(startOfMonth(now), -11);
  return Array.from({ length: 12 }, (_, i) => {
    const d = addMonths(first, i);
    const key = format(d, 'yyyy-MM');
    const m = byKey.get(key) || {};
    return { key, label: format(d, 'MMM'), earned: Number(m.earned) || 0, spent: Number(m.spent) || 0 };
  });
}

export default function CreditStats({ stats }) {
  const months = lastTwelveMonths(stats);
  const max = Math.max(1, ...months.flatMap((m) => [m.earned, m.spent]));
  const W = 600; const H = 180; const bw = W / 12;
  return (
    <figure className="card" data-testid="credit-chart">
      <figcaption className="font-semibold">Last 12 months</figcaption>
      <div className="mt-2 flex gap-4 text-xs">
        <span className="flex items-center gap-1"><span className="inline-block h-3 w-3 rounded-sm bg-emerald-700" aria-hidden="true" />Earned</span>
        <span className="flex items-center gap-1"><span className="inline-block h-3 w-3 rounded-sm bg-rose-700" aria-hidden="true" />Spent</span>
      </div>
      <svg viewBox={`0 0 ${W} ${H + 20}`} className="mt-2 w-full" role="img"
        aria-label={`Credits earned and spent per month: ${months.map((m) => `${m.label} +${m.earned} −${m.spent}`).join(', ')}`}>
        {months.map((m, i) => {
          const he = (m.earned / max) * H; const hs = (m.spent / max) * H;
          return (
            <g key={m.key}>
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
