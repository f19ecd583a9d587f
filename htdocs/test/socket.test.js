// @vitest-environment node
// The socket service against a real Socket.IO server on loopback: the token is read on every
// connect, an auth failure refreshes once and reconnects, a recovered reconnect needs no
// resync, an unrecovered one re-joins rooms and asks for a resync, a room asked for before the
// first connect is joined on it.
import { describe, it, expect, afterEach } from 'vitest';
import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { io } from 'socket.io-client';
import { createSocketService } from '../src/utils/socket.js';

const until = async (fn, ms = 4000) => {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

function startServer({ valid, port = 0, recovery = true } = {}) {
  const http = createServer();
  const srv = new Server(http, {
    path: '/socket.io/',
    ...(recovery ? { connectionStateRecovery: { maxDisconnectionDuration: 60000, skipMiddlewares: true } } : {}),
  });
  const log = { tokens: [], joins: [], connections: 0 };
  srv.use((socket, next) => {
    const t = socket.handshake.auth?.token;
    log.tokens.push(t);
    if (!valid(t)) return next(new Error('Authentication failed'));
    return next();
  });
  srv.on('connection', (socket) => {
    log.connections += 1;
    socket.on('join:conversation', (id) => { log.joins.push(id); socket.join(`c:${id}`); });
  });
  return new Promise((resolve) => http.listen(port, '127.0.0.1', () => resolve({
    srv, http, log, port: http.address().port,
    close: () => new Promise((r) => { srv.close(() => r()); }),
  })));
}

const servers = [];
const services = [];
afterEach(async () => {
  services.splice(0).forEach((s) => s.disconnect());
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function service(port, state, opts = {}) {
  const s = createSocketService({
    ioFactory: io,
    url: `http://127.0.0.1:${port}`,
    getToken: () => state.token,
    refreshToken: async () => { state.refreshes += 1; if (state.refreshFails) throw new Error('no'); state.token = `t${state.refreshes + 1}`; return state.token; },
    options: { reconnectionDelay: 50, reconnectionDelayMax: 100, ...opts },
  });
  services.push(s);
  return s;
}

describe('socket service', () => {
  it('connects with the current token in the CONNECT auth payload', async () => {
    const server = await startServer({ valid: (t) => t === 't1' });
    servers.push(server);
    const state = { token: 't1', refreshes: 0 };
    const s = service(server.port, state);
    s.connect();
    await until(() => s.connected);
    expect(server.log.tokens).toEqual(['t1']);
    expect(state.refreshes).toBe(0);
  });

  it('an authentication failure refreshes the token once and connects with the new one', async () => {
    const server = await startServer({ valid: (t) => t === 't2' });
    servers.push(server);
    const state = { token: 'expired', refreshes: 0 };
    const s = service(server.port, state);
    const statuses = [];
    s.onStatus((x) => statuses.push(x));
    s.connect();
    await until(() => s.connected);
    expect(server.log.tokens).toEqual(['expired', 't2']);
    expect(state.refreshes).toBe(1);
    expect(statuses).toContain('error');
    expect(statuses.at(-1)).toBe('connected');
  });

  it('a refresh that fails leaves it unauthorized, without retry loops', async () => {
    const server = await startServer({ valid: () => false });
    servers.push(server);
    const state = { token: 'bad', refreshes: 0, refreshFails: true };
    const s = service(server.port, state);
    s.connect();
    await until(() => s.status === 'unauthorized');
    await new Promise((r) => setTimeout(r, 300));
    expect(state.refreshes).toBe(1);
    expect(server.log.tokens).toEqual(['bad']);
  });

  it('after a recovered reconnect nothing is refetched; listeners still fire', async () => {
    const server = await startServer({ valid: (t) => t === 't1' });
    servers.push(server);
    const state = { token: 't1', refreshes: 0 };
    const s = service(server.port, state, { transports: ['websocket'] });
    let resyncs = 0;
    const got = [];
    s.onResync(() => { resyncs += 1; });
    s.on('message:received', (m) => got.push(m));
    s.connect();
    await until(() => s.connected);
    s.joinConversation('u42');
    await until(() => server.log.joins.length === 1);
    // one event delivered: its offset is what the client presents to be recovered
    server.srv.to('c:u42').emit('message:received', { _id: 'm0' });
    await until(() => got.length === 1);
    // the transport drops (not a server-side disconnect): recovery restores the session
    for (const sock of server.srv.of('/').sockets.values()) sock.conn.close();
    await until(() => !s.connected);
    await until(() => s.connected);
    expect(s.socket.recovered).toBe(true);
    expect(resyncs).toBe(0);
    server.srv.to('c:u42').emit('message:received', { _id: 'm1' });
    await until(() => got.length === 2);
    expect(got).toEqual([{ _id: 'm0' }, { _id: 'm1' }]);
  });

  it('after an unrecovered reconnect the rooms are joined again and a resync is asked for', async () => {
    const first = await startServer({ valid: (t) => t === 't1' });
    const { port } = first;
    const state = { token: 't1', refreshes: 0 };
    const s = service(port, state, { transports: ['websocket'] });
    let resyncs = 0;
    s.onResync(() => { resyncs += 1; });
    s.connect();
    await until(() => s.connected);
    s.joinConversation('u7');
    s.joinConversation('u8');
    s.leaveConversation('u8');
    await until(() => first.log.joins.length === 2);
    // the daemon restarts: a new server on the same port knows nothing of the old session
    await first.close();
    const second = await startServer({ valid: (t) => t === 't1', port });
    servers.push(second);
    await until(() => s.connected && second.log.joins.length > 0);
    expect(s.socket.recovered).toBe(false);
    expect(second.log.joins).toEqual(['u7']);
    expect(resyncs).toBe(1);
  });

  it('a conversation opened before the first connection is up is joined once it is', async () => {
    const server = await startServer({ valid: (t) => t === 't1' });
    servers.push(server);
    const s = service(server.port, { token: 't1', refreshes: 0 });
    let resyncs = 0;
    s.onResync(() => { resyncs += 1; });
    s.connect();
    s.joinConversation('u9');   // the page opened a chat while the socket still connects
    expect(s.connected).toBe(false);
    await until(() => server.log.joins.length === 1);
    expect(server.log.joins).toEqual(['u9']);
    expect(resyncs).toBe(0);
  });

  it('a disconnect by the server (e.g. the token ran out) refreshes and reconnects', async () => {
    const server = await startServer({ valid: (t) => t === 't1' || t === 't2', recovery: false });
    servers.push(server);
    const state = { token: 't1', refreshes: 0 };
    const s = service(server.port, state);
    s.connect();
    await until(() => s.connected);
    server.srv.disconnectSockets();
    await until(() => state.refreshes === 1 && s.connected);
    expect(server.log.tokens).toEqual(['t1', 't2']);
  });
});
