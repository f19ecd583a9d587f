// Time-zone display: instants are shown in the viewer's zone; weekly availability is stored
// as wall-clock slots of the teacher's zone and turned into real instants per date, so a
// 09:00 slot in Paris shows as 08:00 or 09:00 in London depending on the week's DST.
import { format, formatDistanceToNowStrict, addDays } from 'date-fns';
import { TZDate } from '@date-fns/tz';
import { DAYS } from './constants.js';

export function viewerZone() {
  try { return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'; } catch { return 'UTC'; }
}

export function isValidZone(tz) {
  try { new Intl.DateTimeFormat('en', { timeZone: tz }); return !!tz; } catch { return false; }
}

/** Format an instant (Date, ISO string or ms) in a zone with a date-fns pattern. */
export function formatInZone(when, tz, pattern = 'EEE d MMM yyyy, HH:mm') {
  const d = when instanceof Date ? when : new Date(when);
  if (Number.isNaN(d.getTime())) return '';
  return format(new TZDate(d.getTime(), tz || 'UTC'), pattern);
}

export function relative(when) {
  const d = new Date(when);
  if (Number.isNaN(d.getTime())) return '';
  return formatDistanceToNowStrict(d, { addSuffix: true });
}

/** The instant of wall-clock time hh:mm on the calendar date (y, m0, d) in zone tz. */
export function wallTimeToInstant(y, m0, d, hhmm, tz) {
  const [h, min] = hhmm.split(':').map(Number);
  return new Date(new TZDate(y, m0, d, h, min, 0, tz).getTime());
}

/**
 * The bookable slots of a weekly availability (teacher's zone) over the next `days` days from
 * `from`, as instants: [{ start: Date, end: Date, day }]; sorted, future ones only.
 */
export function upcomingSlots(availability, teacherTz, from = new Date(), days = 14) {
  const out = [];
  const tz = teacherTz || 'UTC';
  const start = new TZDate(from.getTime(), tz);
  for (let i = 0; i < days; i++) {
    const day = addDays(start, i);
    const name = DAYS[(day.getDay() + 6) % 7];
    const entry = (availability || []).find((a) => a.day === name);
    for (const s of entry?.timeSlots || []) {
      const a = wallTimeToInstant(day.getFullYear(), day.getMonth(), day.getDate(), s.startTime, tz);
      const b = wallTimeToInstant(day.getFullYear(), day.getMonth(), day.getDate(), s.endTime, tz);
      if (a > from) out.push({ start: a, end: b, day: name });
    }
  }
  return out.sort((x, y) => x.start - y.start);
}

/**
 * The start times a session of `minutes` can have inside one slot instance ({ start, end }):
 * every `step` minutes from the slot's start while the session still ends inside the slot,
 * and no earlier than `notBefore` (ms). The server takes a session only when it lies inside
 * one slot of the teacher's day, so a start near a slot's end is not offered.
 */
export function startsInSlot(slot, minutes, notBefore = 0, step = 15) {
  const out = [];
  const len = minutes * 60000;
  for (let t = slot.start.getTime(); t + len <= slot.end.getTime(); t += step * 60000) {
    if (t >= notBefore) out.push(new Date(t));
  }
  return out;
}

/**
 * The slot instances of a weekly availability over the next `days` days that still have a
 * start for a session of `minutes` at or after `from` + `leadMinutes` (the one running now
 * included): [{ start, end, day, starts: [Date] }].
 */
export function bookableSlots(availability, teacherTz, minutes, from = new Date(), days = 14, leadMinutes = 15) {
  const notBefore = from.getTime() + leadMinutes * 60000;
  // from a day back, so that a slot that began before `from` and is still open counts
  const all = upcomingSlots(availability, teacherTz, new Date(from.getTime() - 86400000), days + 1);
  return all.map((s) => ({ ...s, starts: startsInSlot(s, minutes, notBefore) }))
    .filter((s) => s.starts.length > 0);
}

/** A slot ("Monday" 09:00–12:00 in teacherTz) as the viewer reads it, for the week of `ref`. */
export function slotInViewerZone(day, slot, teacherTz, viewerTz, ref = new Date()) {
  const tz = teacherTz || 'UTC';
  const r = new TZDate(ref.getTime(), tz);
  const offset = (DAYS.indexOf(day) - ((r.getDay() + 6) % 7) + 7) % 7;
  const d = addDays(r, offset);
  const a = wallTimeToInstant(d.getFullYear(), d.getMonth(), d.getDate(), slot.startTime, tz);
  const b = wallTimeToInstant(d.getFullYear(), d.getMonth(), d.getDate(), slot.endTime, tz);
  return `${formatInZone(a, viewerTz, 'EEE HH:mm')}–${formatInZone(b, viewerTz, 'HH:mm')}`;
}

/** Credits are hours with up to two decimals on the wire. */
export function formatCredits(n) {
  const v = Number(n) || 0;
  return `${Number.isInteger(v) ? v : v.toFixed(2).replace(/0$/, '')}`;
}

export function formatDuration(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const hh = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return hh ? `${hh}:${mm}:${ss}` : `${mm}:${ss}`;
}
