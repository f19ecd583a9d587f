// Notifications for the bell and unread message count for the sidebar: fetched on sign-in,
// kept live by socket events, refetched after a reconnect that lost events. Toasts too.
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';
import { messages as messagesApi, notifications as notesApi, isMissingRoute } from '../utils/api.js';
import { useAuth } from './AuthContext.jsx';
import { socketService } from './SocketContext.jsx';

const NotificationContext = createContext(null);

export function NotificationProvider({ children }) {
  const { user, refreshUser } = useAuth();
  const [items, setItems] = useState([]);
  const [unread, setUnread] = useState(0);
  const [unreadMessages, setUnreadMessages] = useState(0);
  const [available, setAvailable] = useState(true);
  const [toasts, setToasts] = useState([]);
  const toastSeq = useRef(0);

  const toast = useCallback((text, kind = 'info') => {
    const id = ++toastSeq.current;
    setToasts((t) => [...t, { id, text, kind }]);
    setTimeout(() => setToasts((t) => t.filter((x) => x.id !== id)), 5000);
  }, []);

  const refresh = useCallback(async () => {
    if (!user) return;
    try {
      const r = await notesApi.list({ limit: 20 });
      setItems(r.data || []);
      setUnread(r.unreadCount ?? (r.data || []).filter((n) => !n.isRead).length);
      setAvailable(true);
    } catch (e) {
      if (isMissingRoute(e)) setAvailable(false);
    }
    try {
      const c = await messagesApi.conversations({ limit: 1 });
      setUnreadMessages(c.unreadCount ?? 0);
    } catch { /* messaging not on this server */ }
  }, [user]);

  useEffect(() => {
    if (!user) { setItems([]); setUnread(0); setUnreadMessages(0); return undefined; }
    refresh();
    const onNote = (n) => {
      if (!n || !n._id) return;
      setItems((list) => [n, ...list.filter((x) => x._id !== n._id)].slice(0, 50));
      setUnread((u) => u + (n.isRead ? 0 : 1));
      toast(n.title || 'New notification');
    };
    const onMessage = (m) => {
      if (m?.receiver?._id === user._id || m?.receiver === user._id) setUnreadMessages((u) => u + 1);
    };
    const onCredits = () => { refreshUser().catch(() => {}); };
    const offs = [
      socketService.on('notification:new', onNote),
      socketService.on('message:received', onMessage),
      socketService.on('session:ended', onCredits),
      socketService.on('credits:updated', onCredits),
      socketService.onResync(refresh),
    ];
    return () => offs.forEach((f) => f());
  }, [user?._id]); // eslint-disable-line react-hooks/exhaustive-deps

  const value = useMemo(() => ({
    items, unread, unreadMessages, available, toasts, toast, refresh,
    setUnreadMessages,
    async markRead(id) {
      await notesApi.read(id);
      setItems((l) => l.map((n) => (n._id === id ? { ...n, isRead: true } : n)));
      setUnread((u) => Math.max(0, u - 1));
    },
    async markAllRead() {
      await notesApi.readAll();
      setItems((l) => l.map((n) => ({ ...n, isRead: true })));
      setUnread(0);
    },
  }), [items, unread, unreadMessages, available, toasts, toast, refresh]);

  return <NotificationContext.Provider value={value}>{children}</NotificationContext.Provider>;
}

export function useNotifications() {
  return useContext(NotificationContext);
}
