// One conversation: the newest page first, "load older" keeps the scroll position, new
// messages arrive live, typing and online status, read receipts, the pending session requests
// between the two people with their answers.
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { Link } from 'react-router-dom';
import { messages as api, sessions, users } from '../../utils/api.js';
import { socketService, useSocket, useSocketEvent } from '../../context/SocketContext.jsx';
import { useNotifications } from '../../context/NotificationContext.jsx';
import Avatar from '../Common/Avatar.jsx';
import LoadingSpinner from '../Common/LoadingSpinner.jsx';
import { ErrorState } from '../Common/States.jsx';
import MessageBubble from './MessageBubble.jsx';
import MessageInput from './MessageInput.jsx';
import SessionRequestCard from './SessionRequestCard.jsx';

const idOf = (x) => x?._id || x;

export default function ChatWindow({ other, me, tz, onActivity }) {
  const [list, setList] = useState([]);
  const [cursor, setCursor] = useState(null);
  const [hasMore, setHasMore] = useState(false);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState(null);
  const [typing, setTyping] = useState(false);
  const { online } = useSocket();
  const { refresh } = useNotifications();
  const box = useRef(null);
  const keep = useRef(null);     // distance from the bottom to restore after prepending
  const stick = useRef(true);    // scroll to the bottom after the next render
  const typingTimer = useRef(null);

  const markRead = useCallback(async (msgs) => {
    if (msgs.some((m) => idOf(m.receiver) === me._id && !m.isRead)) {
      await api.readAll(other._id).catch(() => {});
      onActivity?.();
      refresh();
    }
  }, [other._id, me._id, onActivity, refresh]);

  const loadInitial = useCallback(async () => {
    setLoading(true); setError(null);
    try {
      const r = await api.thread(other._id, { limit: 20 });
      const page = r.data || [];   // each page comes oldest first
      stick.current = true;
      setList(page);
      setCursor(r.pagination?.nextCursor || null);
      setHasMore(!!r.pagination?.hasMore);
      markRead(page);
    } catch (e) { setError(e); } finally { setLoading(false); }
  }, [other._id, markRead]);

  useEffect(() => {
    setList([]);
    loadInitial();
    socketService.joinConversation(other._id);
    const offResync = socketService.onResync(loadInitial);
    return () => { socketService.leaveConversation(other._id); offResync(); };
  }, [other._id]); // eslint-disable-line react-hooks/exhaustive-deps

  const loadOlder = async () => {
    if (!hasMore || loading) return;
    setLoading(true);
    try {
      const r = await api.thread(other._id, { limit: 20, cursor });
      const el = box.current;
      keep.current = el ? el.scrollHeight - el.scrollTop : null;
      setList((l) => {
        const seen = new Set(l.map((m) => m._id));
        return [...(r.data || []).filter((m) => !seen.has(m._id)), ...l];
      });
      setCursor(r.pagination?.nextCursor || null);
      setHasMore(!!r.pagination?.hasMore);
    } catch (e) { setError(e); } finally { setLoading(false); }
  };

  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    if (keep.current !== null) { el.scrollTop = el.scrollHeight - keep.current; keep.current = null; }
    else if (stick.current) { el.scrollTop = el.scrollHeight; stick.current = false; }
  }, [list]);

  const append = useCallback((m) => {
    const el = box.current;
    stick.current = !el || el.scrollHeight - el.scrollTop - el.clientHeight < 120 || idOf(m.sender) === me._id;
    setList((l) => (l.some((x) => x._id === m._id) ? l.map((x) => (x._id === m._id ? m : x)) : [...l, m]));
  }, [me._id]);

  useSocketEvent('message:received', useCallback((m) => {
    const a = idOf(m?.sender); const b = idOf(m?.receiver);
    if (!((a === other._id && b === me._id) || (a === me._id && b === other._id))) return;
    append(m);
    if (a === other._id) { setTyping(false); markRead([m]); }
    onActivity?.();
  }, [other._id, me._id, append, markRead, onActivity]));

  // {messageId, readBy, readAt} for one message, {readBy, conversationWith, upTo} for all
  useSocketEvent('message:read', useCallback((e) => {
    if (e?.readBy !== other._id) return;
    const at = e.readAt || e.upTo || new Date().toISOString();
    setList((l) => l.map((m) => (idOf(m.sender) === me._id && !m.isRead
      && (e.messageId ? m._id === e.messageId : !e.upTo || m.createdAt <= e.upTo)
      ? { ...m, isRead: true, readAt: at } : m)));
  }, [other._id, me._id]));

  useSocketEvent('message:deleted', useCallback((e) => {
    setList((l) => l.map((m) => (m._id === e?.messageId ? { ...m, isDeleted: true, deletedAt: e.deletedAt } : m)));
  }, []));

  const remove = async (m) => {
    try {
      await api.remove(m._id);
      setList((l) => l.map((x) => (x._id === m._id ? { ...x, isDeleted: true } : x)));
      onActivity?.();
    } catch (e) { setError(e); }
  };

  useSocketEvent('typing:start', useCallback((e) => {
    if (e?.userId !== other._id) return;
    setTyping(true);
    clearTimeout(typingTimer.current);
    typingTimer.current = setTimeout(() => setTyping(false), 6000);
  }, [other._id]));
  useSocketEvent('typing:stop', useCallback((e) => { if (e?.userId === other._id) setTyping(false); }, [other._id]));

  const send = async (content) => {
    const r = await api.send({ receiver: other._id, content, messageType: 'text' });
    append(r.data);
    onActivity?.();
  };

  // The pending sessions between the two of us: the requests of this chat, answered on the
  // session (the session request message in the thread is its text). Kept fresh by the
  // session events of either person.
  const [requests, setRequests] = useState([]);
  const [answering, setAnswering] = useState(false);
  const loadRequests = useCallback(async () => {
    try {
      const r = await sessions.list({ status: 'pending', limit: 50 });
      setRequests((r.data || []).filter((x) => idOf(x.teacher) === other._id || idOf(x.student) === other._id)
        .sort((a, b) => (a.scheduledTime < b.scheduledTime ? -1 : 1)));
    } catch { /* the list stays as it was; the thread still works */ }
  }, [other._id]);
  useEffect(() => { setRequests([]); loadRequests(); return socketService.onResync(loadRequests); }, [loadRequests]);
  const onSessionEvent = useCallback((x) => {
    if ([idOf(x?.teacher), idOf(x?.student)].includes(other._id)) loadRequests();
  }, [other._id, loadRequests]);
  useSocketEvent('session:request', onSessionEvent);
  useSocketEvent('session:accepted', onSessionEvent);
  useSocketEvent('session:ended', onSessionEvent);

  const respond = async (s, action) => {
    setAnswering(true);
    try {
      if (action === 'cancel') await sessions.cancel(s._id);
      else await sessions.update(s._id, { action });
      await loadRequests();
      onActivity?.();
    } catch (e) { setError(e); } finally { setAnswering(false); }
  };

  // A one-way block: their messages to you are refused and they leave your discover list.
  const [blocked, setBlocked] = useState(null);
  useEffect(() => {
    let live = true;
    users.blocked().then((r) => { if (live) setBlocked((r.data || []).some((u) => u._id === other._id)); }, () => {});
    return () => { live = false; };
  }, [other._id]);
  const toggleBlock = async () => {
    try {
      if (blocked) await users.unblock(other._id); else await users.block(other._id);
      setBlocked(!blocked);
    } catch (e) { setError(e); }
  };

  const isOnline = online.has(other._id);
  return (
    <div className="flex h-full min-h-0 flex-col" data-testid="chat-window">
      <div className="flex items-center gap-3 border-b border-slate-200 bg-white px-4 py-3">
        <Link to="/messages" className="text-sm text-indigo-800 underline md:hidden">Back</Link>
        <Avatar user={other} size={10} online={isOnline} />
        <div className="min-w-0">
          <h2 className="truncate font-semibold text-slate-900"><Link to={`/users/${other._id}`} className="hover:underline">{other.fullName}</Link></h2>
          <p className="text-sm text-slate-700" data-testid="presence">{typing ? <span data-testid="typing-indicator">typing…</span> : isOnline ? 'Online' : 'Offline'}</p>
        </div>
        {blocked !== null && (
          <button type="button" className="btn-secondary ml-auto px-3 py-1 text-xs" onClick={toggleBlock} aria-pressed={blocked}>
            {blocked ? 'Unblock' : 'Block'}<span className="sr-only"> {other.fullName}</span>
          </button>
        )}
      </div>
      {requests.length > 0 && (
        <section className="max-h-64 space-y-2 overflow-y-auto border-b border-slate-200 bg-white p-3" aria-label="Session requests" data-testid="session-requests" tabIndex={0}>
          {requests.map((r) => <SessionRequestCard key={r._id} session={r} me={me} tz={tz} busy={answering} onRespond={respond} />)}
        </section>
      )}
      <div ref={box} className="flex-1 space-y-3 overflow-y-auto bg-slate-50 p-4" data-testid="message-list" aria-live="polite">
        {hasMore && (
          <div className="text-center">
            <button type="button" className="text-sm text-indigo-800 underline" onClick={loadOlder} disabled={loading}>{loading ? 'Loading…' : 'Load older messages'}</button>
          </div>
        )}
        {loading && !list.length && <LoadingSpinner />}
        {error && <ErrorState error={error} onRetry={loadInitial} what="this conversation" />}
        {!loading && !error && !list.length && <p className="py-8 text-center text-sm text-slate-700">Say hello to {other.firstName}.</p>}
        {list.map((m) => <MessageBubble key={m._id} message={m} isOwn={idOf(m.sender) === me._id} tz={tz} onDelete={remove} />)}
      </div>
      <MessageInput onSend={send} onTyping={(on) => (on ? socketService.startTyping(other._id) : socketService.stopTyping(other._id))} />
    </div>
  );
}
