// The loopback SMTP sink of the mail tests (fixtures/smtp_sink.py on Debian's python3-aiosmtpd):
// started on a port, writing each received message into outdir; env adds settings such as
// SINK_AUTH ("user:password": the sink then requires AUTH); stderr 'ignore' silences its errors.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { TOP } from './harness.mjs';

const SINK = join(TOP, 'test', 'integration', 'fixtures', 'smtp_sink.py');

export function smtpSink(port, outdir) {
  let child = null;
  return {
    async start(env = {}, stderr = 'inherit') {
      child = spawn('/usr/bin/python3', [SINK, String(port), outdir],
        { stdio: ['ignore', 'pipe', stderr], env: { ...process.env, ...env } });
      const c = child;
      await new Promise((resolve, reject) => {
        c.stdout.on('data', (d) => { if (String(d).includes('ready')) resolve(); });
        c.on('exit', (code) => reject(new Error(`smtp sink exited ${code}`)));
      });
    },
    async stop() {
      if (!child) return;
      const c = child;
      child = null;
      const gone = new Promise((r) => c.on('exit', r));
      c.kill('SIGTERM');
      await gone;
    },
  };
}
