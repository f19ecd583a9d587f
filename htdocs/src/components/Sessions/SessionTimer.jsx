import { useEffect, useState } from 'react';
import { formatDuration } from '../../utils/time.js';
import { serverClock } from '../../utils/clock.js';

// The elapsed time by the server's clock: startedAt is the server's, the browser's may be off.
export default function SessionTimer({ startedAt, plannedMinutes, clock = serverClock }) {
  const [now, setNow] = useState(clock.now());
  useEffect(() => { const t = setInterval(() => setNow(clock.now()), 1000); return () => clearInterval(t); }, [clock]);
  const elapsed = startedAt ? now - new Date(startedAt).getTime() : 0;
  const over = plannedMinutes && elapsed > plannedMinutes * 60000;
  return (
    <p className={`font-mono text-2xl ${over ? 'text-rose-800' : 'text-slate-900'}`} role="timer" aria-live="off" data-testid="session-timer">
      {formatDuration(elapsed)}{plannedMinutes ? <span className="ml-2 text-sm text-slate-700">of {plannedMinutes} min</span> : null}
    </p>
  );
}
