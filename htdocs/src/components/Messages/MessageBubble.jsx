import { formatInZone } from '../../utils/time.js';

// A session message (session_request ...) is shown as its text with a label; the request
// itself, with its answer buttons, is the pending session above the conversation.
export default function MessageBubble({ message: m, isOwn, tz, onDelete }) {
  const session = m.messageType && m.messageType.startsWith('session_');
  return (
    <div className={`flex ${isOwn ? 'justify-end' : 'justify-start'}`} data-testid="message">
      <div className={`max-w-[80%] rounded-2xl px-4 py-2 text-sm ${isOwn ? 'bg-indigo-700 text-white' : 'bg-white text-slate-900 border border-slate-200'}`}>
        {session && <p className={`text-xs font-semibold uppercase tracking-wide ${isOwn ? 'text-indigo-100' : 'text-indigo-900'}`}>Session request</p>}
        <p className="whitespace-pre-wrap break-words">{m.isDeleted ? <em>Message deleted</em> : m.content}</p>
        <p className={`mt-1 text-right text-[11px] ${isOwn ? 'text-indigo-100' : 'text-slate-700'}`}>
          {formatInZone(m.createdAt, tz, 'HH:mm')}
          {isOwn && <span data-testid="read-receipt" className="ml-1">{m.isRead ? '✓✓ Read' : '✓ Sent'}</span>}
          {isOwn && !m.isDeleted && onDelete && (
            <button type="button" className="ml-2 underline" onClick={() => onDelete(m)}>Delete<span className="sr-only"> this message</span></button>
          )}
        </p>
      </div>
    </div>
  );
}
