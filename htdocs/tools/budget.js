// A Vite plugin that reports the initial JavaScript (the entry chunk and every chunk it imports
// statically, i.e. what the browser must fetch before the first render) gzipped, and writes the
// figure to a JSON file that the browser test checks against the budget.
import { gzipSync } from 'node:zlib';
import { writeFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export function initialChunks(bundle) {
  const entry = Object.values(bundle).find((c) => c.type === 'chunk' && c.isEntry);
  const seen = new Set();
  const walk = (name) => {
    if (seen.has(name) || !bundle[name]) return;
    seen.add(name);
    for (const dep of bundle[name].imports || []) walk(dep);
  };
  if (entry) walk(entry.fileName);
  return [...seen];
}

export function budgetReport({ limitKb, out }) {
  return {
    name: 'skillbarter-budget',
    apply: 'build',
    // After writing: the sizes are those of the files Apache will serve.
    writeBundle(opts, bundle) {
      const size = (f) => gzipSync(readFileSync(join(opts.dir, f))).length;
      const files = initialChunks(bundle);
      const gz = files.reduce((n, f) => n + size(f), 0);
      const all = Object.values(bundle).filter((c) => c.type === 'chunk')
        .reduce((n, c) => n + size(c.fileName), 0);
      const kb = (n) => (n / 1024).toFixed(1);
      // eslint-disable-next-line no-console
      console.log(`web budget: initial JS ${kb(gz)} KB gzipped of ${limitKb} KB `
        + `(${files.length} files); all JS ${kb(all)} KB gzipped`);
      const path = resolve(out);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, JSON.stringify({ initialGzipBytes: gz, allGzipBytes: all, limitKb,
        files: files.map((f) => `/${f}`) }, null, 2));
    },
  };
}
