// The reference: Node's socket.io 4.8 doing the bench's echo-with-ack work (installed by
// test/bench/realtime/run.sh into build/rt-bench, git-ignored). Port from argv[2].
import { createRequire } from 'node:module';
import { createServer } from 'node:http';
const require = createRequire(process.env.RT_BENCH_NODE_MODULES + '/');
const { Server } = require('socket.io');
const http = createServer();
const io = new Server(http, { transports: ['websocket'] });
io.use((socket, next) => (socket.handshake.auth && socket.handshake.auth.token ? next() : next(new Error('no token'))));
io.on('connection', (socket) => {
  socket.on('echo', (data, ack) => { if (typeof ack === 'function') ack(data); });
});
http.listen(Number(process.argv[2]), '127.0.0.1', () => console.log('ready'));
