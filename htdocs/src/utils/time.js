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
