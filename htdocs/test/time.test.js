// Time-zone display: instants in the viewer's zone, weekly slots of the teacher's zone turned
// into real instants per date (across DST changes), credits and durations.
import { describe, it, expect } from 'vitest';
import { formatInZone, upcomingSlots, slotInViewerZone, wallTimeToInstant, formatCredits, formatDuration, startsInSlot, bookableSlots } from '../src/utils/time.js';

describe('time zones', () => {
  it('formats one instant in different zones', () => {
    const t = '2026-07-01T12:00:00.000Z';
    expect(formatInZone(t, 'UTC', 'HH:mm')).toBe('12:00');
    expect(formatInZone(t, 'Europe/Paris', 'HH:mm')).toBe('14:00');
    expect(formatInZone(t, 'America/New_York', 'EEE HH:mm')).toBe('Wed 08:00');
    expect(formatInZone(t, 'Asia/Kolkata', 'HH:mm')).toBe('17:30');
    expect(formatInZone('not a date', 'UTC')).toBe('');
  });

  it('a wall-clock time of a zone is the right instant on both sides of DST', () => {
    expect(wallTimeToInstant(2026, 0, 12, '09:00', 'Europe/Paris').toISOString()).toBe('2026-01-12T08:00:00.000Z');
    expect(wallTimeToInstant(2026, 6, 13, '09:00', 'Europe/Paris').toISOString()).toBe('2026-07-13T07:00:00.000Z');
  });

  it('a Paris 09:00 Monday slot reads 08:00 in London all year, 03:00/02:00 in New York around the US-only DST weeks', () => {
    const slot = { startTime: '09:00', endTime: '10:30' };
    expect(slotInViewerZone('Monday', slot, 'Europe/Paris', 'Europe/London', new Date('2026-01-14T00:00:00Z'))).toBe('Mon 08:00–09:30');
    expect(slotInViewerZone('Monday', slot, 'Europe/Paris', 'Europe/London', new Date('2026-07-15T00:00:00Z'))).toBe('Mon 08:00–09:30');
    // 2026: the US moves on 8 March, Europe on 29 March; in between the gap is 5 h, not 6
    expect(slotInViewerZone('Monday', slot, 'Europe/Paris', 'America/New_York', new Date('2026-03-02T00:00:00Z'))).toBe('Mon 03:00–04:30');
    expect(slotInViewerZone('Monday', slot, 'Europe/Paris', 'America/New_York', new Date('2026-03-16T00:00:00Z'))).toBe('Mon 04:00–05:30');
  });

  it('a slot can fall on another day for the viewer', () => {
    const slot = { startTime: '08:00', endTime: '09:00' };
    expect(slotInViewerZone('Tuesday', slot, 'Asia/Tokyo', 'America/Los_Angeles', new Date('2026-02-02T00:00:00Z'))).toBe('Mon 15:00–16:00');
  });

  it('upcoming slots are real future instants, in order, over the next days', () => {
    const availability = [
      { day: 'Monday', timeSlots: [{ startTime: '09:00', endTime: '10:00' }, { startTime: '14:00', endTime: '15:00' }] },
      { day: 'Wednesday', timeSlots: [{ startTime: '18:00', endTime: '19:00' }] },
    ];
    // Monday 2026-03-23 10:30 in Paris (09:30 UTC): the Monday 09:00 slot is past
    const from = new Date('2026-03-23T09:30:00Z');
    const s = upcomingSlots(availability, 'Europe/Paris', from, 14).map((x) => x.start.toISOString());
    expect(s).toEqual([
      '2026-03-23T13:00:00.000Z', // Mon 14:00 CET
      '2026-03-25T17:00:00.000Z', // Wed 18:00 CET
      '2026-03-30T07:00:00.000Z', // Mon 09:00 CEST (DST began on the 29th)
      '2026-03-30T12:00:00.000Z',
      '2026-04-01T16:00:00.000Z',
    ]);
    expect(upcomingSlots([], 'UTC', from)).toEqual([]);
  });
});

describe('booking starts', () => {
  const iso = (d) => d.toISOString();
  it('a session is offered only where it ends inside the slot, every 15 minutes', () => {
    const slot = { start: new Date('2026-03-23T09:00:00Z'), end: new Date('2026-03-23T10:30:00Z') };
    expect(startsInSlot(slot, 60).map(iso)).toEqual(['2026-03-23T09:00:00.000Z', '2026-03-23T09:15:00.000Z', '2026-03-23T09:30:00.000Z']);
    expect(startsInSlot(slot, 90).map(iso)).toEqual(['2026-03-23T09:00:00.000Z']);
    expect(startsInSlot(slot, 120)).toEqual([]);
    expect(startsInSlot(slot, 30, Date.parse('2026-03-23T09:40:00Z')).map(iso)).toEqual(['2026-03-23T09:45:00.000Z', '2026-03-23T10:00:00.000Z']);
  });
  it('the slot running now counts with its remaining starts after the lead time; full ones drop out', () => {
    const availability = [{ day: 'Monday', timeSlots: [{ startTime: '09:00', endTime: '12:00' }, { startTime: '14:00', endTime: '15:00' }] }];
    // Monday 2026-03-23 10:30 in Paris (09:30 UTC)
    const from = new Date('2026-03-23T09:30:00Z');
    const s = bookableSlots(availability, 'Europe/Paris', 60, from, 7, 15);
    expect(s.map((x) => iso(x.start))).toEqual(['2026-03-23T08:00:00.000Z', '2026-03-23T13:00:00.000Z']);
    expect(s[0].starts.map(iso)).toEqual(['2026-03-23T09:45:00.000Z', '2026-03-23T10:00:00.000Z']);
    expect(s[1].starts.map(iso)).toEqual(['2026-03-23T13:00:00.000Z']);
    // two hours no longer fit into the rest of the morning, nor into the afternoon hour
    expect(bookableSlots(availability, 'Europe/Paris', 120, from, 8, 15)
      .map((x) => iso(x.start))).toEqual(['2026-03-30T07:00:00.000Z']);
  });
});

describe('numbers', () => {
  it('credits show as hours with up to two decimals', () => {
    expect(formatCredits(5)).toBe('5');
    expect(formatCredits(1.5)).toBe('1.5');
    expect(formatCredits(0.25)).toBe('0.25');
    expect(formatCredits('2')).toBe('2');
    expect(formatCredits(undefined)).toBe('0');
  });
  it('durations as mm:ss or h:mm:ss', () => {
    expect(formatDuration(0)).toBe('00:00');
    expect(formatDuration(61000)).toBe('01:01');
    expect(formatDuration(3723000)).toBe('1:02:03');
    expect(formatDuration(-5)).toBe('00:00');
  });
});
