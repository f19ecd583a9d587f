// Builds the single-page app into ../build/web (git-ignored), the document root Apache serves.
// Hashed file names under /assets/ get immutable cache headers from conf/httpd.conf.in.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { budgetReport } from './tools/budget.js';

export default defineConfig({
  plugins: [react(), budgetReport({ limitKb: 200, out: '../build/web-budget.json' })],
  build: {
    outDir: '../build/web',
    emptyOutDir: true,
    manifest: true,
    sourcemap: false,
    // No inline module-preload polyfill or data: URLs: the app runs under a strict CSP.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    // Tailwind's transform is most of a build here; that is expected, not worth a warning.
    rolldownOptions: { checks: { pluginTimings: false } },
  },
  test: {
    environment: 'happy-dom',
    include: ['test/**/*.test.{js,jsx}'],
  },
});
