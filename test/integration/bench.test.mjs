// make bench's own checks (test/bench/run.sh), each against a canary route folder that
// misbehaves on purpose, in a 1-second smoke run: a measured route that answers 401 (fast,
// and wrong), one that starts answering 429 during the run, a [warn] in the error log and a
// crashed child must each fail the bench; the crashed child's core is kept in build/cores.
// A run that passes reports every target and writes its rows and targets to BENCH_TSV; the
// slice arithmetic (test/bench/slices.awk) and the target verdicts are checked on fixed input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { TOP, SANITIZED } from './harness.mjs';

function bench(canary, more = {}) {
  // The plain module and no sanitizer runtime, whatever layer this suite runs in.
  const env = { ...process.env, BENCH_SECONDS: '1', BENCH_ROUTES: join(TOP, 'test', 'bench', 'canary', canary),
    SB_MODULE: join(TOP, 'build', 'mod_skillbarter.so'), ...more };
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
  const tsv = join(TOP, 'build', `bench-test-${process.pid}.tsv`);
  const [unauthorized, limited, warn, crash, pass] = await Promise.all([bench('unauthorized'),
    bench('ratelimited'), bench('warn'), bench('crash'), bench('pass', { BENCH_TSV: tsv })]);
  assert.notEqual(unauthorized.status, 0, unauthorized.out);
  assert.match(unauthorized.out, /bench: http:\S+\/api\/users\/profile answers 401, not 2xx/, unauthorized.out);
  // the rows before the canary were measured: the bench itself works
  assert.match(unauthorized.out, /^GET \/api\/users\/profile \(auth\) +\d+/m, unauthorized.out);
  assert.notEqual(limited.status, 0, limited.out);
  assert.match(limited.out, /bench: http:\S+\/api\/discover answered \d+ non-2xx responses during the run/, limited.out);
  assert.notEqual(warn.status, 0, warn.out);
  assert.match(warn.out, /bench: the error log is not clean:\n.*:warn\].*refresh token reuse detected/, warn.out);
  assert.doesNotMatch(warn.out, /bench: every route answered 2xx/);
  // a failed run keeps no results; a passing one reports each target and keeps its rows
  assert.doesNotMatch(warn.out, /bench: results in/);
  try {
    assert.equal(pass.status, 0, pass.out);
    // each row with the static file's rate beside it, the median slice ratio and its spread
    assert.match(pass.out, /^GET \/api\/discover\/categories +\d+ +\d+ +\d+\.\d\d +\d+\.\d\d-\d+\.\d\d /m, pass.out);
    assert.match(pass.out, /^target categories >= 0\.8 x static \(issue 14\): +(met|not met) +\(\d+\.\d\d, spread /m, pass.out);
    assert.match(pass.out, /^target send >= 0\.5 x static \(issue 9\): +not measured$/m, pass.out);
    const kept = readFileSync(tsv, 'utf8');
    assert.match(kept, /^row\tGET \/api\/health\t\d+\t\d+\t\d+\.\d\d\t/m, kept);
    // and its slices as run: static, then route and static in turn (BENCH_SECONDS=1: one slice)
    assert.match(kept, /^slice\tGET \/api\/health\tS\t\d+\t[\d.]+\t\d+\nslice\tGET \/api\/health\tR\t\d+\t[\d.]+\t\d+\nslice\tGET \/api\/health\tS\t/m, kept);
    assert.match(kept, /^target\tcategories >= 0\.8 x static \(issue 14\)\t[\d.]+\t[\d.]+\t[\d.]+\t0\.8\t(met|not met)$/m, kept);
  } finally {
    rmSync(tsv, { force: true });
  }
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

test('a row is the median of its slices over the static slices beside each; targets are met, not met or not measured', () => {
  const awk = (args, input) => {
    const r = spawnSync('awk', args, { input, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
  };
  const slices = join(TOP, 'test', 'bench', 'slices.awk');
  // route slices 50, 60, 30 between static 100, 110, 90, 50: ratios 50/105, 60/100, 30/70
  assert.equal(awk(['-f', slices], 'S 100 1 0\nR 50 2 0\nS 110 1 0\nR 60 3 1\nS 90 1 0\nR 30 9 2\nS 50 1 0\n'),
    '47 88 0.48 0.43 0.60 3.00 3');
  // the static slices must surround the route slices
  assert.notEqual(spawnSync('awk', ['-f', slices], { input: 'S 1 1 0\nR 1 1 0\n' }).status, 0);
  // several sliced rows (the limiter's phases) → medians, the spread over all of them
  assert.equal(awk(['-v', 'combine=1', '-f', slices], '10 20 0.50 0.40 0.60 1.00 0\n30 40 0.70 0.60 0.90 2.00 1\n50 40 0.90 0.60 0.95 2.00 1\n'),
    '30 40 0.70 0.40 0.95 2.00 2');
  const rows = join(TOP, 'build', `bench-targets-${process.pid}.tsv`);
  writeFileSync(rows, ['row\tGET /api/sessions\t1\t1\t0.50\t0.40\t0.60\t1\t0',
    'row\tPOST /api/sessions/:id/end\t1\t1\t0.29\t0.20\t0.35\t1\t0',
    'row\tGET /api/users/profile (auth)\t1\t1\t0.90\t0.80\t1.00\t1\t0',
    'row\tExpress 4 hello-JSON (1 process)\t1\t1\t0.40\t0.20\t0.50\t1\t0', ''].join('\n'));
  try {
    const out = awk(['-F', '\t', '-v', 'suite=bench', '-f', join(TOP, 'test', 'bench', 'targets.awk'), rows,
      join(TOP, 'test', 'bench', 'targets')]);
    assert.match(out, /^target\tsessions list >= 0\.5 x static \(issue 10\)\t0\.50\t0\.40\t0\.60\t0\.5\tmet$/m, out);
    assert.match(out, /^target\tend >= 0\.3 x static \(issue 10\)\t0\.29\t0\.20\t0\.35\t0\.3\tnot met$/m, out);
    // × Express: the two ratios divided; the spread from the extremes of both
    assert.match(out, /^target\tprofile >= 2 x Express \(issue 14\)\t2\.25\t1\.60\t5\.00\t2\tmet$/m, out);
    assert.match(out, /^target\tsend >= 0\.5 x static \(issue 9\)\t-\t-\t-\t0\.5\tnot measured$/m, out);
    assert.doesNotMatch(out, /100k/);   // the scale suite's targets are make bench-scale's
  } finally {
    rmSync(rows, { force: true });
  }
});
