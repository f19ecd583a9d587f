import { Link } from 'react-router-dom';
import Avatar from '../Common/Avatar.jsx';
import { formatInZone } from '../../utils/time.js';

const STATUS_STYLE = {
  scheduled: 'bg-indigo-100 text-indigo-900', in_progress: 'bg-amber-100 text-amber-900',
  completed: 'bg-emerald-100 text-emerald-900', cancelled: 'bg-slate-200 text-slate-800',
  no_show: 'bg-rose-100 text-rose-900', abandoned: 'bg-rose-100 text-rose-900', pending: 'bg-amber-100 text-amber-900',
  declined: 'bg-slate-200 text-slate-800', expired: 'bg-slate-200 text-slate-800',
};

export default function SessionCard({ session: s, me, tz, onCancel }) {
  const teaching = (s.teacher?._id || s.teacher) === me._id;
  const other = teaching ? s.student : s.teacher;
  return (
    <article className="card flex flex-col gap-3 sm:flex-row sm:items-center" data-testid="session-card">
      <Avatar user={other} size={10} />
      <div className="min-w-0 flex-1">
        <h3 className="font-semibold"><Link to={`/sessions/${s._id}`} className="underline">{s.skill}</Link>{' '}
          <span className={`badge ${STATUS_STYLE[s.status] || 'bg-slate-200 text-slate-800'}`}>{String(s.status).replace('_', ' ')}</span></h3>
        <p className="text-sm text-slate-700">{teaching ? 'Teaching' : 'Learning from'} {other?.fullName || 'someone'} · {s.duration} min</p>
        <p className="text-sm text-slate-800">{formatInZone(s.scheduledTime, tz)} <span className="text-slate-700">({tz})</span></p>
      </div>
      <div className="flex gap-2">
        <Link to={`/sessions/${s._id}`} className="btn-primary">Open<span className="sr-only"> {s.skill}, {formatInZone(s.scheduledTime, tz, 'd MMM HH:mm')}</span></Link>
        {(s.status === 'pending' || s.status === 'scheduled') && onCancel && <button type="button" className="btn-secondary" onClick={() => onCancel(s)}>Cancel</button>}
      </div>
    </article>
  );
}
