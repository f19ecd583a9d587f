// The video call: Jitsi Meet's External API loaded from the room's domain (the configured
// Jitsi domain), with the session's JWT when one is issued. If the script cannot load, the
// room is still shown with a link to open it directly.
import { useEffect, useRef, useState } from 'react';

const loaded = new Map();
function loadScript(src) {
  if (!loaded.has(src)) {
    loaded.set(src, new Promise((resolve, reject) => {
      const s = document.createElement('script');
      s.src = src;
      s.async = true;
      s.onload = resolve;
      s.onerror = () => { loaded.delete(src); reject(new Error('The video service cannot be reached.')); };
      document.head.appendChild(s);
    }));
  }
  return loaded.get(src);
}

export function roomInfo(room) {
  const url = room?.meetingUrl ? new URL(room.meetingUrl) : null;
  const domain = room?.domain || room?.jitsiDomain || url?.host || 'meet.jit.si';
  const name = room?.roomName || room?.roomId || url?.pathname.replace(/^\//, '') || '';
  return { domain, name, url: room?.meetingUrl || `https://${domain}/${name}`, jwt: room?.jwt || room?.token || null };
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
      <div ref={node} className="mt-3 min-h-[120px] overflow-hidden rounded-md bg-slate-900" data-testid="jitsi-container" />
      {state === 'loading' && <p className="mt-2 text-sm text-slate-700" role="status">Connecting the video…</p>}
      {state === 'failed' && (
        <p className="mt-2 text-sm text-slate-800" role="status">{why} <a className="text-indigo-800 underline" href={info.url} target="_blank" rel="noreferrer">Open the room in a new tab</a>.</p>
      )}
    </section>
  );
}
