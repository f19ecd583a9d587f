// make bench-realtime: skillbarter-realtime against Node's socket.io 4.8 doing the same echo
// with ack, both driven by load.mjs in the same run; one-to-one delivery through the store
// (message:send A->B, B's push); RSS with idle sockets. Server CPU is utime+stime from /proc
// (the generator shares the cores), reported per 10,000 messages.
// Delivery is measured twice: closed loop (each sender waits for its ack: throughput, and a
// latency that is queueing, 50 / rate) and at a fixed offered load (RT_BENCH_DELIVER_RATE
// messages a second per sender, default 10, so 500/s: latency below saturation).
// Env: RT_BENCH_SECONDS (default 5), RT_BENCH_IDLE (default 10000), RT_BENCH_DELIVER_RATE,
// RT_BENCH_NODE_MODULES, RT_BENCH_ONLY (a comma list of phases to run: idle, echo, deliver,
// or one of deliver-direct, deliver-apache, deliver-rate-direct, deliver-rate-apache;
// default all), RT_BENCH_DAEMON_ARGS (more flags for skillbarter-realtime, e.g.
// "--send-lanes 1").
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, readdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, register, childPids, freePort } from '../../integration/harness.mjs';

const secs = Number(process.env.RT_BENCH_SECONDS || 5);
const idle = Number(process.env.RT_BENCH_IDLE || 10000);
const deliverRate = Number(process.env.RT_BENCH_DELIVER_RATE || 10); // per sender, open loop
const only = (process.env.RT_BENCH_ONLY || 'idle,echo,deliver').split(',');
// a phase runs when it or its group (the part before '-') is listed
const phase = (name) => only.includes(name) || only.includes(name.split('-')[0]);
const here = new URL('.', import.meta.url).pathname;
const env = { ...process.env };

function cpuTicks(pids) {
  let t = 0;
  for (const pid of pids) {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      t += Number(f[11]) + Number(f[12]);
    } catch { /* gone */ }
  }
  return t / 100;
}
function rssKb(pids) {
  let kb = 0;
  for (const pid of pids) {
    try { kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]); } catch { /* gone */ }
  }
  return kb;
}
function load(args) {
  return new Promise((res, rej) => {
    const p = spawn(process.execPath, ['--max-old-space-size=2048', join(here, 'load.mjs'), ...args], { env });
    let out = ''; let err = '';
    p.stdout.on('data', (c) => { out += c; });
    p.stderr.on('data', (c) => { err += c; });
    p.on('exit', (code) => (code === 0 ? res(JSON.parse(out.trim().split('\n')[0])) : rej(new Error(err))));
    load.last = p;
  });
}
// RT_BENCH_CALLGRIND=1: the daemon runs under valgrind's callgrind, and each direct row also
// gives its instructions per message (counters zeroed before the row, dumped after it):
// unlike time, not moved by other work on a shared machine (rates then mean nothing)
const cgDir = process.env.RT_BENCH_CALLGRIND ? mkdtempSync('/tmp/sb-rtcg-') : null;
function cgControl(pid, flag) {
  spawnSync('callgrind_control', [flag, String(pid)], { stdio: 'ignore' });
}
function cgInstr() {
  let ir = 0;
  for (const f of readdirSync(cgDir)) {
    const m = /^(?:summary|totals): (\d+)/m.exec(readFileSync(join(cgDir, f), 'utf8'));
    if (m && /\.\d+$/.test(f)) ir += Number(m[1]);
    rmSync(join(cgDir, f));
  }
  return ir;
}
async function measure(name, pidsFn, args) {
  const cg = cgDir && pidsFn().length === 1 ? pidsFn()[0] : null;
  if (cg) { cgControl(cg, '-d'); cgInstr(); cgControl(cg, '-z'); }
  const before = cpuTicks(pidsFn());
  const r = await load(args);
  const cpu = cpuTicks(pidsFn()) - before;
  let instr = 0;
  if (cg) { cgControl(cg, '-d'); instr = cgInstr(); }
  const row = { name, msgs: r.msgs, rate: Math.round(r.rate), p50: r.p50.toFixed(2),
    p99: r.p99.toFixed(2), cpuPer10k: (cpu / r.msgs * 10000).toFixed(3) };
  console.log(`${name.padEnd(50)} ${String(row.rate).padStart(8)} msg/s  p50 ${row.p50.padStart(7)} ms  ` +
    `p99 ${row.p99.padStart(7)} ms  server CPU ${row.cpuPer10k} s / 10,000` +
    (instr ? `  ${Math.round(instr / r.msgs / 1000)}k instr/msg` : '') +
    (r.refused ? `  (${r.refused} sends refused: ${r.why})` : ''));
  return row;
}

const daemonArgs = (process.env.RT_BENCH_DAEMON_ARGS || '').split(' ').filter(Boolean);
if (cgDir) process.env.SB_REALTIME_WRAP = `valgrind --tool=callgrind --callgrind-out-file=${cgDir}/cg.%p`;
const server = await startServer({ realtime: true, realtimeArgs: ['--queue-max', '8192', '--log-level', 'warn', ...daemonArgs] });
try {
  const users = [];
  for (let i = 0; i < 100; i++) users.push(await register(server));
  const tokFile = join(server.root, 'bench-tokens.txt');
  writeFileSync(tokFile, users.map((u) => u.token).join('\n'));
  const pairFile = join(server.root, 'bench-pairs.txt');
  writeFileSync(pairFile, Array.from({ length: 50 }, (_, i) =>
    `${users[2 * i].token} ${users[2 * i + 1].token} ${users[2 * i + 1].user._id}`).join('\n'));
  const daemon = () => [server.realtime.child.pid];
  const apache = () => [server.pid, ...childPids(server.pid)];
  const both = () => [...daemon(), ...apache()];

  const nport = await freePort();
  const node = spawn(process.execPath, [join(here, 'node_server.mjs'), String(nport)], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((r) => node.stdout.once('data', r));
  const nodeUrl = `http://127.0.0.1:${nport}`;

  // RSS with `idle` connected idle sockets (the daemon: fresh, and again after the load, when
  // its base holds the store's mapped pages and the freed heap of the load phases)
  async function idleRss(name, url, pids) {
    const base = rssKb(pids());
    const p = load(['idle', url, tokFile, String(idle), '15']);
    const proc = load.last;
    let connected = null;
    // wait for the JSON line (connected count), then sample RSS while the sockets are held
    await new Promise((r) => proc.stdout.once('data', (c) => { connected = JSON.parse(c.toString()).connected; r(); }));
    await new Promise((r) => setTimeout(r, 2000));
    const rss = rssKb(pids());
    console.log(`idle: ${name.padEnd(34)} ${connected} sockets: RSS ${(rss / 1024).toFixed(1)} MB ` +
      `(${(base / 1024).toFixed(1)} MB before, ${((rss - base) / connected).toFixed(2)} KB per socket)`);
    await p.catch(() => {});
  }
  if (phase('idle')) await idleRss('skillbarter-realtime (fresh)', server.realtime.url, daemon);

  console.log(`echo with ack, 100 clients, ${secs} s each; delivery 50 pairs through the store`);
  if (phase('echo')) {
  await measure('echo: skillbarter-realtime direct', daemon, ['echo', server.realtime.url, tokFile, '100', String(secs), 'echo']);
  await measure('echo: node socket.io 4.8 direct', () => [node.pid], ['echo', nodeUrl, tokFile, '100', String(secs), 'echo']);
  await measure('echo: skillbarter-realtime through Apache', both, ['echo', server.base, tokFile, '100', String(secs), 'echo']);
  }
  // closed loop: as fast as the store takes them (the latency is then 50 / rate: queueing)
  if (phase('deliver-direct')) await measure('deliver: skillbarter-realtime direct', daemon, ['deliver', server.realtime.url, pairFile, '50', String(secs)]);
  if (phase('deliver-apache')) await measure('deliver: skillbarter-realtime through Apache', both, ['deliver', server.base, pairFile, '50', String(secs)]);
  // a fixed offered load below that: each of the 50 senders 10 messages a second
  if (phase('deliver-rate-direct')) await measure(`deliver ${50 * deliverRate}/s: skillbarter-realtime direct`, daemon, ['deliver', server.realtime.url, pairFile, '50', String(secs), '', String(deliverRate)]);
  if (phase('deliver-rate-apache')) await measure(`deliver ${50 * deliverRate}/s: skillbarter-realtime through Apache`, both, ['deliver', server.base, pairFile, '50', String(secs), '', String(deliverRate)]);

  if (phase('idle')) {
    await idleRss('skillbarter-realtime (after load)', server.realtime.url, daemon);
    await idleRss('node socket.io 4.8', nodeUrl, () => [node.pid]);
  }
  node.kill('SIGTERM');
} finally {
  await server.stop();
  const problems = server.realtime.problems();
  if (problems.length) console.log(`realtime log: ${problems.join('\n')}`);
  server.cleanup();
  if (cgDir) rmSync(cgDir, { recursive: true, force: true });
}
