import { Link } from 'react-router-dom';
import { useNotifications } from '../../context/NotificationContext.jsx';
import { relative } from '../../utils/time.js';

export default function RecentActivity() {
  const { items, available } = useNotifications();
  return (
    <section className="card" aria-labelledby="activity-title" data-testid="recent-activity">
      <h2 id="activity-title" className="font-semibold">Recent activity</h2>
      {!available && <p className="mt-2 text-sm text-slate-700">Activity is not available on this server yet.</p>}
      {available && !items.length && <p className="mt-2 text-sm text-slate-700">Nothing yet. Messages, bookings and reviews show up here.</p>}
      <ul className="mt-2 divide-y divide-slate-200">
        {items.slice(0, 6).map((n) => (
          <li key={n._id} className="py-2 text-sm">
            {n.link ? <Link to={n.link} className="font-medium text-indigo-800 underline">{n.title}</Link> : <span className="font-medium">{n.title}</span>}
            <span className="block text-xs text-slate-700">{relative(n.createdAt)}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
