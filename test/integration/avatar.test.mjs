// POST /api/users/upload-avatar: raw and multipart bodies, type from magic bytes, size limit,
// random names under /uploads/, the previous file removed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { useServer, register } from './harness.mjs';

const MAX = 4096;
const server = useServer({ extra: `SkillBarterAvatarMaxSize ${MAX}\n` });
const api = (...a) => server().api(...a);

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
// Structurally whole images (the module reads their dimensions): SOI, APP0, SOF0 1x1, SOS, EOI;
// a RIFF WebP whose VP8L header says 1x1.
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from('JFIF\0'), Buffer.alloc(9, 1),
  Buffer.from([0xff, 0xc0, 0, 11, 8, 0, 1, 0, 1, 1, 1, 0x11, 0, 0xff, 0xda, 0, 8, 1, 1, 0, 0, 0x3f, 0]),
  Buffer.alloc(64, 7), Buffer.from([0xff, 0xd9])]);
const WEBP = (() => {
  const body = Buffer.concat([Buffer.from('WEBPVP8L'), Buffer.from([10, 0, 0, 0]), Buffer.from([0x2f, 0, 0, 0, 0]), Buffer.alloc(5, 1)]);
  const size = Buffer.alloc(4); size.writeUInt32LE(body.length);
  return Buffer.concat([Buffer.from('RIFF'), size, body]);
})();
const pad = (buf, n) => Buffer.concat([buf, Buffer.alloc(n - buf.length, 0)]);

const upload = (token, raw, type) => api('POST', '/api/users/upload-avatar', { token, raw, headers: type ? { 'content-type': type } : {} });
function form(name, buf, type, filename = 'me.bin') {
  const f = new FormData();
  f.append('note', 'hello');
  f.append(name, new Blob([buf], type ? { type } : {}), filename);
  return f;
}
const uploads = () => readdirSync(join(server().root, 'uploads')).filter((f) => !f.startsWith('.'));

// A user with an avatar already, and a check that refused uploads left the profile (less
// lastSeen) and the whole uploads folder (temp files included) as they were.
async function withAvatar() {
  const u = await register(server());
  assert.equal((await upload(u.token, PNG, 'image/png')).status, 200);
  const state = async () => {
    const { lastSeen, ...profile } = (await api('GET', '/api/users/profile', { token: u.token })).json.data;
    return { profile, files: readdirSync(join(server().root, 'uploads')).sort() };
  };
  const before = await state();
  assert.match(before.profile.profilePicture, /^\/uploads\/[0-9a-f]{32}\.png$/);
  return { token: u.token, unchanged: async (what) => assert.deepEqual(await state(), before, `${what} changed something`) };
}

test('a raw PNG becomes the avatar, served as a static file with a random name', async () => {
  const { token } = await register(server());
  const r = await upload(token, PNG, 'image/png');
  assert.equal(r.status, 200, r.text);
  const pic = r.json.data.profilePicture;
  assert.match(pic, /^\/uploads\/[0-9a-f]{32}\.png$/);
  const file = join(server().root, 'uploads', pic.slice('/uploads/'.length));
  assert.equal(statSync(file).mode & 0o777, 0o644);
  const got = await fetch(server().url(pic));
  assert.equal(got.status, 200);
  assert.equal(got.headers.get('content-type'), 'image/png');
  assert.deepEqual(Buffer.from(await got.arrayBuffer()), PNG);
  const p = await api('GET', '/api/users/profile', { token });
  assert.equal(p.json.data.profilePicture, pic);
});

test('a new avatar replaces the previous file', async () => {
  const { token } = await register(server());
  const first = (await upload(token, PNG, 'image/png')).json.data.profilePicture;
  const second = await upload(token, JPEG, 'image/jpeg');
  assert.equal(second.status, 200, second.text);
  assert.match(second.json.data.profilePicture, /\.jpg$/);
  assert.notEqual(second.json.data.profilePicture, first);
  assert.equal(existsSync(join(server().root, 'uploads', first.slice(9))), false);
  assert.equal((await fetch(server().url(first))).status, 404);
  assert.equal((await fetch(server().url(second.json.data.profilePicture))).status, 200);
});

test('multipart/form-data with a field named avatar works for PNG, JPEG and WebP', async () => {
  const { token } = await register(server());
  for (const [buf, type, ext] of [[PNG, 'image/png', 'png'], [JPEG, 'image/jpeg', 'jpg'], [WEBP, 'image/webp', 'webp'], [PNG, undefined, 'png']]) {
    const r = await api('POST', '/api/users/upload-avatar', { token, raw: form('avatar', buf, type) });
    assert.equal(r.status, 200, `${type}: ${r.text}`);
    assert.ok(r.json.data.profilePicture.endsWith(`.${ext}`));
  }
  const names = uploads().filter((n) => !n.startsWith('.'));
  const mine = (await api('GET', '/api/users/profile', { token })).json.data.profilePicture.slice(9);
  assert.ok(names.includes(mine));
});

test('the type comes from the bytes: a spoofed Content-Type is 415', async () => {
  const { token, unchanged } = await withAvatar();
  const html = Buffer.from('<html><script>alert(1)</script></html>');
  for (const [raw, type] of [[html, 'image/png'], [PNG, 'image/jpeg'], [JPEG, 'image/webp'], [Buffer.from('GIF89a....'), 'image/png']]) {
    const r = await upload(token, raw, type);
    assert.equal(r.status, 415, `${type}: ${r.text}`);
    assert.equal(r.json.success, false);
    assert.match(r.json.message, /PNG|JPEG|WebP|image/);
    await unchanged(type);
  }
  const spoofPart = await api('POST', '/api/users/upload-avatar', { token, raw: form('avatar', html, 'image/png', 'x.png') });
  assert.equal(spoofPart.status, 415);
  const lied = await api('POST', '/api/users/upload-avatar', { token, raw: form('avatar', JPEG, 'image/png', 'x.png') });
  assert.equal(lied.status, 415);
  assert.match(lied.json.message, /image\/jpeg/);
  await unchanged('multipart parts of the wrong type');
});

test('other body types are 415; an empty body or a form without avatar is 400', async () => {
  const { token, unchanged } = await withAvatar();
  for (const type of ['text/plain', 'application/octet-stream', undefined]) {
    const r = await upload(token, PNG, type);
    assert.equal(r.status, 415, String(type));
    assert.equal(typeof r.json.message, 'string');
  }
  const empty = await upload(token, Buffer.alloc(0), 'image/png');
  assert.equal(empty.status, 400);
  assert.deepEqual(empty.json.errors.map((e) => e.field), ['avatar']);
  const other = await api('POST', '/api/users/upload-avatar', { token, raw: form('picture', PNG, 'image/png') });
  assert.equal(other.status, 400);
  assert.deepEqual(other.json.errors.map((e) => e.field), ['avatar']);
  const broken = await upload(token, Buffer.from('--xyz\r\nContent-Disposition: form-data; name="avatar"\r\n\r\nabc'), 'multipart/form-data; boundary=xyz');
  assert.equal(broken.status, 400);
  assert.match(broken.json.message, /multipart/i);
  const noBoundary = await upload(token, PNG, 'multipart/form-data');
  assert.equal(noBoundary.status, 400);
  assert.match(noBoundary.json.message, /boundary/);
  await unchanged('the refused bodies');
});

test('files over SkillBarterAvatarMaxSize are 413 (raw and multipart); the maximum itself is fine', async () => {
  const { token, unchanged } = await withAvatar();
  // just over: the avatar limit; far over: the request body limit, before anything is read
  for (const [n, message] of [[MAX + 1, `The avatar is larger than ${MAX} bytes.`],
    [MAX + 200000, /^Request body too large \(limit \d+ bytes\)\.$/]]) {
    const r = await upload(token, pad(PNG, n), 'image/png');
    assert.equal(r.status, 413, String(n));
    if (typeof message === 'string') assert.equal(r.json.message, message);
    else assert.match(r.json.message, message);
  }
  const bigPart = await api('POST', '/api/users/upload-avatar', { token, raw: form('avatar', pad(PNG, MAX + 1), 'image/png') });
  assert.equal(bigPart.status, 413);
  await unchanged('the oversized uploads');
  assert.equal((await upload(token, pad(PNG, MAX), 'image/png')).status, 200);
  const ok = await api('POST', '/api/users/upload-avatar', { token, raw: form('avatar', pad(PNG, MAX), 'image/png') });
  assert.equal(ok.status, 200, ok.text);
  const big = await api('POST', '/api/users/upload-avatar', { token, raw: form('avatar', pad(PNG, MAX + 1), 'image/png') });
  assert.equal(big.status, 413);
});

test('no temp files are left behind and a token is required', async () => {
  assert.equal((await upload(undefined, PNG, 'image/png')).status, 401);
  const leftovers = readdirSync(join(server().root, 'uploads')).filter((f) => f.startsWith('.avatar-'));
  assert.deepEqual(leftovers, []);
});
