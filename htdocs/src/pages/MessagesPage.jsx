// Conversations on the left, the open chat on the right (one column on phones).
import { useCallback, useEffect, useState } from 'react';
import { useParams } from 'react-router-dom';
import { discover, messages, users } from '../utils/api.js';
import { useAuth } from '../context/AuthContext.jsx';
import { socketService, useSocket, useSocketEvent } from '../context/SocketContext.jsx';
import ConversationsList from '../components/Messages/ConversationsList.jsx';
import ChatWindow from '../components/Messages/ChatWindow.jsx';
import { EmptyState, ErrorState, SkeletonLines } from '../components/Common/States.jsx';
import { viewerZone } from '../utils/time.js';

export default function MessagesPage() {
  const { userId } = useParams();
  const { user } = useAuth();
  const { online } = useSocket();
  const [convs, setConvs] = useState(null);
  const [error, setError] = useState(null);
  const [other, setOther] = useState(null);
  const tz = user.timezone && user.timezone !== 'UTC' ? user.timezone : viewerZone();

  const load = useCallback(() => messages.conversations({ limit: 50 }).then((r) => { setConvs(r.data || []); setError(null); }, setError), []);
  useEffect(() => { load(); return socketService.onResync(load); }, [load]);
  useSocketEvent('message:received', load);

  useEffect(() => {
    if (!userId) { setOther(null); return; }
    const known = convs?.find((c) => c.otherUser._id === userId)?.otherUser;
    if (known) { setOther(known); return; }
    let live = true;
    discover.detail(userId).catch(() => users.byId(userId)).then((r) => { if (live) setOther(r.data); }, (e) => { if (live) setError(e); });
    return () => { live = false; };
  }, [userId, convs]);

  if (error && !convs) {
    return (
      <div className="mx-auto max-w-3xl space-y-4">
        <h1 className="text-2xl font-bold text-slate-900">Messages</h1>
        <ErrorState error={error} onRetry={load} what="messaging" />
      </div>
    );
  }
  return (
    <div className="mx-auto flex h-[calc(100vh-7rem)] max-w-6xl overflow-hidden rounded-lg border border-slate-200 bg-white" data-testid="messages-page">
      <div className={`w-full shrink-0 overflow-y-auto border-r border-slate-200 md:w-80 ${userId ? 'hidden md:block' : ''}`}>
        <h1 className="border-b border-slate-200 px-4 py-3 text-lg font-semibold">Messages</h1>
        {!convs && <div className="p-3"><SkeletonLines n={4} /></div>}
        {convs && !convs.length && <div className="p-3"><EmptyState title="No conversations yet">Find someone in Discover and say hello.</EmptyState></div>}
        {convs && <ConversationsList conversations={convs} online={online} me={user} />}
      </div>
      <div className={`min-w-0 flex-1 ${userId ? '' : 'hidden md:flex md:items-center md:justify-center'}`}>
        {other ? <ChatWindow key={other._id} other={other} me={user} tz={tz} onActivity={load} />
          : userId ? <SkeletonLines n={3} /> : <p className="text-slate-700">Choose a conversation.</p>}
      </div>
    </div>
  );
}
