// A weekly grid of hours in the user's own time zone; runs of selected hours become the
// day's slots. The server keeps them as local times of that zone (DST-proof).
import { useState } from 'react';
import { users } from '../../utils/api.js';
import { useAuth } from '../../context/AuthContext.jsx';
import { DAYS } from '../../utils/constants.js';

const HOURS = Array.from({ length: 16 }, (_, i) => i + 6); // 06:00 .. 21:00 starts
const hh = (h) => `${String(h).padStart(2, '0')}:00`;
const toMin = (t) => { const [h, m] = t.split(':').map(Number); return h * 60 + m; };

export function gridFromAvailability(availability) {
  const g = {};
  for (const d of availability || []) {
    for (const s of d.timeSlots || []) {
      for (const h of HOURS) {
        if (toMin(hh(h)) < toMin(s.endTime) && toMin(hh(h + 1)) > toMin(s.startTime)) g[`${d.day}-${h}`] = true;
      }
    }
  }
  return g;
}

export function availabilityFromGrid(g) {
  const out = [];
  for (const day of DAYS) {
    const slots = [];
    let start = null;
    for (const h of [...HOURS, HOURS[HOURS.length - 1] + 1]) {
      const on = !!g[`${day}-${h}`];
      if (on && start === null) start = h;
      if (!on && start !== null) { slots.push({ startTime: hh(start), endTime: hh(h) }); start = null; }
    }
    if (slots.length) out.push({ day, timeSlots: slots });
  }
  return out;
}

export default function AvailabilityManager() {
  const { user, setUser } = useAuth();
  const [grid, setGrid] = useState(() => gridFromAvailability(user.availability));
  const [status, setStatus] = useState(null);
  const toggle = (k) => setGrid((g) => ({ ...g, [k]: !g[k] }));
  const save = async () => {
    setStatus(null);
    try {
      const r = await users.availability(availabilityFromGrid(grid), user.timezone || 'UTC');
      setUser(r.data);
      setStatus('Saved.');
    } catch (e) {
      setStatus(e.message);
    }
  };
  return (
    <section className="card" aria-labelledby="availability-title" data-testid="availability">
      <h3 id="availability-title" className="font-semibold">Weekly availability</h3>
      <p className="text-sm text-slate-700">Hours in your time zone: <span className="font-medium">{user.timezone || 'UTC'}</span>. Select the hours people can book.</p>
      <div className="mt-3 overflow-x-auto" tabIndex={0} role="region" aria-label="Weekly hours, scrollable">
        <table className="min-w-full border-collapse text-xs">
          <thead>
            <tr>
              <th scope="col" className="p-1 text-left font-medium">Hour</th>
              {DAYS.map((d) => <th key={d} scope="col" className="p-1 font-medium"><abbr title={d}>{d.slice(0, 3)}</abbr></th>)}
            </tr>
          </thead>
          <tbody>
            {HOURS.map((h) => (
              <tr key={h}>
                <th scope="row" className="p-1 text-left font-normal text-slate-800">{hh(h)}</th>
                {DAYS.map((d) => {
                  const k = `${d}-${h}`;
                  return (
                    <td key={k} className="p-0.5">
                      <button type="button" aria-pressed={!!grid[k]} aria-label={`${d} ${hh(h)}–${hh(h + 1)}`} onClick={() => toggle(k)}
                        data-testid={`slot-${k}`}
                        className={`h-6 w-full min-w-[2.25rem] rounded border ${grid[k] ? 'border-indigo-800 bg-indigo-700' : 'border-slate-300 bg-white hover:bg-indigo-50'}`} />
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="mt-3 flex items-center gap-3">
        <button type="button" className="btn-primary" onClick={save}>Save availability</button>
        {status && <span role="status" className="text-sm text-slate-800" data-testid="availability-status">{status}</span>}
      </div>
    </section>
  );
}
