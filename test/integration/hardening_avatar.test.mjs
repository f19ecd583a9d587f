// Issue 13, avatars: the image's own dimensions are read and checked against
// SkillBarterAvatarMaxSide / SkillBarterAvatarMaxPixels; zero, truncated or malformed is a 400.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32, deflateSync } from 'node:zlib';
import { useServer, register } from './harness.mjs';

const server = useServer({ extra: 'SkillBarterAvatarMaxSide 100\nSkillBarterAvatarMaxPixels 5000\n' });
const upload = (token, raw, type) => server().api('POST', '/api/users/upload-avatar',
  { token, raw, headers: { 'content-type': type } });

function chunk(type, data) {
  const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type), data]);
  const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
function png(w, h) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0); ihdr.writeUInt32BE(h, 4); ihdr[8] = 8; ihdr[9] = 0;   // 8-bit grey
  const rows = Buffer.alloc((w + 1) * Math.max(h, 1));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}
function jpeg(w, h) {
  return Buffer.from([0xff, 0xd8, 0xff, 0xc0, 0, 11, 8, h >> 8, h & 255, w >> 8, w & 255, 1, 1, 0x11, 0,
    0xff, 0xda, 0, 8, 1, 1, 0, 0, 0x3f, 0, 1, 2, 3, 0xff, 0xd9]);
}
function webpVP8X(w, h) {
  const p = Buffer.alloc(10); p.writeUIntLE(w - 1, 4, 3); p.writeUIntLE(h - 1, 7, 3);
  const size = Buffer.alloc(4); size.writeUInt32LE(4 + 8 + p.length);
  const clen = Buffer.alloc(4); clen.writeUInt32LE(p.length);
  return Buffer.concat([Buffer.from('RIFF'), size, Buffer.from('WEBPVP8X'), clen, p]);
}

test('an image within both limits is accepted', async () => {
  const { token } = await register(server());
  for (const [buf, type] of [[png(100, 50), 'image/png'], [jpeg(50, 100), 'image/jpeg'], [webpVP8X(70, 70), 'image/webp']]) {
    const r = await upload(token, buf, type);
    assert.equal(r.status, 200, `${type}: ${r.text}`);
  }
});

test('a side over SkillBarterAvatarMaxSide is a 400 naming the limit', async () => {
  const { token } = await register(server());
  for (const [buf, type] of [[png(101, 1), 'image/png'], [jpeg(1, 4000), 'image/jpeg'], [webpVP8X(16000, 1), 'image/webp']]) {
    const r = await upload(token, buf, type);
    assert.equal(r.status, 400, type);
    assert.match(r.json.message, /at most 100 pixels per side/);
  }
});

test('more pixels than SkillBarterAvatarMaxPixels is a 400 naming the count', async () => {
  const { token } = await register(server());
  const r = await upload(token, png(80, 80), 'image/png');
  assert.equal(r.status, 400);
  assert.match(r.json.message, /80x80 = 6400 pixels; at most 5000/);
  const p = await server().api('GET', '/api/users/profile', { token });
  assert.equal(p.json.data.profilePicture ?? '', '', 'nothing was stored');
});

test('a zero dimension, a truncated or a malformed image is a 400 with the reason', async () => {
  const { token } = await register(server());
  const good = png(10, 10);
  const badCrc = Buffer.from(good); badCrc[17] ^= 1;
  const cases = [
    [png(0, 10), 'image/png', /width or height of 0/],
    [good.subarray(0, good.length - 12), 'image/png', /ends before its IEND/],
    [badCrc, 'image/png', /checksum/],
    [jpeg(10, 10).subarray(0, 20), 'image/jpeg', /cut short|runs past|ends/],
    [webpVP8X(10, 10).subarray(0, 25), 'image/webp', /shorter than its RIFF size/],
  ];
  for (const [buf, type, re] of cases) {
    const r = await upload(token, buf, type);
    assert.equal(r.status, 400, `${re}: ${r.text}`);
    assert.match(r.json.message, re);
  }
  const f = new FormData();
  f.append('avatar', new Blob([png(500, 1)], { type: 'image/png' }), 'wide.png');
  const m = await server().api('POST', '/api/users/upload-avatar', { token, raw: f });
  assert.equal(m.status, 400, 'multipart too');
});
