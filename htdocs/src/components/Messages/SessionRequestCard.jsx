// A pending session between the two people of a chat, from the sessions API (the session is
// where the request's state lives): the teacher accepts or declines it (PUT
// /api/sessions/:id {action}), the learner may withdraw it (DELETE /api/sessions/:id).
import { Link } from 'react-router-dom';
import { formatCredits, formatInZone } from '../../utils/time.js';

const idOf = (x) => x?._id || x;

export default function SessionRequestCard({ session: s, me, tz, busy, onRespond }) {
  const teaching = idOf(s.teacher) === me._id;
  const proposedByMe = s.proposedBy ? s.proposedBy === me._id : !teaching;
  return (
    <article className="rounded-lg border border-indigo-300 bg-indigo-50 p-4 text-sm" data-testid="session-request"
      aria-label={`Session request: ${s.skill}`}>
      <h3 className="font-semibold text-indigo-900">{s.proposedBy ? 'New time proposed' : 'Session request'}: {s.skill}</h3>
      <p className="mt-1 text-slate-900">{formatInZone(s.scheduledTime, tz, 'EEE d MMM, HH:mm')} ({tz}) · {s.duration} min · {formatCredits(s.creditsHeld)} credit{Number(s.creditsHeld) === 1 ? '' : 's'} held</p>
      {s.description && <p className="mt-1 text-slate-800">{s.description}</p>}
      <p className="mt-2 text-xs text-slate-700">Status: <span data-testid="request-status">{s.status}</span>
        {' · '}<Link to={`/sessions/${s._id}`} className="text-indigo-800 underline">Details</Link></p>
      <div className="mt-3 flex gap-2">
        {!proposedByMe ? (
          <>
            <button type="button" className="btn-primary" disabled={busy} onClick={() => onRespond(s, 'accept')}>Accept</button>
            <button type="button" className="btn-secondary" disabled={busy} onClick={() => onRespond(s, 'decline')}>Decline</button>
          </>
        ) : (
          <>
            <span className="self-center text-slate-800">Waiting for an answer.</span>
            <button type="button" className="btn-secondary" disabled={busy} onClick={() => onRespond(s, 'cancel')}>Withdraw</button>
          </>
        )}
      </div>
    </article>
  );
}
