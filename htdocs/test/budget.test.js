// @vitest-environment node
// The build's budget figure counts the entry chunk and what it imports statically, not the
// screens loaded later through dynamic import().
import { describe, it, expect } from 'vitest';
import { initialChunks } from '../tools/budget.js';

describe('initialChunks', () => {
  it('walks static imports from the entry, once each, and leaves dynamic imports out', () => {
    const bundle = {
      'assets/index.js': { type: 'chunk', isEntry: true, fileName: 'assets/index.js', imports: ['assets/vendor.js', 'assets/shared.js'], dynamicImports: ['assets/Discover.js'] },
      'assets/vendor.js': { type: 'chunk', fileName: 'assets/vendor.js', imports: ['assets/shared.js'] },
      'assets/shared.js': { type: 'chunk', fileName: 'assets/shared.js', imports: ['assets/vendor.js'] },
      'assets/Discover.js': { type: 'chunk', fileName: 'assets/Discover.js', imports: ['assets/shared.js', 'assets/dates.js'] },
      'assets/dates.js': { type: 'chunk', fileName: 'assets/dates.js', imports: [] },
      'assets/index.css': { type: 'asset', fileName: 'assets/index.css' },
    };
    expect(initialChunks(bundle).sort()).toEqual(['assets/index.js', 'assets/shared.js', 'assets/vendor.js']);
  });

  it('no entry, nothing initial', () => {
    expect(initialChunks({ 'a.js': { type: 'chunk', imports: [] } })).toEqual([]);
  });
});
