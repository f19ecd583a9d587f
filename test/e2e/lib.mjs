// Browser-test helpers: Debian's chromium through playwright-core (never a downloaded
// browser), a fresh profile per browser, CSP violations and page errors collected (the server
// sends the Content-Security-Policy), screenshots as artifacts, axe-core checks.
import { chromium } from 'playwright-core';
import { chmodSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';

import { startServer } from '../integration/harness.mjs';

export { startServer, register, newUser, TOP } from '../integration/harness.mjs';
export { clockAt, setClock, relogin } from '../integration/sessions_kit.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
export const ARTIFACTS = process.env.E2E_ARTIFACTS || join(HERE, 'artifacts');
const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
// Every host name but the test servers' loopback address resolves to nothing: a page can
// never reach the network (the Jitsi script of the video panel fails at once, as offline).
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1'];

/**
 * A browser with its own fresh --user-data-dir (removed on close). Returns
 * { context, page(), close(), problems } where problems collects CSP violations and uncaught
 * page errors from every page of the context.
 */
// Every browser still open, so a file's servers are stopped only once none is left talking
// to them (a socket.io client would reconnect to a stopping daemon, through Apache).
const openBrowsers = new Set();

/** Close every browser a test file left open. */
export async function closeBrowsers() {
  await Promise.all([...openBrowsers].map((b) => b.close()));
}

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
  const b = {
    context,
    problems,
    async page() { return context.pages()[0] || context.newPage(); },
    async close() {
      openBrowsers.delete(b);
      await context.close().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
  openBrowsers.add(b);
  return b;
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

/**
 * httpd.conf lines and files of a server whose clock a test moves (SkillBarterTestClockFile,
 * only under -D SB_TESTING; see test/integration/sessions_kit.mjs) and that issues Jitsi room
 * tokens. The Jitsi domain stays the generated root's (the one its CSP names). Access tokens
 * last two days there: a browser's token stays valid across the clock moves of a test, so no
 * refresh hands the real-time daemon (which runs on the real clock) a token from the future.
 */
export function sessionServerOpts() {
  return {
    extra: `Define SB_TESTING
SkillBarterTestClockFile clock
SkillBarterJitsiAppId skillbarter-e2e
SkillBarterJitsiSecretFile jitsi.secret
SkillBarterAccessTokenTTL 2d
`,
    beforeStart(root) {
      writeFileSync(join(root, 'jitsi.secret'), 'jitsi-e2e-secret-0123456789abcdef-0123');
      writeFileSync(join(root, 'clock'), '0');
      chmodSync(join(root, 'clock'), 0o644);
    },
  };
}

/**
 * The lifecycle of one test file: a real server with the real-time daemon beside it (the
 * app's socket.io client connects on every signed-in page) and a browser, all stopped after;
 * the error logs of httpd and the daemon are checked with no allowance but opts.allow.
 */
export function setup(t, opts = {}) {
  const s = {};
  t.before(async () => {
    s.server = await startServer({ realtime: true, ...(opts.server || {}) });
    // stopped and checked by the after hook below (not by the harness's own check after the
    // file, which runs first and would stop it while the browsers still talk to it)
    s.server.managed = true;
    s.browser = await openBrowser(opts.browser);
    s.page = await s.browser.page();
  });
  t.after(async () => {
    await closeBrowsers();
    if (s.server) {
      // Apache first: requests the closed browsers left in it (a poll, a reconnect) are not
      // proxied to a daemon that is already gone; its tunnels end with their clients
      await s.server.stop({ realtimeLast: true });
      try {
        s.server.assertCleanLog(opts.allow || []);
      } finally {
        s.server.cleanup();   // the root goes even when its log fails the file
      }
    }
  });
  return s;
}

export function assertNoProblems(browser) {
  const p = browser.problems.splice(0);
  assert.deepEqual(p, [], 'no CSP violation and no uncaught error in the page');
}
