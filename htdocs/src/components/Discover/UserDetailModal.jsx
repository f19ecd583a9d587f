// A person's detailed profile (GET /api/discover/:id) with "message" and "book" actions;
// availability shown in the viewer's own time zone.
import { useEffect, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import Modal from '../Common/Modal.jsx';
import Avatar from '../Common/Avatar.jsx';
import LoadingSpinner from '../Common/LoadingSpinner.jsx';
import { ErrorState } from '../Common/States.jsx';
import { Stars } from './UserCard.jsx';
import ScheduleSession from '../Sessions/ScheduleSession.jsx';
import { discover } from '../../utils/api.js';
import { slotInViewerZone, viewerZone, relative } from '../../utils/time.js';

export default function UserDetailModal({ user: summary, onClose, viewer }) {
  const [user, setUser] = useState(null);
  const [error, setError] = useState(null);
  const [booking, setBooking] = useState(false);
  const navigate = useNavigate();
  const tz = viewer?.timezone && viewer.timezone !== 'UTC' ? viewer.timezone : viewerZone();
  useEffect(() => {
    let live = true;
    discover.detail(summary._id).then((r) => { if (live) setUser(r.data); }, (e) => { if (live) setError(e); });
    return () => { live = false; };
  }, [summary._id]);
  const u = user || summary;
  if (booking && user) return <ScheduleSession teacher={user} onClose={() => setBooking(false)} onBooked={onClose} />;
  return (
    <Modal title={u.fullName} onClose={onClose} wide>
      <div data-testid="user-detail">
        <div className="flex items-center gap-4">
          <Avatar user={u} size={16} />
          <div>
            <p className="text-sm text-slate-700">@{u.username}{u.country ? ` · ${u.country}` : ''} · {u.timezone}</p>
            <Stars rating={u.rating} count={u.totalReviews} />
          </div>
        </div>
        {u.bio && <p className="mt-4 text-slate-800">{u.bio}</p>}
        {error && <ErrorState error={error} what="this profile" />}
        {!user && !error && <LoadingSpinner />}
        {user && (
          <div className="mt-4 grid grid-cols-1 gap-4 sm:grid-cols-2">
            <section>
              <h3 className="font-semibold">Teaches</h3>
              <ul className="mt-2 space-y-2">
                {(user.skillsOffered || []).map((s) => (
                  <li key={s.skill} className="text-sm"><span className="font-medium">{s.skill}</span> · {s.category} · {s.experience}
                    {s.description && <span className="block text-slate-700">{s.description}</span>}</li>
                ))}
              </ul>
              <h3 className="mt-4 font-semibold">Wants to learn</h3>
              <ul className="mt-2 flex flex-wrap gap-1">
                {(user.skillsWanted || []).map((s) => <li key={s.skill} className="badge bg-emerald-100 text-emerald-900">{s.skill}</li>)}
                {!(user.skillsWanted || []).length && <li className="text-sm text-slate-700">Nothing listed.</li>}
              </ul>
            </section>
            <section>
              <h3 className="font-semibold">Available <span className="text-sm font-normal text-slate-700">(your time, {tz})</span></h3>
              <ul className="mt-2 space-y-1 text-sm" data-testid="detail-availability">
                {(user.availability || []).flatMap((d) => d.timeSlots.map((s) => (
                  <li key={`${d.day}${s.startTime}`}>{slotInViewerZone(d.day, s, user.timezone, tz)}</li>
                )))}
                {!(user.availability || []).length && <li className="text-slate-700">No hours set.</li>}
              </ul>
              <h3 className="mt-4 font-semibold">Reviews ({user.reviewCount ?? user.totalReviews ?? 0})</h3>
              <ul className="mt-2 space-y-2 text-sm">
                {(user.recentReviews || []).map((r, i) => (
                  <li key={r._id || i}><Stars rating={r.rating} /> {r.feedback} <span className="text-slate-700">{relative(r.reviewedAt || r.createdAt)}</span></li>
                ))}
                {!(user.recentReviews || []).length && <li className="text-slate-700">No reviews yet.</li>}
              </ul>
            </section>
          </div>
        )}
        <div className="mt-6 flex flex-wrap justify-end gap-2">
          <button type="button" className="btn-secondary" onClick={() => navigate(`/users/${u._id}`)}>Full profile</button>
          <button type="button" className="btn-secondary" onClick={() => navigate(`/messages/${u._id}`)}>Message</button>
          <button type="button" className="btn-primary" disabled={!user} onClick={() => setBooking(true)}>Book a session</button>
        </div>
      </div>
    </Modal>
  );
}
