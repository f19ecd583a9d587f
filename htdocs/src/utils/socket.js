// The real-time connection: the stock socket.io-client on /socket.io/ (proxied by Apache to the
// daemon). What this adds to the spec's SocketService:
// - the token is read on every (re)connect (auth as a function), so a refreshed token is used;
// - an authentication failure refreshes the access token once and connects again;
// - listeners are kept by the service, so they survive a new socket;
// - after a reconnect the server did not recover (socket.recovered false: missed events were
//   lost), the conversation rooms are joined again and "resync" listeners refetch state;
// - a conversation opened before the first connection is up is joined once it is.
import { io } from 'socket.io-client';

const AUTH_ERROR = /auth|token|jwt|unauthori[sz]ed|expired/i;

export function createSocketService({ ioFactory = io, url, getToken, refreshToken, options = {} } = {}) {
  let socket = null;
  let everConnected = false;
  let authRetries = 0;
  const listeners = new Map();      // event -> Set(callback)
  const statusListeners = new Set();
  const resyncListeners = new Set();
  const rooms = new Set();          // other user ids whose conversation room we are in
  let status = 'disconnected';

  const setStatus = (s, detail) => {
    status = s;
    statusListeners.forEach((fn) => fn(s, detail));
  };

  function attach(s) {
    for (const [event, set] of listeners) for (const fn of set) s.on(event, fn);
    s.on('connect', () => {
      authRetries = 0;
      const reconnect = everConnected;
      everConnected = true;
      setStatus('connected', { recovered: !!s.recovered });
      // conversations opened before this connection was up (their join could not be sent),
      // or lost with a connection the server did not recover, are joined now
      if (!reconnect || !s.recovered) for (const id of rooms) s.emit('join:conversation', id);
      if (reconnect && !s.recovered) resyncListeners.forEach((fn) => fn());
    });
    s.on('disconnect', (reason) => {
      setStatus('disconnected', { reason });
      // The server closed the connection on purpose (e.g. the token ran out): it will not be
      // retried by the client, so refresh and connect again.
      if (reason === 'io server disconnect') reauth(s);
    });
    s.on('connect_error', (err) => {
      setStatus('error', { message: err?.message });
      if (AUTH_ERROR.test(err?.message || '')) reauth(s);
    });
  }

  async function reauth(s) {
    if (!refreshToken || authRetries >= 1 || socket !== s) return;
    authRetries += 1;
    try {
      await refreshToken();
    } catch {
      setStatus('unauthorized');
      return;
    }
    if (socket === s && !s.connected) s.connect();
  }

  const service = {
    get socket() { return socket; },
    get connected() { return !!socket?.connected; },
    get status() { return status; },
    connect() {
      if (socket) return socket;
      everConnected = false;
      setStatus('connecting');
      socket = ioFactory(url, {
        path: '/socket.io/',
        transports: ['polling', 'websocket'],
        auth: (cb) => cb({ token: getToken?.() }),
        reconnectionDelay: 500,
        reconnectionDelayMax: 5000,
        ...options,
      });
      attach(socket);
      return socket;
    },
    disconnect() {
      if (!socket) return;
      const s = socket;
      socket = null;
      s.disconnect();
      rooms.clear();
      setStatus('disconnected', { reason: 'client' });
    },
    on(event, fn) {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event).add(fn);
      socket?.on(event, fn);
      return () => service.off(event, fn);
    },
    off(event, fn) {
      listeners.get(event)?.delete(fn);
      socket?.off(event, fn);
    },
    onStatus(fn) { statusListeners.add(fn); return () => statusListeners.delete(fn); },
    onResync(fn) { resyncListeners.add(fn); return () => resyncListeners.delete(fn); },
    emit(event, ...args) {
      if (socket?.connected) { socket.emit(event, ...args); return true; }
      return false;
    },
    joinConversation(otherUserId) { rooms.add(otherUserId); service.emit('join:conversation', otherUserId); },
    leaveConversation(otherUserId) { rooms.delete(otherUserId); service.emit('leave:conversation', otherUserId); },
    sendMessage(receiverId, content, messageType = 'text') {
      return service.emit('message:send', { receiverId, content, messageType });
    },
    startTyping(receiverId) { return service.emit('typing:start', receiverId); },
    stopTyping(receiverId) { return service.emit('typing:stop', receiverId); },
    startSession(sessionId) { return service.emit('session:start', sessionId); },
  };
  return service;
}
