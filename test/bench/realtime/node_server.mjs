// The reference: Node's socket.io 4.8 doing the bench's socket work (installed by
// test/bench/realtime/run.sh into build/rt-bench, git-ignored). Port from argv[2].
// - echo with ack: the event's data back in the ack;
// - delivery without a store: message:send {receiver, content} becomes a message object,
//   emitted as message:received to the receiver's room (each socket joins the room of the
//   user id in its token's `sub`, read without a signature check) and acknowledged in the
//   REST envelope. What the daemon does besides — the token check, the store transaction, the
//   outbox tail — has no counterpart here: compare the daemon's service thread with it.
import { createRequire } from 'node:module';
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
const require = createRequire(process.env.RT_BENCH_NODE_MODULES + '/');
const { Server } = require('socket.io');
const http = createServer();
const io = new Server(http, { transports: ['websocket'] });
const subOf = (token) => {
  try { return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).sub; } catch { return null; }
};
io.use((socket, next) => {
  const sub = socket.handshake.auth && socket.handshake.auth.token && subOf(socket.handshake.auth.token);
  if (!sub) return next(new Error('no token'));
  socket.data.user = sub;
  return next();
});
io.on('connection', (socket) => {
  socket.join(socket.data.user);
  socket.on('echo', (data, ack) => { if (typeof ack === 'function') ack(data); });
  socket.on('message:send', (data, ack) => {
    const m = { _id: randomBytes(12).toString('hex'), sender: { _id: socket.data.user },
      receiver: { _id: data.receiver }, content: String(data.content).trim(), isRead: false,
      createdAt: new Date().toISOString() };
    io.to(data.receiver).emit('message:received', m);
    if (typeof ack === 'function') ack({ success: true, message: 'Message sent', data: m });
  });
});
http.listen(Number(process.argv[2]), '127.0.0.1', () => console.log('ready'));
