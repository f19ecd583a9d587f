import { useEffect, useState } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import UserProfile from '../components/Profile/UserProfile.jsx';
import ScheduleSession from '../components/Sessions/ScheduleSession.jsx';
import LoadingSpinner from '../components/Common/LoadingSpinner.jsx';
import { ErrorState } from '../components/Common/States.jsx';
import { discover, users } from '../utils/api.js';
import { useAuth } from '../context/AuthContext.jsx';
import { viewerZone } from '../utils/time.js';

export default function PublicProfilePage() {
  const { id } = useParams();
  const { user: me } = useAuth();
  const navigate = useNavigate();
  const [user, setUser] = useState(null);
  const [error, setError] = useState(null);
  const [booking, setBooking] = useState(false);
  useEffect(() => {
    let live = true;
    setUser(null); setError(null);
    discover.detail(id).catch(() => users.byId(id))
      .then((r) => { if (live) setUser(r.data); }, (e) => { if (live) setError(e); });
    return () => { live = false; };
  }, [id]);
  const tz = me?.timezone && me.timezone !== 'UTC' ? me.timezone : viewerZone();
  if (error) return <ErrorState error={error} what="this profile" />;
  if (!user) return <LoadingSpinner />;
  const self = user._id === me._id;
  return (
    <div className="mx-auto max-w-4xl">
      <UserProfile user={user} viewerTz={tz} actions={!self && (
        <>
          <button type="button" className="btn-secondary" onClick={() => navigate(`/messages/${user._id}`)}>Message</button>
          <button type="button" className="btn-primary" onClick={() => setBooking(true)}>Book a session</button>
        </>
      )} />
      {booking && <ScheduleSession teacher={user} onClose={() => setBooking(false)} />}
    </div>
  );
}
