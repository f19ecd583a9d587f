// One session: details in the viewer's zone; the teacher's answer to a request; start (each
// participant joins: POST /start; the session is in progress once both have, and the room is
// shown from the first join on); the timer; end (settled by the server for the measured
// time); a review by either participant. Kept live by the session events of the socket.
import { useCallback, useEffect, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { sessions, users } from '../utils/api.js';
import { useAuth } from '../context/AuthContext.jsx';
import { useSocketEvent } from '../context/SocketContext.jsx';
import { formatCredits, formatInZone, viewerZone } from '../utils/time.js';
import LoadingSpinner from '../components/Common/LoadingSpinner.jsx';
import { ErrorState } from '../components/Common/States.jsx';
import VideoCall from '../components/Sessions/VideoCall.jsx';
import SessionTimer from '../components/Sessions/SessionTimer.jsx';
import SessionReview from '../components/Sessions/SessionReview.jsx';

const idOf = (x) => x?._id || x;

export default function SessionRoomPage() {
  const { id } = useParams();
  const { user, refreshUser } = useAuth();
  const [s, setS] = useState(null);
  const [room, setRoom] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [review, setReview] = useState(undefined);   // mine, once known (null: none yet)
  const tz = user.timezone && user.timezone !== 'UTC' ? user.timezone : viewerZone();

  const load = useCallback(async () => {
    try {
      const r = await sessions.get(id);
      const x = r.data;
      setS(x);
      const teaching = idOf(x.teacher) === user._id;
      const joined = teaching ? x.teacherJoined : x.studentJoined;
      if (x.status === 'in_progress' || (x.status === 'scheduled' && joined)) setRoom((await sessions.room(id)).data);
      if (x.status === 'completed') {
        // my review of this session, if written: the other person's reviews name the session
        const other = idOf(teaching ? x.student : x.teacher);
        const rv = await users.reviews(other, { limit: 50 }).catch(() => ({ data: [] }));
        setReview((rv.data || []).find((v) => v.session === id && idOf(v.reviewer) === user._id) || null);
      }
    } catch (e) { setError(e); }
  }, [id, user._id]);
  useEffect(() => { load(); }, [load]);
  const onEvent = useCallback((x) => { if ((x?._id || x?.sessionId) === id) load(); }, [id, load]);
  useSocketEvent('session:accepted', onEvent);
  useSocketEvent('session:started', onEvent);
  useSocketEvent('session:ended', onEvent);

  const act = async (fn) => {
    setBusy(true); setError(null);
    try { await fn(); await load(); await refreshUser().catch(() => {}); } catch (e) { setError(e); } finally { setBusy(false); }
  };
  if (error && !s) return <ErrorState error={error} what="this session" />;
  if (!s) return <LoadingSpinner />;
  const teaching = idOf(s.teacher) === user._id;
  const other = teaching ? s.student : s.teacher;
  const joined = teaching ? s.teacherJoined : s.studentJoined;
  const proposedByMe = s.proposedBy ? s.proposedBy === user._id : !teaching;
  return (
    <div className="mx-auto max-w-4xl space-y-4" data-testid="session-room">
      <Link to="/sessions" className="text-sm text-indigo-800 underline">All sessions</Link>
      <h1 className="text-2xl font-bold text-slate-900">{s.skill} <span className="text-base font-normal text-slate-700">with {other?.fullName}</span></h1>
      <p className="text-slate-800">
        {formatInZone(s.scheduledTime, tz)} ({tz}) · {s.duration} min · {formatCredits(s.creditsHeld)} credit{Number(s.creditsHeld) === 1 ? '' : 's'} held · status <span data-testid="session-status">{s.status.replace('_', ' ')}</span>
      </p>
      {s.description && <p className="text-slate-800">{s.description}</p>}
      {error && <p role="alert" className="rounded-md bg-red-50 p-3 text-sm text-red-900">{error.message}</p>}
      {s.status === 'pending' && (
        <div className="flex flex-wrap items-center gap-2" data-testid="session-pending">
          {proposedByMe ? <p className="text-sm text-slate-800">Waiting for {other?.firstName} to accept.</p> : (
            <>
              <button type="button" className="btn-primary" disabled={busy} onClick={() => act(() => sessions.update(id, { action: 'accept' }))}>Accept</button>
              <button type="button" className="btn-secondary" disabled={busy} onClick={() => act(() => sessions.update(id, { action: 'decline' }))}>Decline</button>
            </>
          )}
        </div>
      )}
      {s.status === 'scheduled' && !joined && (
        <div className="space-y-1">
          <button type="button" className="btn-primary" disabled={busy} onClick={() => act(async () => setRoom((await sessions.start(id)).data.room))}>Start session</button>
          <p className="text-xs text-slate-700">The room opens 10 minutes before the start.</p>
        </div>
      )}
      {s.status === 'scheduled' && joined && (
        <p role="status" className="rounded-md bg-amber-50 p-3 text-sm text-amber-900" data-testid="session-waiting">
          You are in the room; the session starts when {other?.firstName} joins.
        </p>
      )}
      {s.status === 'in_progress' && <SessionTimer startedAt={s.startedAt} plannedMinutes={s.duration} />}
      {room && (s.status === 'in_progress' || s.status === 'scheduled') && <VideoCall room={room} user={user} />}
      {s.status === 'in_progress' && (
        <button type="button" className="btn-danger" disabled={busy} onClick={() => act(() => sessions.end(id))}>End session</button>
      )}
      {s.status === 'completed' && (
        <p className="rounded-md bg-emerald-50 p-3 text-sm text-emerald-900" data-testid="session-completed">
          Completed after {s.actualDuration} min; {formatCredits(s.creditsExchanged)} credit{Number(s.creditsExchanged) === 1 ? '' : 's'} {teaching ? 'earned' : 'spent'}.
        </p>
      )}
      {s.status === 'completed' && review === null && (
        <SessionReview session={s} about={other} onDone={(r) => setReview(r)} />
      )}
      {review && (
        <p role="status" className="text-sm text-slate-800" data-testid="review-done">
          Your review: {review.rating} ★{review.feedback ? ` — ${review.feedback}` : ''}
        </p>
      )}
    </div>
  );
}
