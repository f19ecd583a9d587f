// The bench's load generator: a lean Socket.IO client over `ws` (socket.io-client itself
// saturates a core first). Modes:
//   echo URL TOKENS_FILE CLIENTS SECONDS EVENT  closed-loop event+ack per client
//   deliver URL PAIRS_FILE PAIRS SECONDS [RATE]  message:send A->B, latency until B's push:
//                                                closed loop (each sender waits for its ack),
//                                                or with RATE each sender sends RATE a second
//                                                without waiting (a fixed offered load)
//   idle URL TOKEN N HOLD_S                      N connected idle sockets, then exit
// Prints one JSON line: {msgs, seconds, rate, p50, p99} (ms; deliver also counts the sends
// refused, with the last refusal) or {connected}.
// Delivery latency runs from the sender's ws.send() of the message:send frame to the moment
// the receiver's 'message' handler (in this same process) reads the push: it includes both
// loopback hops and this process's own event-loop delays. So deliver also reports this
// process's event-loop delay (p99 of perf_hooks' monitor, ms: how late any callback here
// ran) and, at a fixed rate, how late the sends left against their schedule (lateP99, ms).
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
const require = createRequire(process.env.RT_BENCH_NODE_MODULES + '/');
const WebSocket = require('ws');

const [mode, url, file, nArg, secArg, event = 'echo'] = process.argv.slice(2);
const rate = mode === 'deliver' && process.argv[8] ? Number(process.argv[8]) : 0;
const n = Number(nArg); const secs = Number(secArg);
const wsUrl = `${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`;

function client(token, onEvent) {
  return new Promise((res, rej) => {
    const ws = new WebSocket(wsUrl, { perMessageDeflate: false });
    const c = { ws, acks: new Map(), nextId: 0 };
    ws.on('error', rej);
    ws.on('message', (buf) => {
      const m = buf.toString();
      if (m === '2') { ws.send('3'); return; }
      if (m[0] === '0') { ws.send(`40${JSON.stringify({ token })}`); return; }
      if (m.startsWith('40')) { res(c); return; }
      if (m.startsWith('44')) { rej(new Error(m)); return; }
      if (m.startsWith('43')) {
        const id = Number(/^43(\d+)/.exec(m)[1]);
        const f = c.acks.get(id); c.acks.delete(id); if (f) f(m);
        return;
      }
      if (m.startsWith('42') && onEvent) onEvent(m);
    });
    c.emit = (ev, data) => new Promise((r) => {
      const id = c.nextId++; c.acks.set(id, r);
      ws.send(`42${id}${JSON.stringify([ev, data])}`);
    });
  });
}

const pct = (a, q) => (a.length ? a[Math.min(a.length - 1, Math.floor(a.length * q))] : 0);

if (mode === 'echo') {
  const tokens = readFileSync(file, 'utf8').trim().split('\n');
  const cs = await Promise.all(Array.from({ length: n }, (_, i) => client(tokens[i % tokens.length])));
  const lat = []; let msgs = 0; const end = Date.now() + secs * 1000; const t0 = Date.now();
  await Promise.all(cs.map(async (c) => {
    while (Date.now() < end) {
      const s = process.hrtime.bigint();
      await c.emit(event, { i: msgs, text: 'hello there' });
      lat.push(Number(process.hrtime.bigint() - s) / 1e6); msgs++;
    }
  }));
  const dt = (Date.now() - t0) / 1000; lat.sort((a, b) => a - b);
  console.log(JSON.stringify({ msgs, seconds: dt, rate: msgs / dt, p50: pct(lat, 0.5), p99: pct(lat, 0.99) }));
  cs.forEach((c) => c.ws.close());
} else if (mode === 'deliver') {
  const pairs = readFileSync(file, 'utf8').trim().split('\n').map((l) => l.split(' '));
  const lat = []; let msgs = 0; let refused = 0; let why = '';
  const pending = new Map();
  const acked = (m) => { if (!m.includes('"success":true')) { refused++; why = m.slice(0, 200); } };
  const senders = [];
  for (const [ta, tb, bId] of pairs.slice(0, n)) {
    await client(tb, (m) => {
      if (!m.startsWith('42["message:received"')) return;
      const k = /"content":"([^"]+)"/.exec(m)[1]; const s = pending.get(k);
      if (s !== undefined) { pending.delete(k); lat.push(performance.now() - s); msgs++; }
    });
    senders.push([await client(ta), bId]);
  }
  // the window starts once every client is connected; the rate counts what arrived in it
  let seq = 0; const t0 = Date.now(); const end = t0 + secs * 1000; const late = [];
  const loop = monitorEventLoopDelay({ resolution: 1 }); loop.enable();
  await Promise.all(senders.map(async ([a, bId], i) => {
    if (rate) {
      // open loop: one send every 1000/rate ms, the senders spread over the first period
      const period = 1000 / rate; const acks = [];
      let due = Date.now() + (period * i) / senders.length;
      while (due < end) {
        const wait = due - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        late.push(Date.now() - due);
        const k = `m${seq++}`; pending.set(k, performance.now());
        acks.push(a.emit('message:send', { receiver: bId, content: k }).then(acked));
        due += period;
      }
      await Promise.all(acks);
      return;
    }
    while (Date.now() < end) {
      const k = `m${seq++}`; pending.set(k, performance.now());
      acked(await a.emit('message:send', { receiver: bId, content: k }));
    }
  }));
  const dt = (Date.now() - t0) / 1000;
  await new Promise((r) => setTimeout(r, 500)); // the last pushes
  loop.disable(); lat.sort((x, y) => x - y); late.sort((x, y) => x - y);
  console.log(JSON.stringify({ msgs, seconds: dt, rate: msgs / dt, p50: pct(lat, 0.5), p99: pct(lat, 0.99), refused, why,
    loopP99: loop.percentile(99) / 1e6, lateP99: late.length ? pct(late, 0.99) : null }));
  process.exit(0);
} else if (mode === 'idle') {
  const token = readFileSync(file, 'utf8').trim().split('\n')[0];
  let connected = 0;
  for (let i = 0; i < n; i += 200) {
    const batch = await Promise.allSettled(Array.from({ length: Math.min(200, n - i) }, () => client(token)));
    connected += batch.filter((b) => b.status === 'fulfilled').length;
  }
  console.log(JSON.stringify({ connected }));
  await new Promise((r) => setTimeout(r, secs * 1000));
  process.exit(0);
}
