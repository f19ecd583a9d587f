// Integration harness: a real httpd with the freshly built module and a real SQLite file,
// in a server root generated from conf/*.in (tools/mkroot.sh) on a free loopback port.
//
// Environment:
//   SB_MODULE        the module .so every server loads (default build/mod_skillbarter.so)
//   SB_SAN_PRELOAD   sanitizer runtimes to preload into httpd (space separated), set when
//                    SB_MODULE is an ASan+UBSan build: httpd itself is not instrumented, so
//                    the runtime must come first in its library list. Every httpd command of
//                    a root runs with it (start, graceful, stop, -t: each loads the module),
//                    detect_leaks=0 (httpd exits without freeing), ASan's reports in files
//                    ROOT/san/asan.PID (log_path). GCC's UBSan runtime writes its reports to
//                    stderr whatever its log_path, that is to the error log, untagged.
//
// Every server is checked when it stops (after its parent process has exited, so the
// module's pool cleanups have run) and again after every test file: a child that died of a
// signal (AH00052), a sanitizer report, or any untagged line in the error log (stderr of
// httpd and its children: glibc and sanitizer text) fails the file.
//
// httpd runs with core dumps allowed (`ulimit -c unlimited`; the root's CoreDumpDirectory is
// ROOT/cores, tools/mkroot.sh): a child that dies of a signal leaves its core there, and when
// the server stops the harness moves it to build/cores/<run>/ with a copy of the module it was
// running (the build will have changed by the time someone reads the core) and names it in
// the failure with the gdb line, as make bench does (test/bench/lib.sh). The kernel writes a
// core into that folder only when core_pattern is a plain file name (Debian's "core"); under
// the sanitizer layer ASan turns core dumps off (its disable_coredump), so there the report
// is what is kept.
import { spawn, spawnSync } from 'node:child_process';
import {
  mkdtempSync, readFileSync, writeFileSync, existsSync, readdirSync, rmSync, mkdirSync,
  statSync, chownSync, copyFileSync, renameSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { get as nodeGet } from 'node:http';
import { tmpdir } from 'node:os';
import { join, dirname, resolve, basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { before, after } from 'node:test';
import { startRealtime } from './realtime_daemon.mjs';

export const TOP = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const HTTPD = '/usr/sbin/apache2';
/** The module every server of this run loads. */
export const MODULE = resolve(TOP, process.env.SB_MODULE || join('build', 'mod_skillbarter.so'));
/** True when the module is a sanitizer build whose runtime is preloaded into httpd. */
export const SANITIZED = Boolean(process.env.SB_SAN_PRELOAD);
// Under ASan every request is several times slower: waits scale with this.
const SLOW = SANITIZED ? 4 : 1;

// Settings every test server gets unless a test overrides them: cheap bcrypt, and rate
// limits far above what any test file sends (the spec's auth limit is 5 failures per 15
// minutes per IP, and every test comes from 127.0.0.1). A later SkillBarterRateLimit line
// in `extra` redeclares a limiter, so rate-limit tests set their own.
const BASE_EXTRA = `SkillBarterBcryptCost 4
SkillBarterRateLimit global 100000000 15m ip
SkillBarterRateLimit auth 100000000 15m ip skip-successful
SkillBarterRateLimit messages 100000000 1m user
SkillBarterRateLimit discover 100000000 5m user
SkillBarterRateLimit sessions 100000000 1h user
`;

export function freePort() {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolvePort(port));
    });
  });
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 60000, ...opts });
  // timedOut: killed at opts.timeout (httpd may exit 0 on that SIGTERM, so status cannot tell)
  return { status: r.status, signal: r.signal, timedOut: r.error?.code === 'ETIMEDOUT',
    out: (r.stdout || '') + (r.stderr || '') };
}

// The environment of every httpd invocation for a root (start, stop, graceful, -t alike:
// each one loads the module).
function httpdEnv(root) {
  const env = { ...process.env, SB_MODULE: MODULE };
  delete env.SB_HTTPD_PRELOAD;
  if (SANITIZED) {
    env.SB_HTTPD_PRELOAD = process.env.SB_SAN_PRELOAD;
    const san = join(root, 'san');
    env.ASAN_OPTIONS = `detect_leaks=0:log_path=${san}/asan:abort_on_error=0`;
    env.UBSAN_OPTIONS = `print_stacktrace=1:halt_on_error=1:log_path=${san}/ubsan`;
  }
  return env;
}

export async function makeRoot({ mpm = 'event', extra = '', realtimePort } = {}) {
  const root = mkdtempSync(join(tmpdir(), 'sb-it-'));
  const port = await freePort();
  const extraFile = join(root, 'extra.conf');
  writeFileSync(extraFile, BASE_EXTRA + extra);
  // /socket.io/ is proxied to the real-time daemon's port (a free one unless given)
  const rtPort = realtimePort || await freePort();
  const r = run(join(TOP, 'tools', 'mkroot.sh'), [root, String(port), mpm, extraFile],
    { env: { ...process.env, SB_MODULE: MODULE, SB_REALTIME_PORT: String(rtPort) } });
  assert.equal(r.status, 0, `mkroot failed: ${r.out}`);
  // Sanitizer reports of the parent (root) and of the children (www-data).
  const san = join(root, 'san');
  mkdirSync(san);
  const www = statSync(join(root, 'uploads'));
  chownSync(san, www.uid, www.gid);
  return { root, port, conf: join(root, 'conf', 'httpd.conf') };
}

// Output of httpd's control commands per root: sanitizer and glibc text printed there is
// checked with the error log.
const ctlOutput = new Map();

/** Runs httpd on a root: httpdCtl(root, '-k', 'graceful'). Returns {status, signal, out}. */
export function httpdCtl(root, ...args) {
  return httpdRun(root, args);
}

// httpd is started through sh, which raises the core size limit for it (the parent and every
// child it forks inherit it) and then execs it; the sanitizer runtimes are preloaded into
// httpd only (SB_HTTPD_PRELOAD), not into that sh.
const CORE_SH = 'ulimit -c unlimited 2>/dev/null;'
  + ' if [ -n "$SB_HTTPD_PRELOAD" ]; then export LD_PRELOAD="$SB_HTTPD_PRELOAD"; fi; exec "$@"';

/** httpdCtl with spawn options: httpdRun(root, ['-k', 'start', '-DFOREGROUND'], {timeout}). */
export function httpdRun(root, args, opts = {}) {
  const r = run('/bin/sh', ['-c', CORE_SH, 'sh', HTTPD, '-d', root, '-f', join(root, 'conf', 'httpd.conf'),
    ...args], { env: httpdEnv(root), ...opts });
  if (r.out) ctlOutput.set(root, (ctlOutput.get(root) || '') + r.out);
  return r;
}

/**
 * httpdRun without blocking the event loop: resolves {status, signal, out}. For a command that
 * must run while the test's own requests go on (a graceful restart under load: a spawnSync
 * would hold every response until httpd has parsed its configuration and signalled, so the
 * server would be idle when the restart came).
 */
export function httpdRunAsync(root, args) {
  return new Promise((done) => {
    const p = spawn('/bin/sh', ['-c', CORE_SH, 'sh', HTTPD, '-d', root, '-f', join(root, 'conf', 'httpd.conf'),
      ...args], { env: httpdEnv(root), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { out += d; });
    p.on('close', (status, signal) => {
      if (out) ctlOutput.set(root, (ctlOutput.get(root) || '') + out);
      done({ status, signal, out });
    });
  });
}

async function waitUntil(fn, ms = 10000) {
  const end = Date.now() + ms * SLOW;
  for (;;) {
    try { if (await fn()) return true; } catch { /* not yet */ }
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}

function sleepSync(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

// A process has exited once it is gone or a zombie (nothing reaps the detached httpd parent
// here, so it may stay one).
export function processGone(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return true;
  }
}

/** The pids of a process's children (an httpd parent's worker processes). */
export function childPids(pid) {
  const kids = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(rest[1]) === pid && rest[0] !== 'Z') kids.push(Number(d));
    } catch { /* gone meanwhile */ }
  }
  return kids;
}

function readPid(root) {
  try {
    const n = Number(readFileSync(join(root, 'run', 'httpd.pid'), 'utf8').trim());
    return n > 0 ? n : null;
  } catch {
    return null;
  }
}

// The error log's lines are all "[date] [module:level] ..." ; anything else was written to
// httpd's stderr by something other than ap_log_error: glibc, a sanitizer, a library.
const TAGGED = /^\[[^\]]+\] \[[a-z_0-9]*:[a-z0-9]+\] /;
// AH00050 a child's fatal error, AH00051/AH00052 a child killed by a signal (with or without
// a core), AH00060 a crash of the parent.
const CRASH = /AH0005[012]:|AH00060:|exit signal|possible coredump/;
// Text of sanitizers and glibc in command output (httpd -k ... before it detaches).
const FOREIGN = /AddressSanitizer|UndefinedBehaviorSanitizer|LeakSanitizer|runtime error:|SUMMARY: |^==\d+==|malloc\(\)|free\(\)|double free|corrupted|stack smashing|Segmentation fault|Aborted/m;

/**
 * What went wrong in a server root, independent of log levels: crashed children, sanitizer
 * reports, untagged lines in the error log, sanitizer/glibc text from httpd's commands.
 * Returns a list of strings (empty when all is well).
 */
export function scanRoot(root) {
  const problems = [];
  for (const line of readLog(root).split('\n')) {
    if (!line) continue;
    if (!TAGGED.test(line)) problems.push(`untagged line in the error log: ${line}`);
    else if (CRASH.test(line)) problems.push(`crashed child: ${line}`);
  }
  const san = join(root, 'san');
  if (existsSync(san)) {
    for (const f of readdirSync(san).sort()) {
      const text = readFileSync(join(san, f), 'utf8');
      if (text.trim()) {
        problems.push(`sanitizer report ${f}:\n${text.split('\n').slice(0, 40).join('\n')}`);
      }
    }
  }
  const out = ctlOutput.get(root) || '';
  if (FOREIGN.test(out)) problems.push(`sanitizer or glibc text from httpd:\n${out}`);
  return problems;
}

// Cores of this run's servers: build/cores/<UTC time>-<test process>-<root>/ (one folder a
// root, each with the module beside its cores).
const RUN_STAMP = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');

/**
 * Moves every core a server root's children left (ROOT/cores, its CoreDumpDirectory) to
 * build/cores/<run>/ with a copy of the module they ran, and returns one problem line a core,
 * naming where it is and the gdb line to read it (empty when there is none). Called once the
 * parent has exited: a child's core is complete before its parent hears of the death.
 */
export function keepCores(root) {
  const dir = join(root, 'cores');
  const cores = existsSync(dir) ? readdirSync(dir).filter((f) => statSync(join(dir, f)).isFile()) : [];
  if (cores.length === 0) return [];
  const rel = join('build', 'cores', `${RUN_STAMP}-${process.pid}-${basename(root)}`);
  const kept = join(TOP, rel);
  mkdirSync(kept, { recursive: true });
  try {
    copyFileSync(MODULE, join(kept, basename(MODULE)));
  } catch { /* the core is kept without it */ }
  return cores.map((f) => {
    try {
      renameSync(join(dir, f), join(kept, f));
    } catch {
      // (another file system: copy, then remove)
      copyFileSync(join(dir, f), join(kept, f));
      rmSync(join(dir, f), { force: true });
    }
    const line = `a child left a core: ${rel}/${f} with the module it ran`
      + ` (gdb ${HTTPD} ${rel}/${f})`;
    console.error(`# ${line}`);
    return line;
  });
}

// Servers started by this test file, for the check after the file.
const servers = new Set();

/**
 * Start a server. Options: mpm ('event' | 'prefork' | 'worker'), extra (httpd.conf text),
 * premigrate (create the SQLite file in WAL mode before httpd starts, so several children
 * starting at once do not race to create it), realtime (also start skillbarter-realtime on the
 * settings file this httpd wrote: server.realtime, see realtime_daemon.mjs; realtimeArgs: its
 * extra flags; its log is checked by assertCleanLog too). Returns helpers: url(path), api(method, path, {body, token, headers, raw}), sbctl(...),
 * errorLog(), stop(), assertCleanLog(allow), problems(), cleanup().
 */
export async function startServer(opts = {}) {
  return startServerRaw({ ...opts, healthy: true });
}

/** Like startServer; with healthy: false it only waits until the server answers at all. */
export async function startServerRaw(opts = {}) {
  const realtimePort = opts.realtime ? await freePort() : undefined;
  const { root, port } = await makeRoot({ ...opts, realtimePort });
  if (opts.premigrate) {
    const db = join(root, 'data', 'skillbarter.db');
    const m = run(join(TOP, 'build', 'sbctl'), [`sqlite:${db}`, 'migrate']);
    assert.equal(m.status, 0, `sbctl migrate failed: ${m.out}`);
    run('chown', ['-R', 'www-data:www-data', join(root, 'data')]);
  }
  if (opts.beforeStart) opts.beforeStart(root);
  const started = httpdCtl(root, '-k', 'start');
  if (started.status !== 0) {
    const why = `httpd did not start: ${started.out}\n${[...scanRoot(root), ...keepCores(root)].join('\n')}`;
    rmSync(root, { recursive: true, force: true });
    assert.fail(why);
  }
  const base = `http://127.0.0.1:${port}`;
  const up = await waitUntil(async () => {
    const status = (await fetch(`${base}/api/health`)).status;
    return opts.healthy ? status === 200 : status > 0;
  });
  // The parent's pid, read once it is up: stop() waits for this process to exit.
  const pid = readPid(root);
  let stopped = false;
  let found = null;        // problems seen when the server stopped
  let reported = false;    // ... and already failed a test
  const server = {
    root, port, base, pid,
    storeUri: `sqlite:${join(root, 'data', 'skillbarter.db')}`,
    url: (p) => base + p,
    async api(method, path, { body, token, headers = {}, raw } = {}) {
      const h = { ...headers };
      if (token) h.authorization = `Bearer ${token}`;
      let payload;
      if (raw !== undefined) payload = raw;
      else if (body !== undefined) {
        payload = JSON.stringify(body);
        if (!Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) {
          h['content-type'] = 'application/json';
        }
      }
      // A pooled keep-alive connection that Apache closed as idle (the event MPM closes idle
      // ones early when its workers are busy) fails the next request written to it before
      // the server read a byte of it; that request was never processed, so it is sent
      // again (RFC 9110 9.2.2). When many connections went idle at once the next pooled one
      // may be just as dead, so up to three more tries, each dropping one dead connection
      // from the pool. Refusals and resets of a request the server answered are not retried.
      let res;
      for (let tries = 0; ; tries++) {
        try {
          res = await fetch(base + path, { method, headers: h, body: payload });
          break;
        } catch (e) {
          const closed = /other side closed|ECONNRESET/.test(`${e.cause?.code} ${e.cause?.message}`);
          if (!closed || tries === 3) throw e;
        }
      }
      const text = await res.text();
      let json = null;
      try { json = JSON.parse(text); } catch { /* not JSON */ }
      return { status: res.status, headers: res.headers, json, text };
    },
    sbctl(...args) {
      return run(join(TOP, 'build', 'sbctl'), [server.storeUri, ...args]);
    },
    errorLog: () => readLog(root),
    mails() {
      const dir = join(root, 'mail');
      return readdirSync(dir).filter((f) => f.endsWith('.eml')).sort()
        .map((f) => readFileSync(join(dir, f), 'utf8'));
    },
    // Stop, and wait until the parent process has exited: Apache removes its pid file
    // before the module's pool cleanups run, so only then is the log complete.
    // realtimeLast: httpd first, then the daemon (for a server whose clients are all gone:
    // Apache may still hold requests of theirs that it would proxy to a daemon stopped first).
    async stop({ realtimeLast = false } = {}) {
      if (stopped) return;
      if (server.realtime && !realtimeLast) await server.realtime.stop();
      const ctl = httpdCtl(root, '-k', 'stop');
      finish(await waitUntil(exited, 20000), ctl);
      if (server.realtime && realtimeLast) await server.realtime.stop();
    },
    stopSync() {
      if (stopped) return;
      const rt = server.realtime && server.realtime.child;
      if (rt && rt.exitCode === null && !rt.signalCode) {
        rt.kill('SIGTERM');
        const until = Date.now() + 20000 * SLOW;
        while (!processGone(rt.pid) && Date.now() < until) sleepSync(50);
      }
      const ctl = httpdCtl(root, '-k', 'stop');
      const end = Date.now() + 20000 * SLOW;
      while (!exited() && Date.now() < end) sleepSync(50);
      finish(exited(), ctl);
    },
    /** Crashes, sanitizer reports and untagged log lines so far (see scanRoot). */
    problems: () => found || scanRoot(root),
    // Fail on any [warn]/[error]/[crit]/[alert]/[emerg] line not matched by an allow
    // pattern, and on any problem scanRoot finds (those cannot be allowed).
    assertCleanLog(allow = []) {
      const problems = server.problems();
      if (problems.length) {
        reported = true;
        assert.fail(`server ${root} is not clean:\n${problems.join('\n')}`);
      }
      // Apache 2.4 holds a worker thread in its blocking tunnel for each proxied WebSocket
      // (FACTS.md); at the stop of a server with the real-time daemon such a thread can outlive
      // the parent's patience, which then says so (AH00045/AH00046). That is Apache's tunnel,
      // not the module: allowed for those servers only, never for the others.
      const tunnel = server.realtime ? [/AH0004[56]: child process \d+ still did not exit/] : [];
      const bad = readLog(root).split('\n').filter((l) =>
        /\[[a-z_]*:(warn|error|crit|alert|emerg)\]/.test(l)
        && !allow.some((re) => re.test(l)) && !tunnel.some((re) => re.test(l)));
      assert.deepEqual(bad, [], `unexpected lines in the error log:\n${bad.join('\n')}`);
      if (server.realtime) {
        const rbad = server.realtime.problems(allow);
        assert.deepEqual(rbad, [], `unexpected lines in the realtime log:\n${rbad.join('\n')}`);
      }
    },
    // The file-level check: problems not yet reported by assertCleanLog.
    unreported: () => (reported ? [] : server.problems()),
    // A test that makes a server misbehave on purpose takes its problems here, so that the
    // check after the file does not fail on them.
    takeProblems() {
      const p = server.problems();
      reported = true;
      return p;
    },
    cleanup() {
      server.stopSync();
      rmSync(root, { recursive: true, force: true });
      ctlOutput.delete(root);   // (the server stays listed: the check after the file uses what stop() found)
    },
  };
  // Without a pid (the parent never wrote one), the pid file's absence is all there is.
  function exited() {
    return pid ? processGone(pid) : !existsSync(join(root, 'run', 'httpd.pid'));
  }
  // The problems found at the stop, and the cores moved out of the root before it goes
  // (a core is a problem of its own: a crash whose log line was lost still fails the file).
  function finish(gone, ctl) {
    stopped = true;
    found = scanRoot(root);
    found.push(...keepCores(root));
    if (!gone) found.unshift(`httpd parent ${pid} did not exit after -k stop: ${ctl.out}`);
  }
  // For the check after the file (below): every server it started.
  servers.add(server);
  if (!up) {
    const log = readLog(root);
    server.cleanup();
    assert.fail(`server did not become healthy:\n${log}\n${server.problems().join('\n')}`);
  }
  if (opts.realtime) {
    try {
      server.realtime = await startRealtime(TOP, root, realtimePort, opts.realtimeArgs || []);
    } catch (e) {
      server.cleanup();
      throw e;
    }
  }
  return server;
}

// After every test file: the servers of useServer() are checked by its own after hook (see
// there). This hook is registered before any hook of the file, so it runs first among the
// file's after hooks: it stops any other server the file left running, waits for it, and
// fails on what scanRoot found in any server the file started outside useServer() and did not
// already fail a test on. Before failing it removes those roots (the file's later after hooks
// do not run then), so that a failure here leaves nothing in /tmp.
after(async () => {
  const mine = [...servers].filter((s) => !s.managed);
  const problems = [];
  for (const s of mine) {
    await s.stop();
    problems.push(...s.unreported().map((p) => `${s.root}: ${p}`));
  }
  if (problems.length) {
    for (const s of mine) s.cleanup();
    assert.fail(`harness check after the test file:\n${problems.join('\n')}`);
  }
});

function readLog(root) {
  const f = join(root, 'logs', 'error.log');
  return existsSync(f) ? readFileSync(f, 'utf8') : '';
}

/**
 * A GET through node:http: resolves {status, headers, text}. `agent`: an http.Agent (say a
 * keep-alive one), or false for a new connection. A failure carries `early`: true when the
 * connection was reset or closed before any byte of the response came (a request a client
 * may retry, RFC 9110 9.2.2), false for anything else (refused, reset mid-response, ...).
 */
export function httpGet(url, { token, agent, headers = {} } = {}) {
  return new Promise((resolveGet, reject) => {
    let sock = null;
    let before = 0;
    const h = { ...headers };
    if (token) h.authorization = `Bearer ${token}`;
    const req = nodeGet(url, { agent, headers: h }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('aborted', () => reject(Object.assign(new Error('response aborted'), { early: false })));
      res.on('error', (err) => reject(Object.assign(err, { early: false })));
      res.on('end', () => resolveGet({ status: res.statusCode, headers: res.headers,
        text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('socket', (s) => { sock = s; before = s.bytesRead; });
    req.on('error', (err) => {
      err.early = err.code === 'ECONNRESET' && sock !== null && sock.bytesRead === before;
      reject(err);
    });
  });
}

let seq = 0;
/** A fresh, valid registration body. */
export function newUser(over = {}) {
  seq += 1;
  const tag = `${process.pid.toString(36)}${seq}${Math.random().toString(36).slice(2, 6)}`;
  return {
    username: `u_${tag}`.slice(0, 20),
    email: `${tag}@example.org`,
    password: 'correct horse battery',
    firstName: 'Ada',
    lastName: 'Lovelace',
    ...over,
  };
}

/** Register a user; returns {user, token, refreshToken, body}. */
export async function register(server, over = {}) {
  const body = newUser(over);
  const r = await server.api('POST', '/api/auth/register', { body });
  assert.equal(r.status, 201, `register failed: ${r.text}`);
  return { ...r.json.data, body };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls fn (may be async) every 20 ms until it returns something truthy, and returns that;
 * fails after ms naming what it waited for (what: text, or a function giving it at the time).
 */
export async function waitFor(fn, ms = 15000, what = 'condition') {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) {
      assert.fail(`timed out waiting for ${typeof what === 'function' ? what() : what}`);
    }
    await sleep(20);
  }
}

/**
 * Standard lifecycle for a test file: one server per file, stopped after, and the error
 * log checked for unexpected lines.
 */
export function useServer(opts = {}, allow = []) {
  const holder = {};
  before(async () => {
    holder.server = await startServer(opts);
    holder.server.managed = true;
  });
  // The check after the file for this server: stopped (its parent exited), then its log
  // and sanitizer reports (assertCleanLog fails on crashes and untagged lines too).
  after(async () => {
    if (!holder.server) return;
    await holder.server.stop();
    try {
      if (holder.server.unreported().length) {
        assert.fail(`harness check after the test file:\n${holder.server.problems().join('\n')}`);
      }
      holder.server.assertCleanLog(allow);
    } finally {
      holder.server.cleanup();
    }
  });
  return () => holder.server;
}
