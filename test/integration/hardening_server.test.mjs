// Issue 13, server configuration of the generated roots (conf/httpd.conf.in): no TRACE, no
// version or signature, browser hardening headers on the SPA and static files, HSTS only on
// a TLS virtual host.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { request as tlsRequest } from 'node:https';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, freePort, TOP } from './harness.mjs';

let server, tlsPort, certDir;

before(async () => {
  certDir = mkdtempSync(join(tmpdir(), 'sb-tls-'));
  const gen = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
    '-addext', 'basicConstraints=critical,CA:FALSE',
    '-keyout', join(certDir, 'key.pem'), '-out', join(certDir, 'cert.pem')], { encoding: 'utf8' });
  assert.equal(gen.status, 0, gen.stderr);
  tlsPort = await freePort();
  server = await startServer({ extra: `LoadModule ssl_module /usr/lib/apache2/modules/mod_ssl.so
Listen 127.0.0.1:${tlsPort} https
<VirtualHost 127.0.0.1:${tlsPort}>
    ServerName 127.0.0.1
    SSLEngine on
    SSLCertificateFile "${join(certDir, 'cert.pem')}"
    SSLCertificateKeyFile "${join(certDir, 'key.pem')}"
</VirtualHost>
` });
});

after(async () => {
  try {
    if (server) {
      await server.stop();
      // mod_ssl's own notes about this machine's OpenSSL build and the test's session cache
      server.assertCleanLog([/\[ssl:warn\].*(AH01882|AH01873)/]);
    }
  } finally {
    if (server) server.cleanup();
    rmSync(certDir, { recursive: true, force: true });
  }
});

function raw(method, path, { tls = false } = {}) {
  return new Promise((resolve, reject) => {
    const opts = { host: '127.0.0.1', port: tls ? tlsPort : server.port, method, path,
      rejectUnauthorized: false };
    const req = (tls ? tlsRequest : request)(opts, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('TRACE is refused', async () => {
  const r = await raw('TRACE', '/');
  assert.equal(r.status, 405);
  assert.doesNotMatch(r.text, /TRACE \/ HTTP/);
});

test('the Server header names no version and error pages carry no signature', async () => {
  const r = await raw('GET', '/uploads/missing.png');
  assert.equal(r.status, 404);
  assert.equal(r.headers.server, 'Apache');
  assert.doesNotMatch(r.text, /Apache\/|Server at|Debian/);
  assert.equal((await raw('GET', '/api/health')).headers.server, 'Apache');
});

test('the SPA and static files carry nosniff, CSP, Referrer-Policy and Permissions-Policy', async () => {
  for (const path of ['/', '/index.html', '/app.js', '/app.css', '/a/client/route']) {
    const r = await raw('GET', path);
    assert.equal(r.status, 200, path);
    assert.equal(r.headers['x-content-type-options'], 'nosniff', path);
    const csp = r.headers['content-security-policy'];
    assert.match(csp, /frame-ancestors 'none'/, path);
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /script-src 'self' https:\/\/meet\.jit\.si/);
    assert.match(csp, /style-src 'self'/);
    assert.match(csp, /connect-src 'self'/);
    assert.match(csp, /frame-src https:\/\/meet\.jit\.si/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.equal(r.headers['referrer-policy'], 'no-referrer');
    assert.equal(r.headers['permissions-policy'].split(', ').filter((p) => /^(camera|microphone)=/.test(p)).join(', '),
      'camera=("https://meet.jit.si"), microphone=("https://meet.jit.si")');
  }
  // the SPA has no inline style or script for the CSP to block
  assert.doesNotMatch((await raw('GET', '/')).text, /<style|<script>(?!<\/script>)|style=/);
});

test('API answers carry one nosniff header; uploads get a sandboxing CSP', async () => {
  const r = await raw('GET', '/api/health');
  assert.equal(r.headers['x-content-type-options'], 'nosniff');
  const u = await raw('GET', '/uploads/missing.png');
  assert.match(u.headers['content-security-policy'], /default-src 'none'.*sandbox/);
});

test('HSTS only on the TLS virtual host', async () => {
  assert.equal((await raw('GET', '/')).headers['strict-transport-security'], undefined);
  const s = await raw('GET', '/', { tls: true });
  assert.equal(s.status, 200);
  assert.match(s.headers['strict-transport-security'], /^max-age=31536000; includeSubDomains$/);
  const api = await raw('GET', '/api/health', { tls: true });
  assert.equal(api.status, 200, api.text);
  assert.ok(api.headers['strict-transport-security']);
});

test('the shipped reference configuration carries the same hardening lines', () => {
  const read = (f) => readFileSync(join(TOP, 'conf', f), 'utf8').split('\n');
  // server-level lines of the template (the uploads directory has its own), and HSTS
  const tpl = read('httpd.conf.in').filter((l) => !/^\s/.test(l) || /Strict-Transport/.test(l))
    .map((l) => l.trim());
  const ref = new Set(read('skillbarter.conf').map((l) => l.trim()));
  const lines = tpl.filter((l) => /^(ServerTokens|ServerSignature|TraceEnable|Define SB_JITSI|Header (always set|unset) (X-Content|Content-Security|Referrer|Permissions|Strict-Transport))/.test(l));
  assert.ok(lines.length >= 10, lines.join('\n'));
  for (const l of lines) assert.ok(ref.has(l), `conf/skillbarter.conf lacks: ${l}`);
});
