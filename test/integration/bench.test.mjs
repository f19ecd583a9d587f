// make bench's own checks (test/bench/run.sh), each against a canary route folder that
// misbehaves on purpose, in a 1-second smoke run: a measured route that answers 401 (fast,
// and wrong), one that starts answering 429 during the run, a [warn] in the error log and a
// crashed child must each fail the bench; the crashed child's core is kept in build/cores.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { TOP, SANITIZED } from './harness.mjs';

function bench(canary) {
  // The plain module and no sanitizer runtime, whatever layer this suite runs in.
  const env = { ...process.env, BENCH_SECONDS: '1', BENCH_ROUTES: join(TOP, 'test', 'bench', 'canary', canary),
    SB_MODULE: join(TOP, 'build', 'mod_skillbarter.so') };
  delete env.LD_PRELOAD;
  return new Promise((resolve) => {
    const p = spawn(join(TOP, 'test', 'bench', 'run.sh'), [], { env });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { out += d; });
    p.on('close', (status) => resolve({ status, out }));
  });
}

test('make bench fails on a route that answers non-2xx, before or during the run, and on a [warn] in the log', {
  // the bench runs the plain build whatever the layer: once, in the integration layer, is enough
  skip: SANITIZED && 'checks test/bench/run.sh with the plain build; run by the integration layer',
}, async () => {
  const [unauthorized, limited, warn, crash] = await Promise.all([bench('unauthorized'),
    bench('ratelimited'), bench('warn'), bench('crash')]);
  assert.notEqual(unauthorized.status, 0, unauthorized.out);
  assert.match(unauthorized.out, /bench: http:\S+\/api\/users\/profile answers 401, not 2xx/, unauthorized.out);
  // the rows before the canary were measured: the bench itself works
  assert.match(unauthorized.out, /^GET \/api\/users\/profile \(auth\) +\d+/m, unauthorized.out);
  assert.notEqual(limited.status, 0, limited.out);
  assert.match(limited.out, /bench: http:\S+\/api\/discover answered \d+ non-2xx responses during the run/, limited.out);
  assert.notEqual(warn.status, 0, warn.out);
  assert.match(warn.out, /bench: the error log is not clean:\n.*:warn\].*refresh token reuse detected/, warn.out);
  assert.doesNotMatch(warn.out, /bench: every route answered 2xx/);
  assert.notEqual(crash.status, 0, crash.out);
  assert.match(crash.out, /bench: the error log is not clean:\n.*exit signal Segmentation fault/, crash.out);
  // the kernel writes the core into the CoreDumpDirectory only when core_pattern is a file name
  const pattern = readFileSync('/proc/sys/kernel/core_pattern', 'utf8').trim();
  if (!pattern.startsWith('|') && !pattern.includes('/')) {
    const kept = crash.out.match(/bench: a child left a core: (build\/cores\/[^/\s]+)\/(\S+) /);
    assert.ok(kept, crash.out);
    try {
      assert.ok(existsSync(join(TOP, kept[1], kept[2])), crash.out);
      assert.ok(existsSync(join(TOP, kept[1], 'mod_skillbarter.so')), crash.out);
    } finally {
      rmSync(join(TOP, kept[1]), { recursive: true, force: true });
    }
  }
});
