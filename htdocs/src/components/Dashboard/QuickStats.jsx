export default function QuickStats({ user }) {
  const stats = [
    ['Hours taught', user.totalHoursTaught ?? 0],
    ['Hours learned', user.totalHoursLearned ?? 0],
    ['Rating', (Number(user.rating) || 0).toFixed(1)],
    ['Skills offered', (user.skillsOffered || []).length],
  ];
  return (
    <section aria-labelledby="stats-title">
      <h2 id="stats-title" className="sr-only">Quick stats</h2>
      <dl className="grid grid-cols-2 gap-3 md:grid-cols-4">
        {stats.map(([k, v]) => (
          <div key={k} className="card"><dt className="text-xs font-medium uppercase tracking-wide text-slate-700">{k}</dt><dd className="mt-1 text-2xl font-semibold">{v}</dd></div>
        ))}
      </dl>
    </section>
  );
}
