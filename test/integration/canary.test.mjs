// The harness's own checks, each run against a fixture (test/integration/fixtures/) that
// misbehaves on purpose and expected to fail it: a child killed by SIGSEGV (in useServer's
// server, and in one a test starts and stops itself without looking at its log), whose core
// must be kept in build/cores with the module beside it; untagged glibc text on a child's
// stderr; and (in the integration-asan layer) a heap overflow in a canary build of the
// module. The fixture's own test passes every time; only the check after the file may fail it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, basename } from 'node:path';
import { TOP, SANITIZED, MODULE } from './harness.mjs';

function runFixture(name, env = {}) {
  // Run as a plain node:test file of its own (NODE_TEST_CONTEXT would make it a subtest).
  const childEnv = { ...process.env, ...env };
  delete childEnv.NODE_TEST_CONTEXT;
  const r = spawnSync(process.execPath, ['--test-reporter=tap',
    join(TOP, 'test', 'integration', 'fixtures', name)],
  { encoding: 'utf8', timeout: 120000, env: childEnv });
  const out = `${r.stdout}${r.stderr}`;
  const root = (out.match(/# fixture root (\S+)/) || [])[1];
  assert.ok(root, `the fixture did not get to its test:\n${out}`);
  assert.equal(existsSync(root), false, `the fixture left ${root} behind`);
  return { status: r.status, out };
}

// The fixture's test passed, and the file failed on the harness check alone.
function assertCaught(r, what) {
  assert.notEqual(r.status, 0, `not caught:\n${r.out}`);
  const oks = r.out.split('\n').filter((l) => /^(not )?ok \d+ - /.test(l));
  assert.equal(oks.length, 2, r.out);
  assert.match(oks[0], /^ok 1 - /, r.out);
  assert.match(oks[1], /^not ok 2 - .*harness\.mjs$/, r.out);
  assert.match(r.out, /harness check after the test file/, r.out);
  assert.match(r.out, what, r.out);
}

// The kernel writes a core into the root's CoreDumpDirectory only when core_pattern is a plain
// file name (a pipe or a path sends it elsewhere), and ASan turns core dumps off in the
// processes it is preloaded into (disable_coredump): there the crash alone is checked.
const pattern = readFileSync('/proc/sys/kernel/core_pattern', 'utf8').trim();
const CORES = !SANITIZED && !pattern.startsWith('|') && !pattern.includes('/');

// The crashed child's core was moved out of the fixture's root (which is gone) to
// build/cores/<run>/ with a copy of the module, and the failure says where and how to read it.
// The folder is removed after: the crash was made on purpose.
function assertCoreKept(r, always = false) {
  if (!CORES && !always) return;
  const kept = r.out.match(/a child left a core: (build\/cores\/[^/\s]+)\/(\S+) with the module it ran \(gdb \/usr\/sbin\/apache2 \1\/\2\)/);
  assert.ok(kept, `no core kept:\n${r.out}`);
  try {
    assert.ok(existsSync(join(TOP, kept[1], kept[2])), r.out);
    assert.deepEqual(readFileSync(join(TOP, kept[1], basename(MODULE))), readFileSync(MODULE));
  } finally {
    rmSync(join(TOP, kept[1]), { recursive: true, force: true });
  }
}

test('a child killed by SIGSEGV during a test fails the file, and its core is kept', () => {
  const r = runFixture('segv-child.mjs');
  assertCaught(r, /crashed child: .*AH0005[12]: child pid \d+ exit signal Segmentation fault/);
  assertCoreKept(r);
});

test('a crashed child of a server started by the test itself fails the file, and its core is kept', () => {
  const r = runFixture('segv-manual.mjs');
  assertCaught(r, /crashed child: .*AH0005[12]: child pid \d+ exit signal Segmentation fault/);
  assertCoreKept(r);
});

test('a core in the root fails the file even when the log names no crash, and is kept', () => {
  const r = runFixture('core-only.mjs');
  assertCaught(r, /a child left a core: build\/cores\/\S+\/core /);
  assertCoreKept(r, true);
});

test('untagged glibc text on a child\'s stderr fails the file', () => {
  assertCaught(runFixture('untagged-stderr.mjs'), /untagged line in the error log: free\(\): invalid pointer/);
});

const canary = process.env.SB_CANARY_MODULE;
test('a heap overflow in a handler fails the file under the sanitizer layer', {
  skip: !SANITIZED && 'only in the integration-asan layer (needs the sanitizer runtime)',
}, () => {
  assert.ok(canary && existsSync(canary), `no canary module (SB_CANARY_MODULE=${canary})`);
  assertCaught(runFixture('asan-canary.mjs', { SB_MODULE: canary }),
    /sanitizer report asan\.\d+:[\s\S]*AddressSanitizer: heap-buffer-overflow[\s\S]*h_profile_get/);
  // The same fixture against the regular sanitizer build passes: the canary is the cause.
  const clean = runFixture('asan-canary.mjs', { SB_MODULE: MODULE });
  assert.equal(clean.status, 0, clean.out);
});

test('the runner fails a layer whose files leave something in their TMPDIR, and removes it', () => {
  const fixture = join(TOP, 'test', 'integration', 'fixtures', 'litter-tmp.mjs');
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  const r = spawnSync('sh', ['-c', `. "${join(TOP, 'test', 'node-layer.sh')}"; `
    + 'node_layer litter-canary "$1"; echo "verdict $p $f"', 'sh', fixture],
  { encoding: 'utf8', timeout: 60000, env });
  assert.match(r.stdout, /litter-canary: left files in TMPDIR: left-behind/, r.stdout + r.stderr);
  assert.match(r.stdout, /verdict 1 1$/m, r.stdout);
});
