// The real-time daemon (build/skillbarter-realtime) beside a test server: started on the
// settings file that server's httpd wrote, on a free loopback port, logging to
// ROOT/logs/realtime.log. The harness starts it for startServer({ realtime: true }) and
// checks its log with httpd's (see harness.mjs).
//
// Environment: SB_REALTIME the daemon binary (default build/skillbarter-realtime);
// SB_REALTIME_WRAP a command to run it under (e.g. "valgrind --error-exitcode=99 -q").
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { connect } from 'node:net';

export function realtimeBinary(top) {
  return resolve(top, process.env.SB_REALTIME || join('build', 'skillbarter-realtime'));
}

function portOpen(port) {
  return new Promise((res) => {
    const s = connect(port, '127.0.0.1');
    s.on('connect', () => { s.destroy(); res(true); });
    s.on('error', () => res(false));
  });
}

/**
 * Start the daemon for the server root `root` on `port` with extra command-line `args`.
 * Returns { port, url, log(), stop(), restart(), exitCodes }.
 */
export async function startRealtime(top, root, port, args = []) {
  const bin = realtimeBinary(top);
  const logFile = join(root, 'logs', 'realtime.log');
  const wrap = (process.env.SB_REALTIME_WRAP || '').split(' ').filter(Boolean);
  const d = {
    port, url: `http://127.0.0.1:${port}`, exitCodes: [], child: null,
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
    async start() {
      const argv = [...wrap, bin, '--settings', join(root, 'run', 'skillbarter.settings'),
        '--port', String(port), '--log', logFile, ...args];
      const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.on('data', (c) => { err += c; });
      d.child = child;
      d.stderr = () => err;
      const exited = new Promise((res) => child.on('exit', (code, sig) => {
        d.exitCodes.push(sig ? sig : code);
        res();
      }));
      d.exited = exited;
      const end = Date.now() + 20000;
      while (Date.now() < end) {
        if (child.exitCode !== null) break;
        if (await portOpen(port)) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`skillbarter-realtime did not start: ${err}\n${d.log()}`);
    },
    async stop() {
      if (!d.child || d.child.exitCode !== null || d.child.signalCode) return;
      d.child.kill('SIGTERM');
      await d.exited;
    },
    async restart() {
      await d.stop();
      await d.start();
    },
    // [warn] / [error] lines not allowed, stderr output, and exits other than 0.
    problems(allow = []) {
      const bad = d.log().split('\n').filter((l) => /\[(warn|error)\]/.test(l)
        && !allow.some((re) => re.test(l)));
      if (d.stderr && d.stderr().trim()) bad.push(`stderr: ${d.stderr()}`);
      for (const c of d.exitCodes) if (c !== 0) bad.push(`daemon exited with ${c}`);
      return bad;
    },
  };
  await d.start();
  return d;
}
