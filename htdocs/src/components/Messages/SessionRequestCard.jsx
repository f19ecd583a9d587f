// A session request in the chat; the person asked can accept (a session is created from the
// request) or decline.
import { formatInZone } from '../../utils/time.js';

export default function SessionRequestCard({ message: m, isOwn, tz, onRespond }) {
  const d = m.sessionData || {};
  const status = d.status || 'pending';
  return (
    <div className={`flex ${isOwn ? 'justify-end' : 'justify-start'}`}>
      <article className="w-full max-w-sm rounded-lg border border-indigo-300 bg-indigo-50 p-4 text-sm" data-testid="session-request">
        <h4 className="font-semibold text-indigo-900">{m.messageType === 'session_request' ? 'Session request' : m.messageType === 'session_accept' ? 'Session accepted' : m.messageType === 'session_decline' ? 'Session declined' : 'Session'}</h4>
        <p className="mt-1 text-slate-900">{d.skill} · {d.duration} min</p>
        {d.proposedTime && <p className="text-slate-800">{formatInZone(d.proposedTime, tz, 'EEE d MMM, HH:mm')} ({tz})</p>}
        {d.description && <p className="mt-1 text-slate-800">{d.description}</p>}
        <p className="mt-2 text-xs text-slate-700">Status: <span data-testid="request-status">{status}</span></p>
        {m.messageType === 'session_request' && !isOwn && status === 'pending' && onRespond && (
          <div className="mt-3 flex gap-2">
            <button type="button" className="btn-primary" onClick={() => onRespond(m, true)}>Accept</button>
            <button type="button" className="btn-secondary" onClick={() => onRespond(m, false)}>Decline</button>
          </div>
        )}
      </article>
    </div>
  );
}
