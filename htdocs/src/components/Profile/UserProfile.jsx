// A public profile: who they are, what they teach and want, hours, reviews.
import { Link } from 'react-router-dom';
import Avatar from '../Common/Avatar.jsx';
import { Stars } from '../Discover/UserCard.jsx';
import ProfileStats from './ProfileStats.jsx';
import { relative, slotInViewerZone } from '../../utils/time.js';

export default function UserProfile({ user, viewerTz, actions }) {
  return (
    <div className="space-y-6" data-testid="public-profile">
      <div className="flex flex-col gap-4 sm:flex-row sm:items-center">
        <Avatar user={user} size={24} />
        <div>
          <h1 className="text-2xl font-bold text-slate-900">{user.fullName}</h1>
          <p className="text-slate-700">@{user.username}{user.country ? ` · ${user.country}` : ''} · {user.timezone}</p>
          <Stars rating={user.rating} count={user.totalReviews} />
        </div>
        {actions && <div className="flex gap-2 sm:ml-auto">{actions}</div>}
      </div>
      {user.bio && <p className="text-slate-800">{user.bio}</p>}
      <ProfileStats user={user} />
      <div className="grid grid-cols-1 gap-4 md:grid-cols-2">
        <section className="card">
          <h2 className="font-semibold">Teaches</h2>
          <ul className="mt-2 space-y-1 text-sm">
            {(user.skillsOffered || []).map((s) => <li key={s.skill}><span className="font-medium">{s.skill}</span> · {s.category} · {s.experience}</li>)}
            {!(user.skillsOffered || []).length && <li className="text-slate-700">Nothing listed.</li>}
          </ul>
          <h2 className="mt-4 font-semibold">Wants to learn</h2>
          <ul className="mt-2 space-y-1 text-sm">
            {(user.skillsWanted || []).map((s) => <li key={s.skill}>{s.skill} · {s.level}</li>)}
            {!(user.skillsWanted || []).length && <li className="text-slate-700">Nothing listed.</li>}
          </ul>
        </section>
        <section className="card">
          <h2 className="font-semibold">Availability <span className="text-sm font-normal text-slate-700">(your time, {viewerTz})</span></h2>
          <ul className="mt-2 space-y-1 text-sm">
            {(user.availability || []).flatMap((d) => d.timeSlots.map((s) => <li key={d.day + s.startTime}>{slotInViewerZone(d.day, s, user.timezone, viewerTz)}</li>))}
            {!(user.availability || []).length && <li className="text-slate-700">No hours set.</li>}
          </ul>
        </section>
      </div>
      <section className="card" aria-labelledby="reviews-title">
        <h2 id="reviews-title" className="font-semibold">Reviews</h2>
        <ul className="mt-2 divide-y divide-slate-200" data-testid="reviews">
          {(user.recentReviews || []).map((r, i) => (
            <li key={r._id || i} className="py-2 text-sm">
              <Stars rating={r.rating} /> <span className="text-slate-800">{r.feedback}</span>
              <span className="block text-xs text-slate-700">{r.reviewer?.fullName ? <Link className="underline" to={`/users/${r.reviewer._id}`}>{r.reviewer.fullName}</Link> : null} {relative(r.reviewedAt || r.createdAt)}</span>
            </li>
          ))}
          {!(user.recentReviews || []).length && <li className="py-2 text-sm text-slate-700">No reviews yet.</li>}
        </ul>
      </section>
    </div>
  );
}
