// Helpers of the sessions and credits suites: a server with the test clock and Jitsi tokens,
// teachers with a skill and availability, bookings, the clock moved without waiting, the
// store read back through sqlite3 and sbctl.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { register } from './harness.mjs';

export const JITSI_SECRET = 'jitsi-test-secret-0123456789abcdef-0123';
export const HOUR = 3600 * 1000;
export const MIN = 60 * 1000;

// httpd.conf lines of a session test server: the test clock (only under SB_TESTING), Jitsi
// tokens, and the files they name written into the root before the start.
export function sessionServerOpts(more = '') {
  return {
    extra: `Define SB_TESTING
SkillBarterTestClockFile clock
SkillBarterJitsiDomain meet.example.org
SkillBarterJitsiAppId skillbarter-test
SkillBarterJitsiSecretFile jitsi.secret
${more}`,
    beforeStart(root) {
      writeFileSync(join(root, 'jitsi.secret'), JITSI_SECRET);
      writeFileSync(join(root, 'clock'), '0');
      chmodSync(join(root, 'clock'), 0o644);
    },
  };
}

/** The server's clock offset (ms), as the module reads it on every request. */
export function setClock(server, offsetMs) {
  writeFileSync(join(server.root, 'clock'), String(Math.round(offsetMs)));
}

/** Move the server's clock so that it reads `at` (ms) now. */
export function clockAt(server, at) {
  setClock(server, at - Date.now());
}

export function sql(server, query) {
  const db = server.storeUri.slice('sqlite:'.length);
  const r = spawnSync('sqlite3', ['-json', '-cmd', '.timeout 5000', db, query], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim() ? JSON.parse(r.stdout) : [];
}

export function ledgerCheck(server) {
  const r = server.sbctl('ledger-check');
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /ledger: balanced/);
  return r.out;
}

export const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

/** A registered user who offers `skill` and is available all day every day in `timezone`. */
export async function teacher(server, { skill = 'Guitar', timezone = 'UTC', availability } = {}) {
  const t = await register(server);
  let r = await server.api('PUT', '/api/users/skills/offered', {
    token: t.token, body: { skills: [{ skill, category: 'Music' }] },
  });
  assert.equal(r.status, 200, r.text);
  r = await server.api('PUT', '/api/users/availability', {
    token: t.token,
    body: {
      timezone,
      availability: availability || DAYS.map((day) => ({ day, timeSlots: [{ startTime: '00:00', endTime: '23:59' }] })),
    },
  });
  assert.equal(r.status, 200, r.text);
  return t;
}

/** Midnight UTC `days` days after the server's now (ms). */
export function dayStart(days = 2) {
  const d = new Date(Date.now());
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + days);
}

export const iso = (ms) => new Date(ms).toISOString();

export function book(server, learner, t, at, duration = 60, more = {}) {
  return server.api('POST', '/api/sessions/create', {
    token: learner.token,
    body: { teacher: t.user._id, skill: 'Guitar', scheduledTime: iso(at), duration, ...more },
  });
}

export async function booked(server, learner, t, at, duration = 60, more = {}) {
  const r = await book(server, learner, t, at, duration, more);
  assert.equal(r.status, 201, r.text);
  return r.json.data;
}

/** A fresh access token for u at the server's current clock (old ones may have expired). */
export async function relogin(server, u) {
  const r = await server.api('POST', '/api/auth/login', {
    body: { email: u.body.email, password: u.body.password },
  });
  assert.equal(r.status, 200, r.text);
  u.token = r.json.data.token;
  return u;
}

export async function balance(server, u) {
  const r = await server.api('GET', '/api/credits/balance', { token: u.token });
  assert.equal(r.status, 200, r.text);
  return r.json.data;
}

export async function ledger(server, u, query = '') {
  const r = await server.api('GET', `/api/credits/transactions?limit=100${query}`, { token: u.token });
  assert.equal(r.status, 200, r.text);
  return r.json.data;
}

export const act = (server, u, id, body) =>
  server.api('PUT', `/api/sessions/${id}`, { token: u.token, body });

/** A zone where the real clock's local time is far from midnight (UTC, else Honolulu). */
export function midDayZone() {
  const h = new Date().getUTCHours();
  return h >= 2 && h <= 21 ? 'UTC' : 'Pacific/Honolulu';
}

/**
 * A completed session between t (a teacher()) and learner l without moving any clock:
 * booked 5 minutes ahead (inside the join window), accepted, joined by both, ended.
 */
export async function completedNow(server, t, l) {
  const id = (await booked(server, l, t, Date.now() + 5 * MIN, 15))._id;
  assert.equal((await act(server, t, id, { action: 'accept' })).status, 200);
  for (const u of [t, l]) {
    const r = await server.api('POST', `/api/sessions/${id}/start`, { token: u.token });
    assert.equal(r.status, 200, r.text);
  }
  const r = await server.api('POST', `/api/sessions/${id}/end`, { token: l.token });
  assert.equal(r.status, 200, r.text);
  return id;
}
