// Browser-test helpers: Debian's chromium through playwright-core (never a downloaded
// browser), a fresh profile per browser, CSP violations and page errors collected (the server
// sends the Content-Security-Policy), screenshots as artifacts, axe-core checks.
import { chromium } from 'playwright-core';
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';

import { startServer } from '../integration/harness.mjs';

export { startServer, register, newUser, TOP } from '../integration/harness.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
export const ARTIFACTS = process.env.E2E_ARTIFACTS || join(HERE, 'artifacts');
const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * A browser with its own fresh --user-data-dir (removed on close). Returns
 * { context, page(), close(), problems } where problems collects CSP violations and uncaught
 * page errors from every page of the context.
 */
export async function openBrowser({ viewport = { width: 1280, height: 900 }, timezoneId = 'Europe/London' } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'sb-e2e-profile-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(dir, {
      executablePath: CHROMIUM, headless: true, args: ARGS, viewport, timezoneId, locale: 'en-GB',
    });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  context.setDefaultTimeout(15000);
  const problems = [];
  const watch = (p) => {
    p.on('console', (m) => {
      if (/Content Security Policy|Refused to (load|execute|apply|connect)/i.test(m.text())) problems.push(`CSP: ${m.text()}`);
    });
    p.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  };
  context.pages().forEach(watch);
  context.on('page', watch);
  return {
    context,
    problems,
    async page() { return context.pages()[0] || context.newPage(); },
    async close() {
      await context.close().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Save a full-page screenshot as test/e2e/artifacts/NAME.png. */
export async function shot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** axe-core on the current page: no serious or critical violation. */
export async function assertAccessible(page, label) {
  await page.evaluate(AXE);
  const result = await page.evaluate(async () => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
  }));
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad.map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`), [],
    `axe found serious violations on ${label}`);
  return result;
}

/** Sign a browser in with tokens from the API (what the login form stores). */
export async function signIn(page, server, who) {
  await page.goto(server.url('/login'));
  await page.evaluate(([t, r]) => { localStorage.setItem('sb.token', t); localStorage.setItem('sb.refreshToken', r); },
    [who.token, who.refreshToken]);
}

/**
 * Whether an API route exists on this server for this method: the route table answers 404
 * "Route not found." for an unknown path and 405 when only other methods match it (POST
 * /api/messages/session-request against DELETE /api/messages/:id).
 */
export async function routeExists(server, method, path, token) {
  const r = await server.api(method, path, { token, body: method === 'GET' ? undefined : {} });
  if (r.status === 405) return false;
  return !(r.status === 404 && /route not found/i.test(r.json?.message || ''));
}

/** Whether the real-time daemon answers an Engine.IO handshake at /socket.io/. */
export async function socketAvailable(server) {
  try {
    const res = await fetch(server.url('/socket.io/?EIO=4&transport=polling'));
    const text = await res.text();
    return res.ok && /^0\{"sid"/.test(text);
  } catch {
    return false;
  }
}

const NO_DAEMON = [/\[proxy:error\].*AH00957: http: attempt to connect to 127\.0\.0\.1:\d+/,
  /\[proxy_http:error\].*AH01114: HTTP: failed to make connection to backend: 127\.0\.0\.1/];

/** The lifecycle of one test file: a real server and a browser, both stopped after. */
export function setup(t, opts = {}) {
  const s = {};
  t.before(async () => {
    s.server = await startServer(opts.server || {});
    s.browser = await openBrowser(opts.browser);
    s.page = await s.browser.page();
  });
  t.after(async () => {
    await s.browser?.close();
    if (s.server) {
      await s.server.stop();
      // The app's socket.io client polls /socket.io/, which Apache proxies to the real-time
      // daemon; these test servers run no daemon, so the proxy's refused connections are
      // expected here (and only these).
      s.server.assertCleanLog([...NO_DAEMON, ...(opts.allow || [])]);
      s.server.cleanup();
    }
  });
  return s;
}

export function assertNoProblems(browser) {
  const p = browser.problems.splice(0);
  assert.deepEqual(p, [], 'no CSP violation and no uncaught error in the page');
}
