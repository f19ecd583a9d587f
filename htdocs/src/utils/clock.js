// The server's clock, learnt from the Date header of API answers, so a timer of a session
// (whose start the server recorded) does not run off by however wrong the browser's clock is.
// Date has one-second resolution and the server read its clock somewhere between our send and
// our receipt, so each answer bounds the offset to an interval; the intervals of successive
// answers are intersected, and the estimate is the middle of what is left. An interval that
// does not meet the others (the browser's clock was set, the machine slept) starts afresh.
export function createClock(local = () => Date.now()) {
  let lo = -Infinity;
  let hi = Infinity;
  let offset = 0;
  return {
    observe(dateHeader, sentAt, receivedAt) {
      const d = typeof dateHeader === 'string' ? Date.parse(dateHeader) : NaN;
      if (!Number.isFinite(d) || !(sentAt <= receivedAt)) return;
      const a = d - receivedAt;
      const b = d + 1000 - sentAt;
      if (a > hi || b < lo) { lo = a; hi = b; } else { lo = Math.max(lo, a); hi = Math.min(hi, b); }
      offset = Math.round((lo + hi) / 2);
    },
    offset: () => offset,
    now: () => local() + offset,
  };
}

export const serverClock = createClock();
