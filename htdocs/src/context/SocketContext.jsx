// One socket per signed-in user; presence (online ids) kept here for every screen.
import { createContext, useContext, useEffect, useMemo, useState } from 'react';
import { createSocketService } from '../utils/socket.js';
import { api, tokens } from '../utils/api.js';
import { useAuth } from './AuthContext.jsx';

const SocketContext = createContext(null);

export const socketService = createSocketService({
  url: undefined, // same origin
  getToken: () => tokens.access,
  refreshToken: () => api.refreshOnce(),
});

export function SocketProvider({ children }) {
  const { user } = useAuth();
  const [status, setStatus] = useState(socketService.status);
  const [online, setOnline] = useState(() => new Set());

  useEffect(() => socketService.onStatus((s) => setStatus(s)), []);

  useEffect(() => {
    if (!user) return undefined;
    socketService.connect();
    const up = ({ userId }) => setOnline((s) => new Set(s).add(userId));
    const down = ({ userId }) => setOnline((s) => { const n = new Set(s); n.delete(userId); return n; });
    const list = (ids) => setOnline(new Set(Array.isArray(ids) ? ids.map((i) => i.userId || i) : []));
    const offs = [socketService.on('user:online', up), socketService.on('user:offline', down),
      socketService.on('users:online', list)];
    return () => { offs.forEach((f) => f()); socketService.disconnect(); };
  }, [user?._id]); // eslint-disable-line react-hooks/exhaustive-deps

  const value = useMemo(() => ({ socket: socketService, status, online }), [status, online]);
  return <SocketContext.Provider value={value}>{children}</SocketContext.Provider>;
}

export function useSocket() {
  return useContext(SocketContext);
}

/** Subscribe to a socket event for the life of a component. */
export function useSocketEvent(event, handler) {
  useEffect(() => socketService.on(event, handler), [event, handler]);
}
