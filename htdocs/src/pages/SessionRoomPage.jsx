// One session: details in the viewer's zone; start (the room appears), the timer, end, review.
import { useCallback, useEffect, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { sessions } from '../utils/api.js';
import { useAuth } from '../context/AuthContext.jsx';
import { useSocketEvent } from '../context/SocketContext.jsx';
import { formatCredits, formatInZone, viewerZone } from '../utils/time.js';
import LoadingSpinner from '../components/Common/LoadingSpinner.jsx';
import { ErrorState } from '../components/Common/States.jsx';
import VideoCall from '../components/Sessions/VideoCall.jsx';
import SessionTimer from '../components/Sessions/SessionTimer.jsx';
import SessionReview from '../components/Sessions/SessionReview.jsx';

export default function SessionRoomPage() {
  const { id } = useParams();
  const { user, refreshUser } = useAuth();
  const [s, setS] = useState(null);
  const [room, setRoom] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [reviewed, setReviewed] = useState(false);
  const tz = user.timezone && user.timezone !== 'UTC' ? user.timezone : viewerZone();

  const load = useCallback(async () => {
    try {
      const r = await sessions.get(id);
      setS(r.data);
      if (r.data.status === 'in_progress') setRoom((await sessions.room(id)).data);
    } catch (e) { setError(e); }
  }, [id]);
  useEffect(() => { load(); }, [load]);
  const onEvent = useCallback((x) => { if ((x?._id || x?.sessionId) === id) load(); }, [id, load]);
  useSocketEvent('session:started', onEvent);
  useSocketEvent('session:ended', onEvent);

  const act = async (fn) => {
    setBusy(true); setError(null);
    try { await fn(); await load(); await refreshUser().catch(() => {}); } catch (e) { setError(e); } finally { setBusy(false); }
  };
  if (error && !s) return <ErrorState error={error} what="this session" />;
  if (!s) return <LoadingSpinner />;
  const teaching = (s.teacher?._id || s.teacher) === user._id;
  const other = teaching ? s.student : s.teacher;
  const mayReview = s.status === 'completed' && !teaching && !s.review?.rating && !reviewed;
  return (
    <div className="mx-auto max-w-4xl space-y-4" data-testid="session-room">
      <Link to="/sessions" className="text-sm text-indigo-800 underline">All sessions</Link>
      <h1 className="text-2xl font-bold text-slate-900">{s.skill} <span className="text-base font-normal text-slate-700">with {other?.fullName}</span></h1>
      <p className="text-slate-800">{formatInZone(s.scheduledTime, tz)} ({tz}) · {s.duration} min · status <span data-testid="session-status">{s.status}</span></p>
      {error && <p role="alert" className="rounded-md bg-red-50 p-3 text-sm text-red-900">{error.message}</p>}
      {s.status === 'scheduled' && (
        <button type="button" className="btn-primary" disabled={busy} onClick={() => act(async () => setRoom((await sessions.start(id)).data))}>Start session</button>
      )}
      {s.status === 'in_progress' && (
        <>
          <SessionTimer startedAt={s.startedAt} plannedMinutes={s.duration} />
          {room && <VideoCall room={room} user={user} />}
          <button type="button" className="btn-danger" disabled={busy} onClick={() => act(() => sessions.end(id))}>End session</button>
        </>
      )}
      {s.status === 'completed' && (
        <p className="rounded-md bg-emerald-50 p-3 text-sm text-emerald-900" data-testid="session-completed">
          Completed{s.actualDuration ? ` after ${s.actualDuration} min` : ''}; {formatCredits(s.creditsExchanged)} credits {teaching ? 'earned' : 'spent'}.
        </p>
      )}
      {mayReview && <SessionReview session={s} onDone={() => { setReviewed(true); load(); }} />}
      {(reviewed || s.review?.rating) && <p role="status" className="text-sm text-slate-800" data-testid="review-done">Review: {s.review?.rating ?? ''} ★ {s.review?.feedback || ''}</p>}
    </div>
  );
}
