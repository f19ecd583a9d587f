// make bench-realtime: skillbarter-realtime against Node's socket.io 4.8 doing the same echo
// with ack, both driven by load.mjs in the same run; one-to-one delivery through the store
// (message:send A->B, B's push); RSS with idle sockets. Server CPU is utime+stime from /proc
// (the generator shares the cores), reported per 10,000 messages.
// Delivery is measured twice: closed loop (each sender waits for its ack: throughput, and a
// latency that is queueing, 50 / rate) and at a fixed offered load (RT_BENCH_DELIVER_RATE
// messages a second per sender, default 10, so 500/s: latency below saturation).
// Env: RT_BENCH_SECONDS (default 5), RT_BENCH_IDLE (default 10000), RT_BENCH_DELIVER_RATE,
// RT_BENCH_NODE_MODULES, RT_BENCH_ECHO_GEN (the echo rows' generator, echo_load.c built by
// run.sh; unset or empty: load.mjs), RT_BENCH_ONLY (a comma list of phases to run: idle, echo, deliver,
// or one of deliver-direct, deliver-node, deliver-apache, deliver-rate-direct,
// deliver-rate-node, deliver-rate-apache; default all), RT_BENCH_DAEMON_ARGS (more flags for skillbarter-realtime, e.g.
// "--send-lanes 1"), RT_BENCH_STATS=0 (no --stats: the daemon's stage lines are left out).
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, readdirSync, mkdtempSync, rmSync, existsSync } from 'node:fs';
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
// utime+stime of each thread of pid, summed by role: the service thread (the main one), the
// send lanes, the store worker, the wake-up listener (the daemon names its threads)
function threadTicks(pid) {
  const by = {};
  let tasks = [];
  try { tasks = readdirSync(`/proc/${pid}/task`); } catch { return by; }
  for (const tid of tasks) {
    try {
      const st = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = /\((.*)\) /.exec(st)[1];
      const f = st.split(') ')[1].split(' ');
      const role = Number(tid) === pid ? 'service' : name.replace(/^sbrt-lane\d+$/, 'lanes').replace(/^sbrt-/, '');
      const t = by[role] || (by[role] = { u: 0, s: 0 });
      t.u += Number(f[11]) / 100; t.s += Number(f[12]) / 100;
    } catch { /* gone */ }
  }
  return by;
}
// The daemon's stage histograms since the last call (--stats: SIGUSR1 writes them), or null.
async function stageStats(pid, file) {
  rmSync(file, { force: true });
  try { process.kill(pid, 'SIGUSR1'); } catch { return null; }
  for (let i = 0; i < 100 && !existsSync(file); i++) await new Promise((r) => setTimeout(r, 20));
  try { return JSON.parse(readFileSync(file, 'utf8')); } catch { return null; } finally { rmSync(file, { force: true }); }
}
function rssKb(pids) {
  let kb = 0;
  for (const pid of pids) {
    try { kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]); } catch { /* gone */ }
  }
  return kb;
}
// The echo rows run the C generator when there is one (RT_BENCH_ECHO_GEN): the Node one
// spends more CPU per echo than either server and, sharing the 2 cores, caps the rate it can
// drive (about 84,000/s) below what the daemon serves. Both servers get the same one.
const echoGen = process.env.RT_BENCH_ECHO_GEN || '';
function load(args) {
  return new Promise((res, rej) => {
    const p = args[0] === 'echo' && echoGen ? spawn(echoGen, args, { env })
      : spawn(process.execPath, ['--max-old-space-size=2048', join(here, 'load.mjs'), ...args], { env });
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
// daemon: the daemon's pid when the row is the daemon's delivery (stages and threads shown)
async function measure(name, pidsFn, args, daemon = null) {
  const cg = cgDir && pidsFn().length === 1 ? pidsFn()[0] : null;
  if (cg) { cgControl(cg, '-d'); cgInstr(); cgControl(cg, '-z'); }
  if (daemon && withStats) await stageStats(daemon, statsFile);
  const threads0 = daemon ? threadTicks(daemon) : null;
  const before = cpuTicks(pidsFn());
  const r = await load(args);
  const cpu = cpuTicks(pidsFn()) - before;
  let instr = 0;
  if (cg) { cgControl(cg, '-d'); instr = cgInstr(); }
  const row = { name, msgs: r.msgs, rate: Math.round(r.rate), p50: r.p50.toFixed(2),
    p99: r.p99.toFixed(2), cpuPer10k: (cpu / r.msgs * 10000).toFixed(3), loopP99: r.loopP99 };
  console.log(`${name.padEnd(50)} ${String(row.rate).padStart(8)} msg/s  p50 ${row.p50.padStart(7)} ms  ` +
    `p99 ${row.p99.padStart(7)} ms  server CPU ${row.cpuPer10k} s / 10,000` +
    (instr ? `  ${Math.round(instr / r.msgs / 1000)}k instr/msg` : '') +
    (r.refused ? `  (${r.refused} sends refused: ${r.why})` : ''));
  if (daemon) {
    const t1 = threadTicks(daemon); const per = (x) => (x / r.msgs * 10000).toFixed(2);
    const st = withStats ? await stageStats(daemon, statsFile) : null;
    if (st) {
      row.stages = st;
      console.log('    inside the daemon, us p50/p99: ' + Object.entries(st).map(([k, v]) =>
        `${k} ${v.p50}/${v.p99}`).join('  ') + `  (${st.total.n} acks)`);
    }
    console.log('    daemon CPU s / 10,000 by thread (user+sys): ' + Object.keys(t1).map((k) => {
      const a = t1[k]; const b = threads0[k] || { u: 0, s: 0 };
      return `${k} ${per(a.u - b.u + a.s - b.s)} (${per(a.u - b.u)}+${per(a.s - b.s)})`;
    }).join(', '));
    console.log(`    the generator's own event-loop delay p99 ${r.loopP99.toFixed(1)} ms` +
      (r.lateP99 !== null ? `, its sends late against their schedule p99 ${r.lateP99.toFixed(1)} ms` : ''));
  }
  return row;
}

// The targets against what this run measured (a row not run is not judged).
function targets(rows) {
  const verdict = (ok) => (ok ? 'met' : 'NOT met');
  const out = [];
  if (rows.echo && rows.echoNode) {
    const c = rows.echo.cpuPer10k / rows.echoNode.cpuPer10k; const m = rows.echo.rate / rows.echoNode.rate;
    out.push(`server CPU per echo <= 1/2 of socket.io's: ${rows.echo.cpuPer10k} / ${rows.echoNode.cpuPer10k} s = ${c.toFixed(2)}: ${verdict(c <= 0.5)}`);
    out.push(`echo msgs/s direct >= 2 x socket.io's: ${rows.echo.rate} / ${rows.echoNode.rate} = ${m.toFixed(2)}: ${verdict(m >= 2)}`);
  }
  if (rows.rate) {
    const st = rows.rate.stages;
    out.push(`delivery p99 <= 5 ms direct (${50 * deliverRate}/s; sender's send -> receiver's handler): ` +
      `${rows.rate.p99} ms: ${verdict(Number(rows.rate.p99) <= 5)}` +
      (st ? `; inside the daemon (frame handled -> push and ack written) p99 ${(st.total.p99 / 1000).toFixed(2)} ms` : '') +
      `; the generator's event-loop delay p99 ${rows.rate.loopP99.toFixed(1)} ms`);
  }
  if (rows.idle) {
    out.push(`${rows.idle.connected} idle sockets <= 60 MB daemon RSS: ${rows.idle.mb.toFixed(1)} MB: ` +
      verdict(rows.idle.mb <= 60 && rows.idle.connected >= 10000));
  }
  if (out.length) console.log(`targets, this run:\n  ${out.join('\n  ')}`);
}

const daemonArgs = (process.env.RT_BENCH_DAEMON_ARGS || '').split(' ').filter(Boolean);
if (cgDir) process.env.SB_REALTIME_WRAP = `valgrind --tool=callgrind --callgrind-out-file=${cgDir}/cg.%p`;
const statsDir = mkdtempSync('/tmp/sb-rtstats-');
const statsFile = join(statsDir, 'stages.json');
const withStats = process.env.RT_BENCH_STATS !== '0';
const server = await startServer({ realtime: true, realtimeArgs: ['--queue-max', '8192', '--log-level', 'warn',
  ...(withStats ? ['--stats', statsFile] : []), ...daemonArgs] });
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
    return { mb: rss / 1024, connected };
  }
  const rows = {};
  if (phase('idle')) rows.idle = await idleRss('skillbarter-realtime (fresh)', server.realtime.url, daemon);

  console.log(`echo with ack, 100 clients, ${secs} s each (generator: ${echoGen ? 'echo_load.c' : 'load.mjs'}); ` +
    'delivery 50 pairs through the store');
  if (phase('echo')) {
    rows.echo = await measure('echo: skillbarter-realtime direct', daemon, ['echo', server.realtime.url, tokFile, '100', String(secs), 'echo']);
    rows.echoNode = await measure('echo: node socket.io 4.8 direct', () => [node.pid], ['echo', nodeUrl, tokFile, '100', String(secs), 'echo']);
    await measure('echo: skillbarter-realtime through Apache', both, ['echo', server.base, tokFile, '100', String(secs), 'echo']);
  }
  // closed loop: as fast as the store takes them (the latency is then 50 / rate: queueing)
  if (phase('deliver-direct')) await measure('deliver: skillbarter-realtime direct', daemon, ['deliver', server.realtime.url, pairFile, '50', String(secs)], daemon()[0]);
  // socket.io relaying the same frames with no store behind it (node_server.mjs)
  if (phase('deliver-node')) await measure('deliver: node socket.io 4.8 direct, no store', () => [node.pid], ['deliver', nodeUrl, pairFile, '50', String(secs)]);
  if (phase('deliver-apache')) await measure('deliver: skillbarter-realtime through Apache', both, ['deliver', server.base, pairFile, '50', String(secs)]);
  // a fixed offered load below that: each of the 50 senders 10 messages a second
  if (phase('deliver-rate-direct')) rows.rate = await measure(`deliver ${50 * deliverRate}/s: skillbarter-realtime direct`, daemon, ['deliver', server.realtime.url, pairFile, '50', String(secs), '', String(deliverRate)], daemon()[0]);
  if (phase('deliver-rate-node')) await measure(`deliver ${50 * deliverRate}/s: node socket.io 4.8 direct, no store`, () => [node.pid], ['deliver', nodeUrl, pairFile, '50', String(secs), '', String(deliverRate)]);
  if (phase('deliver-rate-apache')) await measure(`deliver ${50 * deliverRate}/s: skillbarter-realtime through Apache`, both, ['deliver', server.base, pairFile, '50', String(secs), '', String(deliverRate)]);

  if (phase('idle')) {
    await idleRss('skillbarter-realtime (after load)', server.realtime.url, daemon);
    await idleRss('node socket.io 4.8', nodeUrl, () => [node.pid]);
  }
  node.kill('SIGTERM');
  targets(rows);
} finally {
  await server.stop();
  const problems = server.realtime.problems();
  if (problems.length) console.log(`realtime log: ${problems.join('\n')}`);
  server.cleanup();
  if (cgDir) rmSync(cgDir, { recursive: true, force: true });
  rmSync(statsDir, { recursive: true, force: true });
}
