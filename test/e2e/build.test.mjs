// The built app as Apache serves it: the JavaScript budget, no inline code (strict CSP),
// immutable caching of hashed assets, revalidation of index.html, the SPA fallback.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { startServer, TOP, openBrowser } from './lib.mjs';

const WEB = join(TOP, 'build', 'web');
const BUDGET = 200 * 1024;
let server;
before(async () => { server = await startServer(); });
after(async () => { await server.stop(); server.assertCleanLog(); server.cleanup(); });

test('the build reports its initial JavaScript, within 200 KB gzipped', () => {
  const report = JSON.parse(readFileSync(join(TOP, 'build', 'web-budget.json'), 'utf8'));
  // recomputed here from the files on disk, not trusted from the report
  const gz = report.files.reduce((n, f) => n + gzipSync(readFileSync(join(WEB, f))).length, 0);
  assert.equal(gz, report.initialGzipBytes);
  assert.ok(gz <= BUDGET, `initial JS ${gz} bytes gzipped is over ${BUDGET}`);
  console.log(`# budget: initial JS ${(gz / 1024).toFixed(1)} KB gzipped of 200 KB`);
});

test('what a browser downloads before the first screen is within the budget', async () => {
  const b = await openBrowser();
  try {
    const page = await b.page();
    await page.goto(server.url('/login'));
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    const scripts = await page.evaluate(() => performance.getEntriesByType('resource')
      .filter((e) => e.initiatorType === 'script' || /\.js$/.test(new URL(e.name).pathname))
      .map((e) => new URL(e.name).pathname));
    const entry = await page.evaluate(() => [...document.querySelectorAll('script[src]')].map((s) => new URL(s.src).pathname));
    const all = [...new Set([...entry, ...scripts])];
    assert.ok(all.length >= 1, 'scripts were loaded');
    const gz = all.reduce((n, p) => n + gzipSync(readFileSync(join(WEB, p))).length, 0);
    assert.ok(gz <= BUDGET, `the login screen needed ${gz} bytes of gzipped JS`);
    console.log(`# budget: /login loaded ${all.length} scripts, ${(gz / 1024).toFixed(1)} KB gzipped`);
  } finally {
    await b.close();
  }
});

test('the app page comes with a Content-Security-Policy that allows no inline code or eval', async () => {
  for (const path of ['/', '/discover']) {
    const csp = (await fetch(server.url(path))).headers.get('content-security-policy') || '';
    assert.match(csp, /script-src 'self'/, path);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, path);
  }
});

test('index.html has no inline script or style, so a strict CSP needs no unsafe-inline', () => {
  const html = readFileSync(join(WEB, 'index.html'), 'utf8');
  const scripts = [...html.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)];
  assert.ok(scripts.length >= 1);
  for (const [tag, body] of scripts) {
    assert.match(tag, /\ssrc="\/assets\/[^"]+\.js"/, tag);
    assert.equal(body.trim(), '', 'no inline script body');
  }
  assert.doesNotMatch(html, /<style\b/);
  assert.doesNotMatch(html, /\sstyle="/);
  assert.doesNotMatch(html, /\son[a-z]+="/, 'no inline event handlers');
});

test('hashed assets are immutable, index.html and client routes are revalidated', async () => {
  const html = readFileSync(join(WEB, 'index.html'), 'utf8');
  const js = html.match(/src="(\/assets\/[^"]+\.js)"/)[1];
  const css = html.match(/href="(\/assets\/[^"]+\.css)"/)[1];
  for (const asset of [js, css]) {
    const r = await fetch(server.url(asset));
    assert.equal(r.status, 200, asset);
    assert.equal(r.headers.get('cache-control'), 'public, max-age=31536000, immutable', asset);
    assert.match(r.headers.get('content-type'), asset.endsWith('.js') ? /javascript/ : /text\/css/);
  }
  for (const path of ['/', '/index.html', '/discover', '/messages/0123456789abcdef01234567', '/no/such/page']) {
    const r = await fetch(server.url(path));
    assert.equal(r.status, 200, path);
    assert.match(r.headers.get('content-type'), /text\/html/, path);
    assert.equal(r.headers.get('cache-control'), 'no-cache', path);
    assert.match(await r.text(), /<div id="root">/, path);
  }
  // a stale chunk name is a plain 404, not the app page served as JavaScript
  const gone = await fetch(server.url('/assets/index-00000000.js'));
  assert.equal(gone.status, 404);
  assert.equal(gone.headers.get('cache-control'), null);
  // the API keeps its own answers
  const api = await fetch(server.url('/api/nothing-here'));
  assert.equal(api.status, 404);
  assert.match(api.headers.get('content-type'), /json/);
});

test('the build output is where Apache serves it from', () => {
  const conf = readFileSync(join(server.root, 'conf', 'httpd.conf'), 'utf8');
  assert.match(conf, new RegExp(`DocumentRoot "${WEB.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"`));
  assert.ok(existsSync(join(WEB, 'favicon.svg')));
});
