import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { sessions } from '../../utils/api.js';
import { useAuth } from '../../context/AuthContext.jsx';
import { formatInZone, viewerZone } from '../../utils/time.js';
import { ErrorState, SkeletonLines } from '../Common/States.jsx';

export default function UpcomingSessions() {
  const { user } = useAuth();
  const [list, setList] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    sessions.list({ status: 'scheduled', upcoming: 'true', limit: 5 }).then((r) => setList(r.data || []), setError);
  }, []);
  const tz = user.timezone && user.timezone !== 'UTC' ? user.timezone : viewerZone();
  return (
    <section className="card" aria-labelledby="upcoming-title" data-testid="upcoming-sessions">
      <h2 id="upcoming-title" className="font-semibold">Upcoming sessions</h2>
      <div className="mt-3">
        {error && <ErrorState error={error} what="sessions" />}
        {!error && !list && <SkeletonLines n={2} />}
        {list && !list.length && <p className="text-sm text-slate-700">Nothing booked. <Link className="text-indigo-800 underline" to="/discover">Find someone to learn from</Link>.</p>}
        <ul className="divide-y divide-slate-200">
          {(list || []).map((s) => (
            <li key={s._id} className="py-2 text-sm">
              <Link to={`/sessions/${s._id}`} className="font-medium text-indigo-800 underline">{s.skill}</Link>{' '}
              with {(s.teacher?._id === user._id ? s.student : s.teacher)?.fullName} · {formatInZone(s.scheduledTime, tz)}
            </li>
          ))}
        </ul>
      </div>
    </section>
  );
}
