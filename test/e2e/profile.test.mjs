// The profile screens: edit profile, skills offered and wanted, the weekly availability grid in
// the user's zone, avatar upload with crop preview and progress, the public profile.
import test from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { writeFileSync, rmSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { setup, shot, assertAccessible, assertNoProblems, register, signIn } from './lib.mjs';

const s = setup(test);

// A real PNG (w×h, a colour gradient), written by hand: no image library needed.
function png(w, h) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => { let c = 0xffffffff; for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8); return (c ^ 0xffffffff) >>> 0; };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const c = Buffer.alloc(4); c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0); ihdr.writeUInt32BE(h, 4); ihdr[8] = 8; ihdr[9] = 2;
  const raw = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) {
    raw[y * (w * 3 + 1)] = 0;
    for (let x = 0; x < w; x++) {
      const o = y * (w * 3 + 1) + 1 + x * 3;
      raw[o] = (x * 255) / w; raw[o + 1] = (y * 255) / h; raw[o + 2] = 160;
    }
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

test('edit the profile: bio, country, time zone, languages', async () => {
  const { page, server } = s;
  s.me = await register(server, { firstName: 'Linus', lastName: 'Pauling' });
  await signIn(page, server, s.me);
  await page.goto(server.url('/profile'));
  await page.getByTestId('edit-profile').waitFor();
  await page.getByLabel('Bio').fill('x'.repeat(501));
  await page.getByRole('button', { name: 'Save profile' }).click();
  await page.getByTestId('error-bio').waitFor();
  await page.getByLabel('Bio').fill('Chemist. I teach molecules and want to learn the cello.');
  await page.getByLabel('Country').fill('United States');
  await page.getByLabel('Time zone').selectOption('America/Los_Angeles');
  await page.getByLabel('Languages').fill('English, German');
  await page.getByRole('button', { name: 'Save profile' }).click();
  await page.getByTestId('profile-saved').waitFor();
  await shot(page, 'profile-edit');
  await assertAccessible(page, 'profile');
  const r = await server.api('GET', '/api/users/profile', { token: s.me.token });
  assert.equal(r.json.data.bio, 'Chemist. I teach molecules and want to learn the cello.');
  assert.equal(r.json.data.timezone, 'America/Los_Angeles');
  assert.deepEqual(r.json.data.languages, ['English', 'German']);
  assertNoProblems(s.browser);
});

test('skills offered and wanted: add, validate, save, remove', async () => {
  const { page, server } = s;
  await page.getByRole('tab', { name: 'Skills' }).click();
  const offered = page.getByTestId('skills-offered');
  await offered.getByRole('button', { name: 'Add a skill' }).click();
  await offered.getByRole('button', { name: 'Save skills offered' }).click();
  await offered.getByText('Name the skill').waitFor();
  await page.locator('#offered-0-skill').fill('Chemistry');
  await page.locator('#offered-0-category').selectOption('Other');
  await page.locator('#offered-0-level').selectOption('Expert');
  await page.locator('#offered-0-description').fill('From atoms to bonds');
  await offered.getByRole('button', { name: 'Add a skill' }).click();
  await page.locator('#offered-1-skill').fill('chemistry');
  await offered.getByRole('button', { name: 'Save skills offered' }).click();
  await offered.getByText('Listed twice').waitFor();
  await page.locator('#offered-1-skill').fill('Python');
  await page.locator('#offered-1-category').selectOption('Technology');
  await offered.getByRole('button', { name: 'Save skills offered' }).click();
  await page.getByTestId('skills-offered-status').filter({ hasText: 'Saved.' }).waitFor();
  const wanted = page.getByTestId('skills-wanted');
  await wanted.getByRole('button', { name: 'Add a skill' }).click();
  await page.locator('#wanted-0-skill').fill('Cello');
  await page.locator('#wanted-0-category').selectOption('Music');
  await page.locator('#wanted-0-priority').selectOption('High');
  await wanted.getByRole('button', { name: 'Save skills wanted' }).click();
  await page.getByTestId('skills-wanted-status').filter({ hasText: 'Saved.' }).waitFor();
  await shot(page, 'profile-skills');
  await assertAccessible(page, 'skills');
  let r = await server.api('GET', '/api/users/profile', { token: s.me.token });
  assert.deepEqual(r.json.data.skillsOffered.map((x) => [x.skill, x.category, x.experience]),
    [['Chemistry', 'Other', 'Expert'], ['Python', 'Technology', 'Intermediate']]);
  assert.equal(r.json.data.skillsOffered[0].description, 'From atoms to bonds');
  assert.deepEqual(r.json.data.skillsWanted.map((x) => [x.skill, x.category, x.priority]), [['Cello', 'Music', 'High']]);
  await offered.getByRole('button', { name: 'Remove Python' }).click();
  await offered.getByRole('button', { name: 'Save skills offered' }).click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=skills-offered] li').length === 1);
  await page.getByTestId('skills-offered-status').filter({ hasText: 'Saved.' }).waitFor();
  r = await server.api('GET', '/api/users/profile', { token: s.me.token });
  assert.deepEqual(r.json.data.skillsOffered.map((x) => x.skill), ['Chemistry']);
  assertNoProblems(s.browser);
});

test('availability: a weekly grid in the user\'s own zone, saved as that zone\'s slots', async () => {
  const { page, server } = s;
  await page.getByRole('tab', { name: 'Availability' }).click();
  await page.getByTestId('availability').getByText('America/Los_Angeles').waitFor();
  for (const h of [9, 10, 11]) await page.getByTestId(`slot-Monday-${h}`).click();
  await page.getByTestId('slot-Wednesday-18').click();
  assert.equal(await page.getByTestId('slot-Monday-10').getAttribute('aria-pressed'), 'true');
  await page.getByRole('button', { name: 'Save availability' }).click();
  await page.getByTestId('availability-status').filter({ hasText: 'Saved.' }).waitFor();
  await shot(page, 'profile-availability');
  await assertAccessible(page, 'availability');
  const r = await server.api('GET', '/api/users/profile', { token: s.me.token });
  assert.equal(r.json.data.timezone, 'America/Los_Angeles');
  assert.deepEqual(r.json.data.availability, [
    { day: 'Monday', timeSlots: [{ startTime: '09:00', endTime: '12:00' }] },
    { day: 'Wednesday', timeSlots: [{ startTime: '18:00', endTime: '19:00' }] },
  ]);
  // the grid comes back from the server after a reload
  await page.reload();
  assert.equal(await page.getByTestId('slot-Monday-11').getAttribute('aria-pressed'), 'true');
  assert.equal(await page.getByTestId('slot-Monday-12').getAttribute('aria-pressed'), 'false');
  assertNoProblems(s.browser);
});

test('avatar: choose, preview the crop, upload with progress; the header shows it', async () => {
  const { page, server } = s;
  const dir = mkdtempSync(join(tmpdir(), 'sb-e2e-img-'));
  try {
    const file = join(dir, 'me.png');
    writeFileSync(file, png(320, 200));
    await page.getByRole('tab', { name: 'Picture' }).click();
    await page.getByLabel('Choose an image').setInputFiles(file);
    await page.getByTestId('avatar-preview').waitFor();
    // the preview is the square crop: drawn pixels, not empty
    const drawn = await page.getByTestId('avatar-preview').evaluate((c) => {
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n += 1;
      return { n, w: c.width, h: c.height };
    });
    assert.equal(drawn.w, 256); assert.equal(drawn.h, 256);
    assert.equal(drawn.n, 256 * 256);
    await page.getByLabel('Zoom').fill('2');
    await shot(page, 'profile-avatar-crop');
    const progress = page.getByTestId('avatar-progress').waitFor();
    await page.getByRole('button', { name: 'Upload picture' }).click();
    await progress;
    await page.getByTestId('avatar-message').filter({ hasText: 'Picture updated.' }).waitFor();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const r = await server.api('GET', '/api/users/profile', { token: s.me.token });
  assert.match(r.json.data.profilePicture, /^\/uploads\/.+\.png$/);
  const img = await fetch(server.url(r.json.data.profilePicture));
  assert.equal(img.status, 200);
  const bytes = Buffer.from(await img.arrayBuffer());
  assert.equal(bytes.subarray(1, 4).toString(), 'PNG');
  assert.equal(bytes.readUInt32BE(16), 256, 'the cropped 256-pixel square was uploaded');
  await page.waitForFunction((src) => [...document.querySelectorAll('header img')].some((i) => i.getAttribute('src') === src && i.complete && i.naturalWidth === 256), r.json.data.profilePicture);
  await shot(page, 'profile-avatar');
  assertNoProblems(s.browser);
});

test('the public profile shows skills, availability in the viewer\'s zone and reviews', async () => {
  const { page, server } = s;
  const viewer = await register(server, { firstName: 'Vera' });
  s.viewer = viewer;
  await signIn(page, server, viewer);
  await page.goto(server.url(`/users/${s.me.user._id}`));
  const prof = page.getByTestId('public-profile');
  await prof.getByRole('heading', { name: 'Linus Pauling' }).waitFor();
  await prof.getByText('Chemistry').first().waitFor();
  // the browser runs in Europe/London; Monday 09:00-12:00 in Los Angeles is 17:00-20:00 there
  // (both zones on standard or both on summer time, outside the March/November weeks)
  const slots = await prof.locator('li', { hasText: /Mon|Tue/ }).allTextContents();
  const monday = slots.find((t) => /^Mon \d\d:00/.test(t));
  assert.ok(['Mon 17:00–20:00', 'Mon 16:00–19:00'].includes(monday), `got ${slots}`);
  await prof.getByTestId('reviews').getByText('No reviews yet.').waitFor();
  await shot(page, 'public-profile');
  await assertAccessible(page, 'public profile');
  assertNoProblems(s.browser);
});

test('booking offers the teacher\'s hours as times in the viewer\'s zone', async () => {
  const { page } = s;
  await page.getByRole('button', { name: 'Book a session' }).click();
  const form = page.getByTestId('schedule-form');
  await form.waitFor();
  await form.getByText('(shown in your zone, Europe/London)').waitFor();
  const windows = async () => page.getByTestId('slot-select').locator('option').allTextContents();
  // two weeks of Linus's hours: Mondays 09-12 and Wednesdays 18-19 in Los Angeles
  const options = await windows();
  assert.ok(options.length >= 3 && options.length <= 6, options.join(' | '));
  for (const o of options) {
    assert.match(o, /^(Mon \d+ \w+, 1[67]:00–(19|20):00|Thu \d+ \w+, 0[12]:00–0[23]:00)$/, o);
  }
  assert.deepEqual(await page.getByLabel('Skill').locator('option').allTextContents(), ['Chemistry']);
  // the starts of a Monday window: every 15 minutes while an hour still fits (09:00-11:00 LA);
  // the last one, which cannot be under way now
  const monday = options.map((o) => o.startsWith('Mon')).lastIndexOf(true);
  await page.getByTestId('slot-select').selectOption({ index: monday });
  const starts = await page.getByTestId('start-select').locator('option').allTextContents();
  assert.equal(starts.length, 9, starts.join(' '));
  assert.match(starts[0], /^1[67]:00$/);
  assert.match(starts[1], /^1[67]:15$/);
  // two hours fit only into the Monday windows
  await page.getByLabel('Duration').selectOption('120');
  for (const o of await windows()) assert.match(o, /^Mon /, o);
  assert.equal(await page.getByTestId('start-select').locator('option').count(), 5);
  await page.getByLabel('Duration').selectOption('60');
  await page.getByTestId('slot-select').selectOption({ index: monday });
  await shot(page, 'booking');
  await assertAccessible(page, 'booking');
  s.bookingOpen = true;
  assertNoProblems(s.browser);
});

test('a booking request is sent to the teacher: a pending session at the chosen start, the hour held', async () => {
  const { page, server } = s;
  assert.ok(s.bookingOpen);
  await page.getByTestId('start-select').selectOption({ index: 2 });
  const chosen = Number(await page.getByTestId('start-select').inputValue());
  await page.getByLabel('What would you like to cover?').fill('Hydrogen bonds, please');
  await page.getByRole('button', { name: 'Send request' }).click();
  const sent = page.getByTestId('booking-sent');
  await sent.waitFor();
  assert.match(await sent.textContent(), /1 credit held/);
  const r = await server.api('GET', '/api/sessions?status=pending', { token: s.viewer.token });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.data.length, 1);
  const booked = r.json.data[0];
  assert.equal(booked.teacher._id, s.me.user._id);
  assert.equal(Date.parse(booked.scheduledTime), chosen);
  assert.equal(booked.duration, 60);
  assert.equal(booked.description, 'Hydrogen bonds, please');
  await page.getByRole('button', { name: 'Done' }).click();
  // the header shows the hold
  await page.getByTestId('credits-held').filter({ hasText: '+1 held' }).first().waitFor();
  const b = await server.api('GET', '/api/credits/balance', { token: s.viewer.token });
  assert.deepEqual([b.json.data.available, b.json.data.held], [4, 1]);
  assertNoProblems(s.browser);
});
