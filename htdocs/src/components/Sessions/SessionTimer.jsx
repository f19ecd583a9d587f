import { useEffect, useState } from 'react';
import { formatDuration } from '../../utils/time.js';

export default function SessionTimer({ startedAt, plannedMinutes }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => { const t = setInterval(() => setNow(Date.now()), 1000); return () => clearInterval(t); }, []);
  const elapsed = startedAt ? now - new Date(startedAt).getTime() : 0;
  const over = plannedMinutes && elapsed > plannedMinutes * 60000;
  return (
    <p className={`font-mono text-2xl ${over ? 'text-rose-800' : 'text-slate-900'}`} role="timer" aria-live="off" data-testid="session-timer">
      {formatDuration(elapsed)}{plannedMinutes ? <span className="ml-2 text-sm text-slate-700">of {plannedMinutes} min</span> : null}
    </p>
  );
}
