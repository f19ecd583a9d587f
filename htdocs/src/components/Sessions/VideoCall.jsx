// The video call: Jitsi Meet's External API loaded from the room's domain (the configured
// Jitsi domain), with the session's JWT when one is issued. When the script cannot load (no
// route to that domain, blocked, or no answer within LOAD_TIMEOUT_MS) the panel says so and
// still gives the room: its id and a link that opens it on the Jitsi domain directly.
import { useEffect, useRef, useState } from 'react';

export const LOAD_TIMEOUT_MS = 10000;
const loaded = new Map();
function loadScript(src, timeout = LOAD_TIMEOUT_MS) {
  if (!loaded.has(src)) {
    loaded.set(src, new Promise((resolve, reject) => {
      const s = document.createElement('script');
      const fail = (why) => { clearTimeout(timer); loaded.delete(src); s.remove(); reject(new Error(why)); };
      const timer = setTimeout(() => fail('The video service did not answer in time.'), timeout);
      s.src = src;
      s.async = true;
      s.onload = () => { clearTimeout(timer); resolve(); };
      s.onerror = () => fail('The video service cannot be reached.');
      document.head.appendChild(s);
    }));
  }
  return loaded.get(src);
}

// GET /api/sessions/:id/room (and the start answer's room): {roomId, domain, meetingUrl,
// jwt?, ...}; meetingUrl carries ?jwt= when a token is issued.
export function roomInfo(room) {
  const domain = room?.domain || 'meet.jit.si';
  const name = room?.roomId || '';
  return { domain, name, url: room?.meetingUrl || `https://${domain}/${name}`, jwt: room?.jwt || null };
}

export default function VideoCall({ room, user, onLeft }) {
  const node = useRef(null);
  const [state, setState] = useState('loading');
  const [why, setWhy] = useState('');
  const info = roomInfo(room);
  useEffect(() => {
    let api = null;
    let live = true;
    loadScript(`https://${info.domain}/external_api.js`).then(() => {
      if (!live || !node.current || !window.JitsiMeetExternalAPI) return;
      api = new window.JitsiMeetExternalAPI(info.domain, {
        roomName: info.name, parentNode: node.current, width: '100%', height: 480,
        ...(info.jwt ? { jwt: info.jwt } : {}),
        userInfo: { displayName: user?.fullName, email: user?.email },
      });
      api.addListener?.('readyToClose', () => onLeft?.());
      setState('ready');
    }, (e) => { if (live) { setState('failed'); setWhy(e.message); } });
    return () => { live = false; api?.dispose?.(); };
  }, [info.domain, info.name, info.jwt]); // eslint-disable-line react-hooks/exhaustive-deps
  return (
    <section className="card" aria-labelledby="video-title" data-testid="video-panel">
      <h2 id="video-title" className="font-semibold">Video room <span className="font-mono text-sm" data-testid="room-name">{info.name}</span></h2>
      <p className="text-sm text-slate-700">on {info.domain}</p>
      <div ref={node} className={`mt-3 min-h-[120px] overflow-hidden rounded-md bg-slate-900 ${state === 'failed' ? 'hidden' : ''}`} data-testid="jitsi-container" />
      {state === 'loading' && <p className="mt-2 text-sm text-slate-700" role="status">Connecting the video…</p>}
      {state === 'failed' && (
        <div className="mt-2 rounded-md bg-amber-50 p-3 text-sm text-amber-900" role="status" data-testid="video-fallback">
          <p>{why} The call cannot be shown here; the room is still yours:</p>
          <p className="mt-1">Room <span className="font-mono" data-testid="fallback-room">{info.name}</span>{' '}
            <a className="text-indigo-800 underline" href={info.url} target="_blank" rel="noreferrer" data-testid="room-link">Open the room on {info.domain}</a></p>
        </div>
      )}
    </section>
  );
}
